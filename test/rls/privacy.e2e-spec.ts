// RGPD tables under RLS, at SQL level as huntzen_app (migration 20261129002400_rgpd): subject keys readable
// and creatable by their subject and by a practitioner of that subject's consultations only, never updated
// or deleted by the app role; deletion requests and consents of their owner only, with the owner's steps
// only (the database stamps times; COMPLETED, dates and reason belong to the system); no DELETE.
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { insert, openRlsDb, type Ctx, type RlsDb, type Role } from '../helpers/rls.js';

let db: RlsDb;
let sys: pg.Pool;
const tag = randomUUID().slice(0, 8);
const id = () => randomUUID();
const F = {
  company: id(), userEmp: id(), userEmp2: id(), userPrac: id(), userPrac2: id(), userRh: id(), userSuper: id(),
  emp: id(), emp2: id(), prac: id(), prac2: id(), cons: id(),
  keyEmp: id(), keyEmp2: id(), request: id(), request2: id(), consent: id(), consent2: id(),
};
const ctx = {} as Record<'emp' | 'emp2' | 'prac' | 'prac2' | 'rh' | 'superAdmin', Ctx>;
const KEY = { encrypted_key: 'aa', dek_iv: 'bb', dek_auth_tag: 'cc', key_version: 'v2' };
const day = new Date(Date.UTC(2040 + Math.floor(Math.random() * 40), Math.floor(Math.random() * 12), 1 + Math.floor(Math.random() * 27)));

const rows = async (c: Ctx | null, sql: string, params: unknown[] = []) => (await db.asApp(c, (cl) => cl.query(sql, params))).rows;
const refused = (c: Ctx | null, sql: string, params: unknown[] = []) => expect(db.affected(c, sql, params)).rejects.toThrow();
const future = () => new Date(Date.now() + 30 * 86_400_000);

beforeAll(async () => {
  db = openRlsDb();
  ({ sys } = db);
  const now = new Date();
  await insert(sys, 'companies', { id: F.company, name: 'Rgpd', slug: `rls-rgpd-${tag}`, email_domains: [`@rgpd-${tag}.test`], is_active: true, validated_at: now, updated_at: now });
  const user = (uid: string, role: Role, companyId: string | null) =>
    insert(sys, 'users', { id: uid, email: `${role.toLowerCase()}-${uid.slice(0, 8)}-${tag}@example.test`, password_hash: 'x', role, company_id: companyId, is_active: true, email_verified: true, updated_at: now });
  await user(F.userEmp, 'EMPLOYEE', F.company);
  await user(F.userEmp2, 'EMPLOYEE', F.company);
  await user(F.userPrac, 'PRACTITIONER', null);
  await user(F.userPrac2, 'PRACTITIONER', null);
  await user(F.userRh, 'ADMIN_RH', F.company);
  await user(F.userSuper, 'SUPER_ADMIN', null);
  for (const [eid, uid] of [[F.emp, F.userEmp], [F.emp2, F.userEmp2]]) {
    await insert(sys, 'employees', { id: eid, user_id: uid, company_id: F.company, first_name: 'E', last_name: 'N', updated_at: now });
  }
  for (const [pid, uid] of [[F.prac, F.userPrac], [F.prac2, F.userPrac2]]) {
    await insert(sys, 'practitioners', { id: pid, user_id: uid, first_name: 'P', last_name: pid.slice(0, 8), title: 'Dr.', specialty: 'PSYCHOLOGUE_CLINICIEN', bio: 'bio', is_validated: true, validated_at: now, updated_at: now });
  }
  await insert(sys, 'consultations', {
    id: F.cons, company_id: F.company, employee_id: F.emp, practitioner_id: F.prac, scheduled_at: day, scheduled_end_at: new Date(day.getTime() + 50 * 60_000),
    blocked_until: new Date(day.getTime() + 60 * 60_000), format: 'VIDEO', status: 'SCHEDULED', updated_at: now,
  });
  await insert(sys, 'subject_keys', { id: F.keyEmp, subject_id: F.userEmp, ...KEY });
  await insert(sys, 'subject_keys', { id: F.keyEmp2, subject_id: F.userEmp2, ...KEY });
  await insert(sys, 'deletion_requests', { id: F.request, user_id: F.userEmp, deletion_date: future(), confirmation_token_hash: 'h' });
  await insert(sys, 'deletion_requests', { id: F.request2, user_id: F.userEmp2, deletion_date: future() });
  await insert(sys, 'consents', { id: F.consent, user_id: F.userEmp, type: 'PRIVACY_POLICY', version: '1.0' });
  await insert(sys, 'consents', { id: F.consent2, user_id: F.userEmp2, type: 'PRIVACY_POLICY', version: '1.0' });

  ctx.emp = { userId: F.userEmp, role: 'EMPLOYEE', companyId: F.company, employeeId: F.emp };
  ctx.emp2 = { userId: F.userEmp2, role: 'EMPLOYEE', companyId: F.company, employeeId: F.emp2 };
  ctx.prac = { userId: F.userPrac, role: 'PRACTITIONER', practitionerId: F.prac };
  ctx.prac2 = { userId: F.userPrac2, role: 'PRACTITIONER', practitionerId: F.prac2 };
  ctx.rh = { userId: F.userRh, role: 'ADMIN_RH', companyId: F.company };
  ctx.superAdmin = { userId: F.userSuper, role: 'SUPER_ADMIN' };
});
afterAll(() => db?.close());

