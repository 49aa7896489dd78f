// R1's totals without a pass over the company (migration 20261130000100_report_totals): live headcounts kept
// by statement triggers (report_headcounts) and per-department monthly sums refreshed with the counter views
// (employee_usage_totals). Checked against report_employee_usage(), which still computes everything from the
// employees one by one: the same numbers after every kind of change, the threshold on them, and the new
// relations closed to the app role (SQL as huntzen_app).
import { ConsultationStatus, Role } from '@prisma/client';
import type pg from 'pg';
import { currentMonth, parsePeriod } from '../../src/modules/employees/period.js';
import { insertConsultation } from '../consultations/helpers.js';
import { bearer, createCompany, createUser, signAccessToken, TestCompany, TestUser } from '../helpers/fixtures.js';
import { Ctx, openRlsDb, RlsDb } from '../helpers/rls.js';
import { randomIp, startTestApp, TestContext } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

const MIN = 60_000;
const WITHHELD = { withheld: true, reason: 'BELOW_THRESHOLD', minimumGroupSize: 10 };

interface Totals {
  employee_count: number;
  active_count: number;
  consultation_count: number;
  total_duration_seconds: string;
}

describe('R1 totals kept by the database (headcounts, per-department sums refreshed with the views)', () => {
  let t: TestContext;
  let sql: RlsDb;
  let acme: TestCompany;
  let other: TestCompany;
  let rh: TestUser;
  let rhOther: TestUser;
  let admin: TestUser;
  let practitioner: TestUser;
  const staff: TestUser[] = [];
  const ctx = (u: TestUser): Ctx => ({ userId: u.id, role: u.role, companyId: u.companyId, employeeId: u.employeeId, practitionerId: u.practitionerId });
  const rows = <T = Record<string, unknown>>(c: Ctx | null, text: string, params: unknown[] = []) =>
    sql.asApp(c, async (db: pg.PoolClient) => (await db.query(text, params)).rows as T[]);
  const call = (url: string, user: TestUser) => t.http.get(url).set('X-Forwarded-For', randomIp()).set(bearer(signAccessToken(user)));

  async function refresh() {
    await sql.sys.query('SELECT refresh_employee_stats()');
  }

  /** The four numbers the new function answers, and the same computed employee by employee. */
  async function both(company: string, from: string, to: string, department: string | null) {
    const [fast] = await rows<Totals>(ctx(rh), 'SELECT * FROM report_employee_usage_totals($1::uuid, $2::date, $3::date, $4::text)', [company, from, to, department]);
    const each = await rows<{ is_active: boolean; consultation_count: number; total_duration_seconds: string }>(
      ctx(rh),
      'SELECT * FROM report_employee_usage($1::uuid, $2::date, $3::date, $4::text, NULL)',
      [company, from, to, department],
    );
    const slow: Totals = {
      employee_count: each.length,
      active_count: each.filter((r) => r.is_active).length,
      consultation_count: each.reduce((n, r) => n + r.consultation_count, 0),
      total_duration_seconds: String(each.reduce((n, r) => n + Number(r.total_duration_seconds), 0)),
    };
    const [size] = await rows<{ n: number }>(ctx(rh), 'SELECT report_company_size($1::uuid, $2::text) AS n', [company, department]);
    return { fast, slow, size: size.n };
  }

  /** Every department spelling and the whole company: the new totals equal the per-employee computation. */
  async function expectSame(label: string, from = '2023-01-01', to = '2024-01-01') {
    for (const department of [null, 'Ventes', 'VENTES', 'support', 'Juridique']) {
      const { fast, slow, size } = await both(acme.id, from, to, department);
      expect({ label, department, ...fast }).toEqual({ label, department, ...slow });
      expect({ label, department, size }).toEqual({ label, department, size: slow.employee_count });
    }
  }

  /** An employee of acme in `department` with `n` counted consultations of 45 min in March 2023. */
  async function employee(department: string | null, n = 0): Promise<TestUser> {
    const u = await createUser(t.db, Role.EMPLOYEE, { company: acme });
    await t.db.employee.update({ where: { id: u.employeeId! }, data: { department } });
    for (let i = 0; i < n; i++) {
      const start = new Date(`2023-03-${String(6 + i).padStart(2, '0')}T09:00:00Z`);
      const c = await insertConsultation(t.db, u, practitioner, { start, status: ConsultationStatus.COMPLETED, startedAt: start, endedAt: new Date(start.getTime() + 45 * MIN) });
      await t.db.consultation.update({ where: { id: c.id }, data: { billingStatus: 'VALIDATED', isBillable: true } });
    }
    return u;
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { STATS_REFRESH_DEBOUNCE_MS: '50' } });
    sql = openRlsDb();
    acme = await createCompany(t.db);
    other = await createCompany(t.db);
    rh = await createUser(t.db, Role.ADMIN_RH, { company: acme });
    rhOther = await createUser(t.db, Role.ADMIN_RH, { company: other });
    admin = await createUser(t.db, Role.ADMIN_HUNTZEN);
    practitioner = await createUser(t.db, Role.PRACTITIONER);
    // "Ventes" and "VENTES" are one department for the reports (case-insensitive): 10 employees
    for (let i = 0; i < 9; i++) staff.push(await employee('Ventes', i % 3));
    staff.push(await employee('VENTES', 1));
    for (let i = 0; i < 3; i++) staff.push(await employee('Support', 1));
    staff.push(await employee(null, 2));
    await createUser(t.db, Role.EMPLOYEE, { company: other });
    await refresh();
  }, 180_000);
  afterAll(async () => {
    await sql?.close();
    await t?.close();
  });

  it('the same four numbers as the employee-by-employee computation, through every kind of change', async () => {
    await expectSame('initial');
    await expectSame('one month', '2023-03-01', '2023-04-01');
    await expectSame('no consultation in the period', '2024-01-01', '2024-02-01');

    // live at once (no refresh): deactivation, reactivation, erasure of accounts without consultations
    await t.db.user.update({ where: { id: staff[0].id }, data: { isActive: false } });
    await expectSame('deactivated');
    await t.db.user.update({ where: { id: staff[0].id }, data: { isActive: true } });
    await t.db.user.updateMany({ where: { id: { in: [staff[3].id, staff[11].id] } }, data: { isActive: false } });
    await expectSame('two deactivated in one statement');
    const blank = await employee('Ventes');
    await t.db.user.update({ where: { id: blank.id }, data: { deletedAt: new Date(), isActive: false } });
    await expectSame('erased');
    // a department renamed to another spelling, to another department, to none; a move to another company
    await t.db.employee.update({ where: { id: (await employee('Support')).employeeId! }, data: { department: 'ventes' } });
    await t.db.employee.update({ where: { id: (await employee('Ventes')).employeeId! }, data: { department: null } });
    const mover = await employee('Support');
    await t.db.employee.update({ where: { id: mover.employeeId! }, data: { companyId: other.id } });
    await expectSame('moved');
    // rows deleted: an employee profile, then a user with its profile (cascade)
    await t.db.employee.delete({ where: { id: (await employee('Juridique')).employeeId! } });
    const gone = await employee('Ventes');
    await t.db.user.delete({ where: { id: gone.id } });
    await expectSame('deleted');
    // many users and employees in one statement, as the bench writes them
    await sql.sys.query(
      `WITH u AS (INSERT INTO users (id, email, password_hash, role, is_active, email_verified, company_id, updated_at)
                  SELECT gen_random_uuid(), 'bulk' || i || '-' || $2 || '@bulk.test', '!', 'EMPLOYEE', i % 4 <> 0, true, $1, now()
                  FROM generate_series(1, 25) i RETURNING id, email, is_active)
       INSERT INTO employees (id, user_id, company_id, first_name, last_name, department, updated_at)
       SELECT gen_random_uuid(), u.id, $1, 'Bulk', u.email, CASE WHEN u.is_active THEN 'Juridique' ELSE 'support' END, now() FROM u`,
      [acme.id, Date.now()],
    );
    await expectSame('bulk insert');
    // R1's page with a department: the same rows in the same order as the full function
    for (const department of ['VENTES', 'support', 'Juridique']) {
      const all = await rows(ctx(rh), `SELECT * FROM report_employee_usage($1::uuid, '2023-01-01', '2024-01-01', $2, NULL) ORDER BY last_name, first_name, employee_id`, [acme.id, department]);
      expect(all.length).toBeGreaterThan(3);
      for (const [limit, offset] of [[5, 0], [4, 3], [100, 0]]) {
        const page = await rows(ctx(rh), `SELECT * FROM report_employee_usage_page($1::uuid, '2023-01-01', '2024-01-01', $2, $3, $4)`, [acme.id, department, limit, offset]);
        expect({ department, limit, offset, page }).toEqual({ department, limit, offset, page: all.slice(offset, offset + limit) });
      }
    }

    // the sums exclude an account erased since the last refresh once the views are refreshed (the erasure job asks for it)
    await t.db.user.update({ where: { id: staff[1].id }, data: { deletedAt: new Date(), isActive: false } });
    await refresh();
    await expectSame('erased with consultations, refreshed');
    // the headcounts never go negative nor drift: recounted from scratch they are the same
    // (as the owner, inside the same gate as the triggers: FORCE RLS shows it nothing otherwise)
    const owner = await sql.owner.connect();
    let drift: unknown;
    let kept: unknown;
    try {
      await owner.query('BEGIN');
      await owner.query("SELECT set_config('app.definer', 'headcount', true)");
      kept = (await owner.query('SELECT count(*)::integer AS n FROM report_headcounts WHERE company_id = $1 AND row_count > 0', [acme.id])).rows[0];
      drift = (
        await owner.query(
          `SELECT count(*)::integer AS n FROM (
             (SELECT company_id, has_department, department_key, row_count, employee_count, active_count FROM report_headcounts WHERE row_count <> 0
              EXCEPT
              SELECT e.company_id, e.department IS NOT NULL, COALESCE(lower(e.department), ''), count(*)::integer,
                     (count(*) FILTER (WHERE u.deleted_at IS NULL))::integer, (count(*) FILTER (WHERE u.deleted_at IS NULL AND u.is_active))::integer
                FROM employees e JOIN users u ON u.id = e.user_id GROUP BY 1, 2, 3)
             UNION ALL
             (SELECT e.company_id, e.department IS NOT NULL, COALESCE(lower(e.department), ''), count(*)::integer,
                     (count(*) FILTER (WHERE u.deleted_at IS NULL))::integer, (count(*) FILTER (WHERE u.deleted_at IS NULL AND u.is_active))::integer
                FROM employees e JOIN users u ON u.id = e.user_id GROUP BY 1, 2, 3
              EXCEPT
              SELECT company_id, has_department, department_key, row_count, employee_count, active_count FROM report_headcounts WHERE row_count <> 0)) d`,
        )
      ).rows[0];
      await owner.query('COMMIT');
    } finally {
      owner.release();
    }
    expect(kept).toEqual({ n: 4 }); // ventes, support, juridique, none
    expect(drift).toEqual({ n: 0 });
  });

  it('the totals follow the refresh after a consultation completes', async () => {
    const month = parsePeriod(currentMonth());
    const before = await both(acme.id, month.start, month.end, null);
    expect(before.fast).toEqual(before.slow);
    const e = staff[12];
    const startedAt = new Date(Date.now() - 42 * MIN);
    const c = await insertConsultation(t.db, e, practitioner, { start: startedAt, minutes: 50, status: ConsultationStatus.IN_PROGRESS, startedAt });
    const res = await t.http.put(`/api/consultations/${c.id}/end`).set('X-Forwarded-For', randomIp()).set(bearer(signAccessToken(practitioner)));
    expect(res.status).toBe(200);
    const after = await until(async () => {
      const b = await both(acme.id, month.start, month.end, null);
      return b.fast.consultation_count === before.fast.consultation_count + 1 && b;
    }, 'the debounced refresh after the end');
    expect(after.fast).toEqual(after.slow);
    const dept = await both(acme.id, month.start, month.end, 'support');
    expect(dept.fast).toEqual(dept.slow);
    // and over HTTP, the same numbers
    const r1 = await call(`/api/reports/employee-usage?period=${currentMonth()}`, rh);
    expect(r1.status).toBe(200);
    expect(r1.body.totals).toEqual({
      employeeCount: after.slow.employee_count,
      consultationCount: after.slow.consultation_count,
      totalDurationMinutes: Math.round(Number(after.slow.total_duration_seconds) / 60),
      totalDurationSeconds: Number(after.slow.total_duration_seconds),
    });
  });

  it('the threshold applies to the new totals, live: one deactivation below 10 withholds them at once', async () => {
    const dept = 'ventes';
    const active = async () => (await both(acme.id, '2023-01-01', '2024-01-01', dept)).fast.active_count;
    // bring the department to exactly 10 active accounts
    let n = await active();
    while (n < 10) {
      await employee('Ventes');
      n = await active();
    }
    const extra = (await rows<{ employee_id: string; is_active: boolean }>(ctx(rh), `SELECT employee_id, is_active FROM report_employee_usage($1::uuid, '2023-01-01', '2024-01-01', $2, NULL)`, [acme.id, dept]))
      .filter((r) => r.is_active)
      .slice(10);
    for (const r of extra) {
      const emp = await t.db.employee.findUniqueOrThrow({ where: { id: r.employee_id }, select: { userId: true } });
      await t.db.user.update({ where: { id: emp.userId }, data: { isActive: false } });
    }
    expect(await active()).toBe(10);
    const shown = await call(`/api/reports/employee-usage?period=2023&department=VENTES`, rh);
    expect(shown.status).toBe(200);
    expect(shown.body.totals).toHaveProperty('consultationCount');
    const victim = (await rows<{ employee_id: string; is_active: boolean }>(ctx(rh), `SELECT employee_id, is_active FROM report_employee_usage($1::uuid, '2023-01-01', '2024-01-01', $2, NULL)`, [acme.id, dept])).find((r) => r.is_active)!;
    const victimUser = (await t.db.employee.findUniqueOrThrow({ where: { id: victim.employee_id }, select: { userId: true } })).userId;
    await t.db.user.update({ where: { id: victimUser }, data: { isActive: false } });
    const hidden = await call(`/api/reports/employee-usage?period=2023&department=Ventes`, rh);
    expect(hidden.body.totals).toEqual(WITHHELD);
    expect(JSON.stringify(hidden.body.totals)).not.toMatch(/consultationCount|employeeCount/);
    await t.db.user.update({ where: { id: victimUser }, data: { isActive: true } });
    expect((await call(`/api/reports/employee-usage?period=2023&department=ventes`, rh)).body.totals).toHaveProperty('consultationCount');
    // an unknown department is still a 400 with its field, whatever the spelling of a known one
    const unknown = await call('/api/reports/employee-usage?department=Inconnu', rh);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'UNKNOWN_DEPARTMENT', details: [{ field: 'department' }] });
  });

  describe('RLS (SQL as huntzen_app)', () => {
    it('the headcounts and the sums are closed to the app role: no read, no write, whatever it sets', async () => {
      for (const u of [rh, admin, staff[2]]) {
        for (const text of [
          'SELECT * FROM report_headcounts',
          'SELECT * FROM employee_usage_totals',
          `INSERT INTO report_headcounts (company_id, has_department, department_key, row_count, employee_count, active_count) VALUES ('${acme.id}', false, '', 0, 100, 100)`,
          'UPDATE report_headcounts SET active_count = 100',
          'DELETE FROM report_headcounts',
        ]) {
          await expect(rows(ctx(u), text)).rejects.toThrow(/permission denied/);
          await expect(rows(ctx(u), `SELECT set_config('app.definer', 'headcount', true); ${text}`)).rejects.toThrow(/permission denied/);
        }
      }
      await expect(rows(null, 'SELECT * FROM report_headcounts')).rejects.toThrow(/permission denied/);
      await expect(rows(ctx(rh), 'REFRESH MATERIALIZED VIEW CONCURRENTLY employee_usage_totals')).rejects.toThrow(/must be owner|permission denied/);
      // the system role (jobs) reads the sums like the other views but cannot write the headcounts either
      await expect(sql.sys.query('UPDATE report_headcounts SET active_count = 100')).rejects.toThrow(/permission denied/);
    });

    it('HR of another company, an employee, a practitioner and no context get nothing from the functions', async () => {
      const totals = 'SELECT * FROM report_employee_usage_totals($1::uuid, $2::date, $3::date, NULL)';
      expect(await rows(ctx(rh), totals, [acme.id, '2023-01-01', '2024-01-01'])).toHaveLength(1);
      expect((await rows(ctx(admin), totals, [acme.id, '2023-01-01', '2024-01-01']))[0]).toMatchObject({ employee_count: expect.any(Number) });
      for (const c of [ctx(rhOther), ctx(staff[2]), ctx(practitioner), null]) {
        expect(await rows(c, totals, [acme.id, '2023-01-01', '2024-01-01'])).toEqual([]);
        expect(await rows(c, 'SELECT report_company_size($1::uuid, NULL) AS n', [acme.id])).toEqual([{ n: 0 }]);
        expect(await rows(c, 'SELECT report_company_department($1::uuid, $2) AS d', [acme.id, 'Ventes'])).toEqual([{ d: null }]);
      }
      expect(await rows(ctx(rh), 'SELECT report_company_department($1::uuid, $2) AS d', [acme.id, 'vEnTeS'])).toEqual([{ d: expect.stringMatching(/^(Ventes|VENTES|ventes)$/) }]);
      expect(await rows(ctx(rh), 'SELECT report_company_department($1::uuid, $2) AS d', [other.id, 'Ventes'])).toEqual([{ d: null }]);
      // HR of the other company: its own company only
      expect(await rows(ctx(rhOther), totals, [other.id, '2023-01-01', '2024-01-01'])).toEqual([
        { employee_count: 2, active_count: 2, consultation_count: 0, total_duration_seconds: '0' },
      ]);
    });
  });
});
