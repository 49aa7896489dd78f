import { getQueueToken } from '@nestjs/bullmq';
import { Role } from '@prisma/client';
import type { Queue } from 'bullmq';
import { QUEUE } from '../../src/infra/queue/queues.js';
import { bearer, createCompany, createUser, signAccessToken, TestCompany, TestUser } from '../helpers/fixtures.js';
import { randomIp, startTestApp, TestContext } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

describe('Large CSV exports run as a job with progress (REPORTS_EXPORT_ASYNC_ROWS)', () => {
  let t: TestContext;
  let big: TestCompany;
  let small: TestCompany;
  let rhBig: TestUser;
  let rhBig2: TestUser;
  let rhSmall: TestUser;
  let admin: TestUser;
  let employee: TestUser;
  let queue: Queue;

  const get = (url: string, user?: TestUser) => {
    const req = t.http.get(url).set('X-Forwarded-For', randomIp());
    return user ? req.set(bearer(signAccessToken(user))) : req;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { REPORTS_EXPORT_ASYNC_ROWS: '10', REPORTS_EXPORT_DIR: `./.data/test-exports-${Date.now()}` } });
    queue = t.app.get<Queue>(getQueueToken(QUEUE.reportExports));
    big = await createCompany(t.db);
    small = await createCompany(t.db);
    rhBig = await createUser(t.db, Role.ADMIN_RH, { company: big });
    rhBig2 = await createUser(t.db, Role.ADMIN_RH, { company: big });
    rhSmall = await createUser(t.db, Role.ADMIN_RH, { company: small });
    admin = await createUser(t.db, Role.ADMIN_HUNTZEN);
    for (let i = 0; i < 12; i++) employee = await createUser(t.db, Role.EMPLOYEE, { company: big });
    for (let i = 0; i < 3; i++) await createUser(t.db, Role.EMPLOYEE, { company: small });
  });
  afterAll(() => t?.close());

  it('over the size: 202 with a job id, progress to 100, then the file for its requester only', async () => {
    await queue.pause();
    const res = await get('/api/reports/export-employee-usage?period=2025-01', rhBig);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ state: 'waiting', progress: 0, total: 12, downloadUrl: null });
    const { jobId } = res.body;
    const early = await get(`/api/reports/exports/${jobId}/download`, rhBig);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('EXPORT_NOT_READY');
    await queue.resume();
    const done = await until(async () => {
      const s = await get(`/api/reports/exports/${jobId}`, rhBig);
      expect(s.status).toBe(200);
      return s.body.state === 'completed' && s.body;
    }, 'the export job');
    expect(done).toEqual({ jobId, state: 'completed', progress: 100, total: 12, downloadUrl: `/api/reports/exports/${jobId}/download` });
    const file = await get(done.downloadUrl, rhBig).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(file.headers['content-disposition']).toMatch(/^attachment; filename="utilisation-company-[\w-]+-2025-01\.csv"$/);
    const text = (file.body as Buffer).toString('utf8');
    expect(text.startsWith('\uFEFF# RAPPORT UTILISATION EMPLOYÉS - ANONYMISÉ\n')).toBe(true);
    expect(text.split('\n').filter((l) => /,0,0$/.test(l))).toHaveLength(12);
    // another HR of the same company, a platform admin, an employee: not theirs
    expect((await get(`/api/reports/exports/${jobId}`, rhBig2)).status).toBe(404);
    expect((await get(`/api/reports/exports/${jobId}/download`, admin)).status).toBe(404);
    expect((await get(`/api/reports/exports/${jobId}`, employee)).status).toBe(403);
    expect((await get(`/api/reports/exports/${jobId}`)).status).toBe(401);
    expect((await get('/api/reports/exports/999999', rhBig)).status).toBe(404);
    expect((await get('/api/reports/exports/abc', rhBig)).status).toBe(404);
  });

  it('X7 by a platform admin goes the same way; under the size the file is streamed at once', async () => {
    const res = await get(`/api/reports/companies/${big.id}/export?period=2025-01`, admin);
    expect(res.status).toBe(202);
    await until(async () => (await get(`/api/reports/exports/${res.body.jobId}`, admin)).body.state === 'completed', 'the X7 job');
    const direct = await get('/api/reports/export-employee-usage?period=2025-01', rhSmall);
    expect(direct.status).toBe(200);
    expect(direct.headers['content-type']).toBe('text/csv; charset=utf-8');
  });
});