describe('subject_keys (crypto-shredding)', () => {
  const visible = async (c: Ctx | null) => (await rows(c, 'SELECT subject_id FROM subject_keys WHERE subject_id = ANY($1::uuid[]) ORDER BY subject_id', [[F.userEmp, F.userEmp2]])).map((r) => r.subject_id);

  it('is read by its subject and by a practitioner of the subject’s consultations; nobody else, nothing without context', async () => {
    expect(await visible(ctx.emp)).toEqual([F.userEmp]);
    expect(await visible(ctx.emp2)).toEqual([F.userEmp2]);
    expect(await visible(ctx.prac)).toEqual([F.userEmp]);
    expect(await visible(ctx.prac2)).toEqual([]);
    expect(await visible(ctx.rh)).toEqual([]);
    expect(await visible(ctx.superAdmin)).toEqual([]);
    expect(await visible(null)).toEqual([]);
    // a crafted context: a practitioner claiming the employee role without being that user
    expect(await visible({ ...ctx.prac, role: 'EMPLOYEE', employeeId: F.emp })).toEqual([]);
  });

  it('is created only for oneself, or by a practitioner for an employee of its consultations', async () => {
    const fresh = id();
    await insert(sys, 'users', { id: fresh, email: `fresh-${tag}@example.test`, password_hash: 'x', role: 'EMPLOYEE', company_id: F.company, is_active: true, email_verified: true, updated_at: new Date() });
    const sql = `INSERT INTO subject_keys (id, subject_id, encrypted_key, dek_iv, dek_auth_tag, key_version) VALUES ($1, $2, 'a', 'b', 'c', 'v2')`;
    await refused(ctx.emp, sql, [id(), fresh]);
    await refused(ctx.prac, sql, [id(), fresh]);
    await refused(ctx.rh, sql, [id(), fresh]);
    await refused(ctx.superAdmin, sql, [id(), fresh]);
    await refused(null, sql, [id(), fresh]);
    await refused(ctx.prac2, sql, [id(), F.userEmp]);
    // the practitioner of F.emp's consultation may (the first message of a chat); one key per subject
    await sys.query('DELETE FROM subject_keys WHERE id = $1', [F.keyEmp]);
    expect(await db.affected(ctx.prac, sql, [F.keyEmp, F.userEmp])).toBe(1);
    await refused(ctx.emp, sql, [id(), F.userEmp]);
    expect(await db.affected({ userId: fresh, role: 'EMPLOYEE', companyId: F.company }, sql, [id(), fresh])).toBe(1);
  });

  it('is never updated nor deleted by the app role, not even by its subject', async () => {
    await refused(ctx.emp, `UPDATE subject_keys SET encrypted_key = 'x' WHERE subject_id = $1`, [F.userEmp]);
    await refused(ctx.emp, `DELETE FROM subject_keys WHERE subject_id = $1`, [F.userEmp]);
    await refused(ctx.superAdmin, `DELETE FROM subject_keys`);
    expect((await sys.query('SELECT count(*)::int AS n FROM subject_keys WHERE subject_id = $1', [F.userEmp])).rows[0].n).toBe(1);
  });
});

