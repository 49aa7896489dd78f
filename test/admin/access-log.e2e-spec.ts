import { Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { createOpenPractitioner, insertConsultation } from '../consultations/helpers.js';
import { bearer, createCompany, createUser, signAccessToken, TestCompany, TestUser } from '../helpers/fixtures.js';
import { Ctx, openRlsDb, RlsDb } from '../helpers/rls.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';

const ctxOf = (u: TestUser): Ctx => ({ userId: u.id, role: u.role, companyId: u.companyId, employeeId: u.employeeId, practitionerId: u.practitionerId });

describe('GET /api/users/me/access-log — who accessed my data (beyond the spec)', () => {
  let t: TestContext;
  let rls: RlsDb;
  let company: TestCompany;
  let companyName: string;
  let employee: TestUser;
  let colleague: TestUser;
  let practitioner: TestUser;
  let hr: TestUser;
  let otherHr: TestUser;
  let admin: TestUser;
  let consultationId: string;
  const as = (u: TestUser) => bearer(signAccessToken(u));
  const accessLog = (u: TestUser, q: Record<string, string | number> = {}) => t.http.get('/api/users/me/access-log').query(q).set(as(u));

  beforeAll(async () => {
    t = await startTestApp();
    rls = openRlsDb();
    company = await createCompany(t.db);
    companyName = (await t.db.company.findUniqueOrThrow({ where: { id: company.id } })).name;
    employee = await createUser(t.db, Role.EMPLOYEE, { company });
    colleague = await createUser(t.db, Role.EMPLOYEE, { company });
    hr = await createUser(t.db, Role.ADMIN_RH, { company });
    otherHr = await createUser(t.db, Role.ADMIN_RH);
    admin = await createUser(t.db, Role.SUPER_ADMIN);
    practitioner = await createOpenPractitioner(t.db);
    const start = new Date(Date.now() + 3 * 24 * 3600_000);
    consultationId = (await insertConsultation(t.db, employee, practitioner, { start })).id;
  });
  afterAll(async () => {
    await rls?.close();
    await t?.close();
  });

  it('is empty before anyone else read anything; my own reads never appear', async () => {
    expect((await t.http.get(`/api/employees/${employee.employeeId}`).set(as(employee))).status).toBe(200);
    expect((await t.http.get(`/api/consultations/${consultationId}`).set(as(employee))).status).toBe(200);
    const res = await accessLog(employee);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accesses: [], total: 0, page: 1, pages: 0, limit: 20 });
  });

  it("lists the practitioner's and HR's reads: role, organisation and time — never their name, e-mail or id", async () => {
    const before = Date.now();
    expect((await t.http.get(`/api/consultations/${consultationId}`).set(as(practitioner))).status).toBe(200);
    expect((await t.http.get(`/api/employees/${employee.employeeId}`).set(as(hr))).status).toBe(200);
    // another company's HR: 404, and nothing recorded
    expect((await t.http.get(`/api/employees/${employee.employeeId}`).set(as(otherHr))).status).toBe(404);

    const res = await accessLog(employee);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 2, page: 1, pages: 1, limit: 20 });
    expect(res.body.accesses).toEqual([
      { id: expect.any(String), accessedAt: expect.any(String), action: 'READ', resource: 'employee_profile', actorRole: 'ADMIN_RH', actorOrganisation: companyName },
      { id: expect.any(String), accessedAt: expect.any(String), action: 'READ', resource: 'consultation', actorRole: 'PRACTITIONER', actorOrganisation: 'HuntZen Care' },
    ]);
    for (const a of res.body.accesses) expect(new Date(a.accessedAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
    const text = JSON.stringify(res.body);
    for (const other of [practitioner, hr, otherHr]) {
      for (const v of [other.id, other.email, other.practitionerId, other.employeeId].filter(Boolean) as string[]) expect(text).not.toContain(v);
    }
    expect(text).not.toContain(consultationId);
  });

  it('another user (same company) sees none of it: only rows where they are the subject', async () => {
    const res = await accessLog(colleague);
    expect(res.body).toMatchObject({ accesses: [], total: 0 });
    expect((await accessLog(practitioner)).body.total).toBe(0);
  });

  it('paginates (limit ≤ 100) and validates', async () => {
    const p1 = await accessLog(employee, { limit: 1 });
    expect([p1.body.accesses.length, p1.body.total, p1.body.pages]).toEqual([1, 2, 2]);
    const p2 = await accessLog(employee, { limit: 1, page: 2 });
    expect(p2.body.accesses[0].id).not.toBe(p1.body.accesses[0].id);
    const past = await accessLog(employee, { page: 5 });
    expect([past.status, past.body.accesses, past.body.total]).toEqual([200, [], 2]);
    const cases: Record<string, string | number>[] = [{ limit: 101 }, { page: 0 }, { limit: 'x' }];
    for (const q of cases) {
      const bad = await accessLog(employee, q);
      expect([bad.status, bad.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
    }
    expect((await t.http.get('/api/users/me/access-log')).status).toBe(401);
  });

  it('the super-admin audit search shows those reads without whom they concern', async () => {
    const res = await t.http.get('/api/super-admin/audit-logs').query({ userId: practitioner.id, action: 'READ' }).set(as(admin));
    expect(res.status).toBe(200);
    expect(res.body.logs).toHaveLength(1);
    expect(res.body.logs[0]).toMatchObject({ resource: 'consultation', resourceId: null, redacted: true });
    expect(JSON.stringify(res.body)).not.toContain(employee.id);
  });

  describe('SQL level, as huntzen_app', () => {
    it('the subject cannot select audit_logs; my_access_log() returns its rows only, none without a caller', async () => {
      expect(await rls.asApp(ctxOf(employee), async (c) => (await c.query('SELECT * FROM audit_logs WHERE subject_user_id = $1', [employee.id])).rowCount)).toBe(0);
      const mine = await rls.asApp(ctxOf(employee), async (c) => (await c.query('SELECT * FROM my_access_log(100, 0)')).rows);
      expect(mine.map((r) => r.resource).sort()).toEqual(['consultation', 'employee_profile']);
      expect(Object.keys(mine[0]).sort()).toEqual(['accessed_at', 'action', 'actor_organisation', 'actor_role', 'id', 'resource', 'total']);
      expect(await rls.asApp(ctxOf(colleague), async (c) => (await c.query('SELECT * FROM my_access_log(100, 0)')).rowCount)).toBe(0);
      expect(await rls.asApp(ctxOf(hr), async (c) => (await c.query('SELECT * FROM my_access_log(100, 0)')).rowCount)).toBe(0);
      expect(await rls.asApp(null, async (c) => (await c.query('SELECT * FROM my_access_log(100, 0)')).rowCount)).toBe(0);
    });

    it('a subject is only ever named on a READ/EXPORT by someone else (CHECK), and the rows stay append-only', async () => {
      const row = (action: string, subject: string) =>
        rls.asApp(ctxOf(hr), (c) => c.query(`INSERT INTO audit_logs (id, user_id, action, resource, subject_user_id) VALUES ($1, $2, $3::"AuditAction", 'employee_profile', $4)`, [randomUUID(), hr.id, action, subject]));
      await expect(row('UPDATE', employee.id)).rejects.toThrow(/audit_logs_subject_is_a_read/);
      await expect(row('READ', hr.id)).rejects.toThrow(/audit_logs_subject_is_a_read/);
      await expect(row('EXPORT', employee.id)).resolves.toBeTruthy();
      await expect(rls.affected(ctxOf(employee), 'DELETE FROM audit_logs WHERE subject_user_id = $1', [employee.id])).rejects.toThrow(/permission denied/);
      await expect(rls.affected(ctxOf(employee), 'UPDATE audit_logs SET subject_user_id = NULL WHERE subject_user_id = $1', [employee.id])).rejects.toThrow(/permission denied/);
    });
  });
});
