import { Role } from '@prisma/client';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { runSample } from '../../clients/typescript/examples/sample.js';
import { createUser } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';
import { createOpenPractitioner } from '../consultations/helpers.js';

const CLIENT = path.resolve(import.meta.dirname, '../../clients/typescript');
/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** The shipped client and its sample program: strict type-check (TypeScript 5 of the client package), then a real run. */
describe('TypeScript client sample program', () => {
  let t: TestContext;
  let baseUrl: string;

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => t?.close());

  it('type-checks with tsc --strict', async () => {
    const tsc = path.join(CLIENT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', path.join(CLIENT, 'tsconfig.json')]).catch((e: { stdout: string; code: number }) => e);
    expect((result as { stdout: string }).stdout).toBe('');
  }, 120_000);

  it('logs in, searches, reads slots, books, opens the room, reads notifications and uploads through the typed client', async () => {
    await createOpenPractitioner(t.db);
    const employee = await createUser(t.db, Role.EMPLOYEE);
    const result = await runSample({ baseUrl, email: employee.email, password: employee.password, avatar: new Blob([PNG], { type: 'image/png' }) });
    expect(result).toMatchObject({ userRole: 'EMPLOYEE', status: 'SCHEDULED', roomFormat: 'VIDEO', pastSlotError: 'SLOT_IN_PAST' });
    expect(result.avatarUrl).toMatch(/^\/api\/files\/[0-9a-f-]{36}$/);
    const row = await t.db.consultation.findUnique({ where: { id: result.consultationId } });
    expect(row?.employeeId).toBe(employee.employeeId);
  });
});
