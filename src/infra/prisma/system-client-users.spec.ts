import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SYSTEM_CLIENT_USERS } from './prisma.service.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
// where the client is defined and provided
const DEFINITION = ['src/infra/prisma/prisma.service.ts', 'src/infra/prisma/prisma.module.ts'];

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [rel] : [];
  });
}

describe('the RLS-bypassing system client', () => {
  const users = sources('src').filter((f) => !DEFINITION.includes(f) && /\bSystemPrismaService\b/.test(readFileSync(path.join(ROOT, f), 'utf8')));

  it('is used only by the reviewed files of SYSTEM_CLIENT_USERS (add a file there, with its reason, in review)', () => {
    expect(users.filter((f) => !(f in SYSTEM_CLIENT_USERS))).toEqual([]);
  });

  it('the list names no file that no longer uses it', () => {
    expect(Object.keys(SYSTEM_CLIENT_USERS).filter((f) => !users.includes(f))).toEqual([]);
  });

  it('request paths that need more than their caller may see go through definer functions, not this client', () => {
    for (const f of ['src/modules/availability/slots.service.ts', 'src/modules/employees/employee-stats.service.ts', 'src/modules/employees/employees.service.ts', 'src/infra/outbox/outbox.service.ts']) {
      expect(users, f).not.toContain(f);
    }
  });
});