describe('deletion_requests', () => {
  const ids = async (c: Ctx | null) => (await rows(c, 'SELECT id FROM deletion_requests WHERE id = ANY($1::uuid[])', [[F.request, F.request2]])).map((r) => r.id);

  it('are the owner’s only', async () => {
    expect(await ids(ctx.emp)).toEqual([F.request]);
    expect(await ids(ctx.prac)).toEqual([]);
    expect(await ids(ctx.rh)).toEqual([]);
    expect(await ids(ctx.superAdmin)).toEqual([]);
    expect(await ids(null)).toEqual([]);
    expect(await db.affected(ctx.emp, `UPDATE deletion_requests SET status = 'CANCELLED' WHERE id = $1`, [F.request2])).toBe(0);
  });

  it('start PENDING, unconfirmed, in the future, stamped now; never for someone else', async () => {
    const ins = (status: string, date: Date, extra = 'NULL') =>
      `INSERT INTO deletion_requests (id, user_id, status, deletion_date, confirmed_at, requested_at) VALUES ('${id()}', '${F.userPrac}', '${status}', '${date.toISOString()}', ${extra}, '2000-01-01')`;
    await refused(ctx.prac, ins('COMPLETED', future()));
    await refused(ctx.prac, ins('PENDING', new Date(Date.now() - 1000)));
    await refused(ctx.prac, ins('PENDING', future(), 'now()'));
    await refused(ctx.emp, ins('PENDING', future()));
    const created = await db.asApp(ctx.prac, async (c) => (await c.query(`${ins('PENDING', future())} RETURNING requested_at`)).rows[0]);
    expect(Math.abs(new Date(created.requested_at).getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('the owner only confirms (stamped now, token consumed) or cancels; dates, reason and COMPLETED are the system’s; no DELETE', async () => {
    await refused(ctx.emp, `UPDATE deletion_requests SET deletion_date = now() WHERE id = $1`, [F.request]);
    await refused(ctx.emp, `UPDATE deletion_requests SET reason = 'x' WHERE id = $1`, [F.request]);
    await refused(ctx.emp, `UPDATE deletion_requests SET status = 'COMPLETED' WHERE id = $1`, [F.request]);
    await refused(ctx.emp, `UPDATE deletion_requests SET confirmed_at = now() WHERE id = $1`, [F.request]); // token not consumed
    await refused(ctx.emp, `DELETE FROM deletion_requests WHERE id = $1`, [F.request]);
    expect(await db.affected(ctx.emp, `UPDATE deletion_requests SET confirmed_at = '2000-01-01', confirmation_token_hash = NULL WHERE id = $1`, [F.request])).toBe(1);
    const confirmed = (await sys.query('SELECT confirmed_at FROM deletion_requests WHERE id = $1', [F.request])).rows[0];
    expect(Math.abs(new Date(confirmed.confirmed_at).getTime() - Date.now())).toBeLessThan(60_000);
    await refused(ctx.emp, `UPDATE deletion_requests SET confirmation_token_hash = 'again' WHERE id = $1`, [F.request]);
    expect(await db.affected(ctx.emp, `UPDATE deletion_requests SET status = 'CANCELLED', cancelled_at = '2000-01-01' WHERE id = $1`, [F.request])).toBe(1);
    const row = (await sys.query('SELECT status, cancelled_at FROM deletion_requests WHERE id = $1', [F.request])).rows[0];
    expect(row.status).toBe('CANCELLED');
    expect(new Date(row.cancelled_at).getFullYear()).toBeGreaterThan(2020);
    await refused(ctx.emp, `UPDATE deletion_requests SET status = 'PENDING' WHERE id = $1`, [F.request]);
  });
});

describe('consents', () => {
  it('are the owner’s only; given now, withdrawn once; never rewritten nor deleted', async () => {
    const ids = async (c: Ctx | null) => (await rows(c, 'SELECT id FROM consents WHERE id = ANY($1::uuid[])', [[F.consent, F.consent2]])).map((r) => r.id);
    expect(await ids(ctx.emp)).toEqual([F.consent]);
    expect(await ids(ctx.rh)).toEqual([]);
    expect(await ids(ctx.superAdmin)).toEqual([]);
    expect(await ids(null)).toEqual([]);
    await refused(ctx.emp, `INSERT INTO consents (id, user_id, type, version) VALUES ($1, $2, 'TERMS_OF_USE', '1.0')`, [id(), F.userEmp2]);
    await refused(ctx.emp, `INSERT INTO consents (id, user_id, type, version, withdrawn_at) VALUES ($1, $2, 'TERMS_OF_USE', '1.0', now())`, [id(), F.userEmp]);
    const given = await db.asApp(ctx.emp, async (c) => (await c.query(`INSERT INTO consents (id, user_id, type, version, given_at) VALUES ($1, $2, 'TERMS_OF_USE', '1.0', '2000-01-01') RETURNING given_at`, [id(), F.userEmp])).rows[0]);
    expect(new Date(given.given_at).getFullYear()).toBeGreaterThan(2020);
    await refused(ctx.emp, `UPDATE consents SET version = '2.0' WHERE id = $1`, [F.consent]);
    await refused(ctx.emp, `UPDATE consents SET given_at = now() - interval '1 year' WHERE id = $1`, [F.consent]);
    await refused(ctx.emp, `DELETE FROM consents WHERE id = $1`, [F.consent]);
    expect(await db.affected(ctx.emp2, `UPDATE consents SET withdrawn_at = now() WHERE id = $1`, [F.consent])).toBe(0);
    expect(await db.affected(ctx.emp, `UPDATE consents SET withdrawn_at = '2000-01-01' WHERE id = $1`, [F.consent])).toBe(1);
    await refused(ctx.emp, `UPDATE consents SET withdrawn_at = now() WHERE id = $1`, [F.consent]);
    // one active consent per type
    await refused(ctx.emp, `INSERT INTO consents (id, user_id, type, version) VALUES ($1, $2, 'TERMS_OF_USE', '1.0')`, [id(), F.userEmp]);
  });
});

// Migration 20261130000300_audit_forget_email: erasure removes the e-mail from the audit rows of one user,
// and nothing else can change an audit row.
describe('audit_forget_user_email (erasure)', () => {
  const auditRow = (userId: string, email: string | null) =>
    insert(sys, 'audit_logs', { id: id(), user_id: userId, user_role: 'EMPLOYEE', user_email: email, action: 'READ', resource: 'user', resource_id: userId, details: JSON.stringify({ event: 'T' }) });
  const emailsOf = async (userId: string) => (await sys.query('SELECT user_email FROM audit_logs WHERE user_id = $1 ORDER BY user_email NULLS FIRST', [userId])).rows.map((r) => r.user_email);

  it('nulls the e-mail of that user’s rows only, keeps everything else; callable by the system role only', async () => {
    const [a, b] = [id(), id()];
    const before = await Promise.all([auditRow(a, 'a@example.test'), auditRow(a, 'a@example.test'), auditRow(b, 'b@example.test')]);
    const row = async (rid: string) => (await sys.query('SELECT * FROM audit_logs WHERE id = $1', [rid])).rows[0];
    const kept = await row(before[0]);
    // the api role may not call it; nobody may update an audit row directly, not even the system role
    await expect(db.app.query('SELECT audit_forget_user_email($1::uuid)', [a])).rejects.toMatchObject({ code: '42501' });
    await expect(sys.query('UPDATE audit_logs SET user_email = NULL WHERE user_id = $1', [a])).rejects.toMatchObject({ code: '42501' });
    // the flag alone opens nothing: only the owner's function passes the trigger
    const c = await sys.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('huntzen.audit_forget_email', $1, true)`, [a]);
      await expect(c.query('UPDATE audit_logs SET user_email = NULL WHERE user_id = $1', [a])).rejects.toMatchObject({ code: '42501' });
      await c.query('ROLLBACK');
    } finally {
      c.release();
    }
    expect((await sys.query('SELECT audit_forget_user_email($1::uuid) AS n', [a])).rows[0].n).toBe(2);
    expect(await emailsOf(a)).toEqual([null, null]);
    expect(await emailsOf(b)).toEqual(['b@example.test']);
    expect({ ...(await row(before[0])), user_email: kept.user_email }).toEqual(kept);
    // nothing left to forget: 0, and the rows stay append-only afterwards
    expect((await sys.query('SELECT audit_forget_user_email($1::uuid) AS n', [a])).rows[0].n).toBe(0);
    await expect(sys.query('DELETE FROM audit_logs WHERE user_id = $1', [a])).rejects.toMatchObject({ code: '42501' });
  });
});
