// journal_entries under RLS, at SQL level as huntzen_app (SPEC §4.10, ARCHITECTURE §4): the owning employee
// only, even when a context claims someone else's employee id; owner, id and creation time immutable.
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { insert, openRlsDb, type Ctx, type RlsDb, type Role } from '../helpers/rls.js';



let db: RlsDb;
let app: pg.Pool;
let sys: pg.Pool;
const asApp = <T>(c: Ctx | null, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => db.asApp(c, fn);
const tag = randomUUID().slice(0, 8);
const id = () => randomUUID();
const ENVELOPE = { encrypted_content: 'aa', iv: 'bb', auth_tag: 'cc', encrypted_dek: 'dd', dek_iv: 'ee', dek_auth_tag: 'ff', key_version: 'v1' };

const F = {
  companyA: id(), companyB: id(), userRhA: id(), userEmpA1: id(), userEmpA2: id(), userEmpB1: id(), userPrac: id(), userSuper: id(), userHuntzen: id(),
  empA1: id(), empA2: id(), empB1: id(), prac: id(), entryA1: id(), entryA2: id(),
};
const ctx = {} as Record<'rhA' | 'empA1' | 'empA2' | 'empB1' | 'prac' | 'superAdmin' | 'huntzen', Ctx>;


const visible = async (c: Ctx | null) => (await asApp(c, (q) => q.query('SELECT id FROM journal_entries'))).rows.map((r) => r.id as string).sort();
const affected = (c: Ctx | null, sql: string, params: unknown[] = []) => asApp(c, async (q) => (await q.query(sql, params)).rowCount);
const sqlState = (c: Ctx | null, sql: string, params: unknown[] = []) =>
  asApp(c, (q) => q.query(sql, params)).then(
    () => 'ok',
    (e: { code?: string }) => e.code,
  );
const newEntry = (employeeId: string) => ({ id: id(), employee_id: employeeId, ...ENVELOPE, updated_at: new Date() });
const insertAs = (c: Ctx | null, row: Record<string, unknown>) => sqlState(c, `INSERT INTO journal_entries (id, employee_id, encrypted_content, iv, auth_tag, encrypted_dek, dek_iv, dek_auth_tag, key_version, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, Object.values(row));

beforeAll(async () => {
  db = openRlsDb();
  ({ app, sys } = db);
  const now = new Date();
  for (const [cid, name] of [[F.companyA, 'ja'], [F.companyB, 'jb']]) {
    await insert(sys, 'companies', { id: cid, name, slug: `${name}-${tag}`, email_domains: [`@${name}-${tag}.test`], is_active: true, validated_at: now, updated_at: now });
  }
  const users: [string, Role, string | null][] = [
    [F.userRhA, 'ADMIN_RH', F.companyA], [F.userEmpA1, 'EMPLOYEE', F.companyA], [F.userEmpA2, 'EMPLOYEE', F.companyA], [F.userEmpB1, 'EMPLOYEE', F.companyB],
    [F.userPrac, 'PRACTITIONER', null], [F.userSuper, 'SUPER_ADMIN', null], [F.userHuntzen, 'ADMIN_HUNTZEN', null],
  ];
  for (const [uid, role, companyId] of users) {
    await insert(sys, 'users', { id: uid, email: `j-${uid.slice(0, 8)}-${tag}@example.test`, password_hash: 'x', role, company_id: companyId, is_active: true, email_verified: true, updated_at: now });
  }
  for (const [eid, uid, cid] of [[F.empA1, F.userEmpA1, F.companyA], [F.empA2, F.userEmpA2, F.companyA], [F.empB1, F.userEmpB1, F.companyB]]) {
    await insert(sys, 'employees', { id: eid, user_id: uid, company_id: cid, first_name: 'E', last_name: eid.slice(0, 8), updated_at: now });
  }
  await insert(sys, 'practitioners', { id: F.prac, user_id: F.userPrac, first_name: 'P', last_name: 'P', title: 'Dr.', specialty: 'PSYCHIATRE', bio: 'b', is_validated: true, updated_at: now });
  await insert(sys, 'journal_entries', { ...newEntry(F.empA1), id: F.entryA1 });
  await insert(sys, 'journal_entries', { ...newEntry(F.empA2), id: F.entryA2 });

  ctx.rhA = { userId: F.userRhA, role: 'ADMIN_RH', companyId: F.companyA };
  ctx.empA1 = { userId: F.userEmpA1, role: 'EMPLOYEE', companyId: F.companyA, employeeId: F.empA1 };
  ctx.empA2 = { userId: F.userEmpA2, role: 'EMPLOYEE', companyId: F.companyA, employeeId: F.empA2 };
  ctx.empB1 = { userId: F.userEmpB1, role: 'EMPLOYEE', companyId: F.companyB, employeeId: F.empB1 };
  ctx.prac = { userId: F.userPrac, role: 'PRACTITIONER', practitionerId: F.prac };
  ctx.superAdmin = { userId: F.userSuper, role: 'SUPER_ADMIN' };
  ctx.huntzen = { userId: F.userHuntzen, role: 'ADMIN_HUNTZEN' };
});

afterAll(async () => {
  await db?.close();
});

describe('journal_entries RLS (owner only)', () => {
  it('the owner sees its own entries only; no context sees nothing', async () => {
    expect(await visible(ctx.empA1)).toEqual([F.entryA1]);
    expect(await visible(ctx.empA2)).toEqual([F.entryA2]);
    expect(await visible(ctx.empB1)).toEqual([]);
    expect(await visible(null)).toEqual([]);
  });

  it.each(['rhA', 'prac', 'superAdmin', 'huntzen'] as const)('%s selects zero rows, with its own context or one claiming the owner’s employee id', async (who) => {
    expect(await visible(ctx[who])).toEqual([]);
    expect(await visible({ ...ctx[who], employeeId: F.empA1 })).toEqual([]);
    expect(await visible({ ...ctx[who], companyId: F.companyA, employeeId: F.empA1, role: ctx[who].role })).toEqual([]);
  });

  it('another employee claiming the owner’s employee id (with its own user id) selects, changes and deletes nothing', async () => {
    const crafted = { ...ctx.empA2, employeeId: F.empA1 };
    expect(await visible(crafted)).toEqual([]);
    expect(await affected(crafted, 'UPDATE journal_entries SET mood = $2 WHERE id = $1', [F.entryA1, 'BAD'])).toBe(0);
    expect(await affected(crafted, 'DELETE FROM journal_entries WHERE id = $1', [F.entryA1])).toBe(0);
    expect(await affected(ctx.empA2, 'DELETE FROM journal_entries WHERE id = $1', [F.entryA1])).toBe(0);
    expect(await affected(ctx.empB1, 'UPDATE journal_entries SET encrypted_content = $2 WHERE id = $1', [F.entryA1, 'ee'])).toBe(0);
    // a context naming another role with the owner's ids is not the owner either
    expect(await visible({ ...ctx.empA1, role: 'ADMIN_RH' })).toEqual([]);
    expect((await sys.query('SELECT count(*)::int AS n FROM journal_entries WHERE id = $1 AND mood IS NULL', [F.entryA1])).rows[0].n).toBe(1);
  });

  it('inserts only into one’s own journal, as an employee', async () => {
    expect(await insertAs(ctx.empA1, newEntry(F.empA1))).toBe('ok');
    expect(await insertAs(ctx.empA1, newEntry(F.empA2))).toBe('42501'); // WITH CHECK
    expect(await insertAs({ ...ctx.empA2, employeeId: F.empA1 }, newEntry(F.empA1))).toBe('42501');
    expect(await insertAs({ ...ctx.rhA, employeeId: F.empA1 }, newEntry(F.empA1))).toBe('42501');
    expect(await insertAs({ ...ctx.prac, employeeId: F.empA1 }, newEntry(F.empA1))).toBe('42501');
    expect(await insertAs(null, newEntry(F.empA1))).toBe('42501');
  });

  it('the owner may change the envelope, mood and tag hashes, never the owner, id or creation time', async () => {
    const row = newEntry(F.empA1);
    await insert(sys, 'journal_entries', row);
    expect(await affected(ctx.empA1, `UPDATE journal_entries SET encrypted_content = 'ab', mood = 'GOOD', tag_hashes = ARRAY['h'], updated_at = now() WHERE id = $1`, [row.id])).toBe(1);
    expect(await sqlState(ctx.empA1, 'UPDATE journal_entries SET employee_id = $2 WHERE id = $1', [row.id, F.empA2])).toBe('42501');
    expect(await sqlState(ctx.empA1, 'UPDATE journal_entries SET employee_id = $2 WHERE id = $1', [row.id, F.empA1])).toBe('42501');
    expect(await sqlState(ctx.empA1, 'UPDATE journal_entries SET id = $2 WHERE id = $1', [row.id, id()])).toBe('42501');
    expect(await sqlState(ctx.empA1, `UPDATE journal_entries SET created_at = now() - interval '1 year' WHERE id = $1`, [row.id])).toBe('42501');
    const after = (await sys.query('SELECT employee_id, mood FROM journal_entries WHERE id = $1', [row.id])).rows[0];
    expect(after).toEqual({ employee_id: F.empA1, mood: 'GOOD' });
  });

  it('the owner hard-deletes its entry', async () => {
    const row = newEntry(F.empA1);
    await insert(sys, 'journal_entries', row);
    expect(await affected(ctx.empA1, 'DELETE FROM journal_entries WHERE id = $1', [row.id])).toBe(1);
    expect((await sys.query('SELECT count(*)::int AS n FROM journal_entries WHERE id = $1', [row.id])).rows[0].n).toBe(0);
  });
});
