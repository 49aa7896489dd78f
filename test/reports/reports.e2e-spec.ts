import { getQueueToken } from '@nestjs/bullmq';
import { AuditAction, ConsultationStatus, Role } from '@prisma/client';
import type { Queue } from 'bullmq';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import path from 'node:path';
import type pg from 'pg';
import { QUEUE } from '../../src/infra/queue/queues.js';
import { csvLine, parisDate } from '../../src/modules/reports/csv.js';
import { currentMonth } from '../../src/modules/employees/period.js';
import { STATS_REFRESH_SCHEDULER } from '../../src/modules/reports/stats-refresh.js';
import { insertConsultation } from '../consultations/helpers.js';
import { bearer, createCompany, createUser, signAccessToken, TestCompany, TestUser } from '../helpers/fixtures.js';
import { openRlsDb, RlsDb, Ctx } from '../helpers/rls.js';
import { randomIp, startTestApp, TestContext } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

type Method = 'get' | 'post';
const ALL_ROLES = Object.values(Role);
const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name));
const MIN = 60_000;

describe('Reports (SPEC §4.11 R1–R7, §4.17 X5–X7, §4.19 I10, §6.6–6.7)', () => {
  let t: TestContext;
  let sql: RlsDb;
  let techcorp: TestCompany;
  let beta: TestCompany;
  let rhA: TestUser;
  let rhB: TestUser;
  let admin: TestUser;
  let admin2: TestUser;
  let sophie: TestUser;
  let other: TestUser;
  let marc: TestUser;
  let paul: TestUser;
  let betaEmployee: TestUser;
  const callers = new Map<Role, TestUser>();

  const call = (method: Method, url: string, user?: TestUser) => {
    const req = t.http[method](url).set('X-Forwarded-For', randomIp());
    return user ? req.set(bearer(signAccessToken(user))) : req;
  };
  const csv = (url: string, user: TestUser) =>
    call('get', url, user).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  const withGeneratedDate = (body: Buffer) => {
    const text = body.toString('utf8');
    expect(text).toContain(`# Généré le: ${parisDate()}\n`);
    return Buffer.from(text.replace(`# Généré le: ${parisDate()}\n`, '# Généré le: 2025-02-01\n'), 'utf8');
  };

  async function expectOnly(method: Method, url: string, allowed: Role[]) {
    expect((await call(method, url)).status).toBe(401);
    for (const role of ALL_ROLES.filter((r) => !allowed.includes(r))) {
      const res = await call(method, url, callers.get(role)!);
      expect({ role, status: res.status, code: res.body.error?.code }).toEqual({ role, status: 403, code: 'FORBIDDEN' });
    }
  }

  async function refreshNow(by = admin): Promise<string> {
    const res = await call('post', '/api/reports/refresh', by);
    expect(res.status).toBe(202);
    const jobId = res.body.jobId as string;
    await until(async () => {
      const s = await call('get', `/api/reports/refresh/${jobId}`, by);
      expect(s.status).toBe(200);
      return s.body.state === 'completed' && s.body;
    }, 'the on-demand refresh');
    return jobId;
  }

  /** A COMPLETED consultation of `minutes` real minutes on `day` 09:00 UTC. */
  async function completed(employee: TestUser, practitioner: TestUser, day: string, minutes: number, extra: { billable?: boolean; billing?: 'VALIDATED' | 'PENDING' } = {}) {
    const start = new Date(`${day}T09:00:00Z`);
    const c = await insertConsultation(t.db, employee, practitioner, { start, minutes: 50, status: ConsultationStatus.COMPLETED, startedAt: start, endedAt: new Date(start.getTime() + minutes * MIN) });
    await t.db.consultation.update({ where: { id: c.id }, data: { billingStatus: extra.billing ?? 'VALIDATED', isBillable: extra.billable ?? true } });
    return c;
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { STATS_REFRESH_DEBOUNCE_MS: '50' } });
    sql = openRlsDb();
    techcorp = await createCompany(t.db);
    beta = await createCompany(t.db);
    await t.db.company.update({ where: { id: techcorp.id }, data: { name: 'TechCorp France' } });
    await t.db.company.update({ where: { id: beta.id }, data: { name: 'Beta SARL' } });
    rhA = await createUser(t.db, Role.ADMIN_RH, { company: techcorp });
    rhB = await createUser(t.db, Role.ADMIN_RH, { company: beta });
    admin = await createUser(t.db, Role.ADMIN_HUNTZEN);
    admin2 = await createUser(t.db, Role.ADMIN_HUNTZEN);
    sophie = await createUser(t.db, Role.PRACTITIONER);
    other = await createUser(t.db, Role.PRACTITIONER);
    await t.db.practitioner.update({ where: { id: sophie.practitionerId! }, data: { title: 'Dr.', firstName: 'Sophie', lastName: 'Martin' } });
    const people: [string, string, string][] = [
      ['Marc', 'Dupont', 'Développement'], ['Alice', 'Bernard', 'Développement'], ['Hugo', 'Petit', 'Développement'], ['Léa', 'Moreau', 'Développement'],
      ['Louis', 'Garnier', 'Développement'], ['Chloé', 'Roux', 'Développement'], ['Jules', 'Fournier', 'Développement'], ['Inès', 'Girard', 'Développement'],
      ['Nathan', 'Lambert', 'Développement'], ['Zoé', 'Bonnet', 'Développement'], ['Paul', 'Faure', 'Juridique'], ['Sarah', 'Mercier', 'Juridique'], ['Tom', 'Blanc', 'Juridique'],
    ];
    const staff: TestUser[] = [];
    for (const [firstName, lastName, department] of people) {
      const u = await createUser(t.db, Role.EMPLOYEE, { company: techcorp });
      await t.db.employee.update({ where: { id: u.employeeId! }, data: { firstName, lastName, department } });
      staff.push(u);
    }
    [marc, , , , , , , , , , paul] = staff;
    const betaStaff = [];
    for (let i = 0; i < 3; i++) betaStaff.push(await createUser(t.db, Role.EMPLOYEE, { company: beta }));
    betaEmployee = betaStaff[0];
    for (const e of betaStaff) await t.db.employee.update({ where: { id: e.employeeId! }, data: { department: 'Ventes' } });

    // C3: 50 + 48 + 55 min for Marc with Sophie in January 2025 → 3, 153 min, 51 min
    await completed(marc, sophie, '2025-01-06', 50);
    await completed(marc, sophie, '2025-01-13', 48);
    await completed(marc, sophie, '2025-01-20', 55);
    // never counted: cancelled, no-show, not billable (HR), billing pending (practitioner)
    await insertConsultation(t.db, marc, sophie, { start: new Date('2025-01-22T09:00:00Z'), status: ConsultationStatus.CANCELLED });
    await insertConsultation(t.db, marc, sophie, { start: new Date('2025-01-23T09:00:00Z'), status: ConsultationStatus.NO_SHOW });
    await completed(marc, other, '2025-01-24', 30, { billable: false, billing: 'PENDING' });
    await completed(paul, other, '2025-01-07', 45);
    await completed(betaEmployee, sophie, '2025-02-03', 45);

    callers.set(Role.ADMIN_RH, rhA).set(Role.ADMIN_HUNTZEN, admin).set(Role.PRACTITIONER, sophie).set(Role.EMPLOYEE, marc);
    callers.set(Role.SUPER_ADMIN, await createUser(t.db, Role.SUPER_ADMIN));
    await refreshNow();
  }, 180_000); // ~25 accounts, 9 consultations and a refresh: slow on a loaded machine
  afterAll(async () => {
    await sql?.close();
    await t?.close();
  });

  describe('refresh of the counter views', () => {
    it('is scheduled every 6 hours (job scheduler)', async () => {
      const queue = t.app.get<Queue>(getQueueToken(QUEUE.reports));
      const scheduler = await until(() => queue.getJobScheduler(STATS_REFRESH_SCHEDULER), 'the scheduler');
      expect(scheduler.every).toBe(6 * 3600 * 1000);
      expect(scheduler.name).toBe('refresh-stats');
    });

    it('on demand: 202 with a job id, status for its requester only, admins only', async () => {
      const jobId = await refreshNow();
      expect((await call('get', `/api/reports/refresh/${jobId}`, admin2)).status).toBe(404);
      expect((await call('get', '/api/reports/refresh/999999999', admin)).status).toBe(404);
      expect((await call('get', '/api/reports/refresh/not-a-job', admin)).status).toBe(404);
      await expectOnly('post', '/api/reports/refresh', [Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN]);
      await expectOnly('get', `/api/reports/refresh/${jobId}`, [Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN]);
    });

    it('after a consultation ends: the practitioner sees today’s session without waiting for the schedule', async () => {
      const p = await createUser(t.db, Role.PRACTITIONER);
      const e = await createUser(t.db, Role.EMPLOYEE, { company: beta });
      const startedAt = new Date(Date.now() - 40 * MIN);
      const c = await insertConsultation(t.db, e, p, { start: startedAt, minutes: 50, status: ConsultationStatus.IN_PROGRESS, startedAt });
      const before = await call('get', '/api/reports/practitioner-stats', p);
      expect(before.body.consultationCount).toBe(0);
      const res = await t.http.put(`/api/consultations/${c.id}/end`).set('X-Forwarded-For', randomIp()).set(bearer(signAccessToken(p)));
      expect(res.status).toBe(200);
      const stats = await until(async () => {
        const r = await call('get', `/api/reports/practitioner-stats?period=${currentMonth()}`, p);
        return r.body.consultationCount === 1 && r.body;
      }, 'the debounced refresh after the end');
      expect(stats.totalDurationMinutes).toBe(40);
    });
  });

  describe('R1 / R2 — HR per-employee counters', () => {
    it('lists every employee of my company with count and minutes, no practitioner, format or date', async () => {
      const res = await call('get', '/api/reports/employee-usage?period=2025-01&limit=100', rhA);
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(13);
      const row = res.body.employees.find((e: { employeeId: string }) => e.employeeId === marc.employeeId);
      expect(row).toEqual({ employeeId: marc.employeeId, employeeName: 'Marc Dupont', department: 'Développement', consultationCount: 3, totalDurationMinutes: 153, totalDurationSeconds: 9180 });
      expect(res.body.totals).toEqual({ employeeCount: 13, consultationCount: 4, totalDurationMinutes: 198, totalDurationSeconds: 11880 });
      expect(JSON.stringify(res.body)).not.toMatch(/Sophie|Martin|PSYCHO|VIDEO|2025-01-\d\d|scheduled|practitioner/i);
      expect(res.body.employees.every((e: { employeeId: string }) => e.employeeId !== betaEmployee.employeeId)).toBe(true);
    });

    it('quarter and year sum the months; paging', async () => {
      const q = await call('get', '/api/reports/employee-usage?period=2025-Q1&limit=5&page=1', rhA);
      expect(q.body).toMatchObject({ period: '2025-Q1', total: 13, page: 1, pages: 3, limit: 5 });
      expect(q.body.employees).toHaveLength(5);
      const y = await call('get', '/api/reports/employee-usage?period=2025&department=d%C3%A9veloppement', rhA);
      expect(y.body.total).toBe(10);
      expect(y.body.totals).toMatchObject({ consultationCount: 3, totalDurationMinutes: 153 });
    });

    it('a 3-person department: the totals are withheld, never a number', async () => {
      const res = await call('get', '/api/reports/employee-usage?period=2025-01&department=Juridique', rhA);
      expect(res.status).toBe(200);
      expect(res.body.totals).toEqual({ withheld: true, reason: 'BELOW_THRESHOLD', minimumGroupSize: 10 });
    });

    it('bad input: periods, unknown department, format', async () => {
      for (const period of ['2025-13', '2025-Q5', 'janvier', '25-01', '2025-1', '2025-01-01']) {
        const res = await call('get', `/api/reports/employee-usage?period=${period}`, rhA);
        expect({ period, status: res.status, field: res.body.error?.details?.[0]?.field }).toEqual({ period, status: 400, field: 'period' });
      }
      const dept = await call('get', '/api/reports/employee-usage?department=Inconnu', rhA);
      expect(dept.status).toBe(400);
      expect(dept.body.error).toMatchObject({ code: 'UNKNOWN_DEPARTMENT', details: [{ field: 'department' }] });
      expect((await call('get', '/api/reports/employee-usage?format=pdf', rhA)).status).toBe(400);
      expect((await call('get', '/api/reports/employee-usage?department=Ventes', rhA)).body.error.code).toBe('UNKNOWN_DEPARTMENT');
    });

    it('R2: one employee of my company; another company’s id is 404', async () => {
      const res = await call('get', `/api/reports/employee-usage/${marc.employeeId}?period=2025-Q1`, rhA);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ employeeId: marc.employeeId, employeeName: 'Marc Dupont', department: 'Développement', period: '2025-Q1', consultationCount: 3, totalDurationMinutes: 153, totalDurationSeconds: 9180 });
      expect((await call('get', `/api/reports/employee-usage/${betaEmployee.employeeId}`, rhA)).status).toBe(404);
      expect((await call('get', `/api/reports/employee-usage/${marc.employeeId}`, rhB)).status).toBe(404);
      const bad = await call('get', '/api/reports/employee-usage/nope', rhA);
      expect(bad.status).toBe(400);
      expect(bad.body.error.details[0].field).toBe('employeeId');
      await expectOnly('get', '/api/reports/employee-usage', [Role.ADMIN_RH]);
      await expectOnly('get', `/api/reports/employee-usage/${marc.employeeId}`, [Role.ADMIN_RH]);
    });
  });

  describe('CSV exports (exact bytes of SPEC §6.7)', () => {
    it('R3: header, columns, BOM, attachment, audit EXPORT without content', async () => {
      const res = await csv('/api/reports/export-employee-usage?period=2025-01', rhA);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe('attachment; filename="utilisation-techcorp-france-2025-01.csv"');
      expect(withGeneratedDate(res.body as Buffer).equals(fixture('employee-usage-2025-01.csv'))).toBe(true);
      const audit = await t.db.auditLog.findFirst({ where: { userId: rhA.id, action: AuditAction.EXPORT }, orderBy: { createdAt: 'desc' } });
      expect(audit?.details).toEqual({ event: 'EMPLOYEE_USAGE_EXPORT', period: '2025-01', department: null, format: 'csv' });
      // R1 with format=csv is the same file
      const viaR1 = await csv('/api/reports/employee-usage?period=2025-01&format=csv', rhA);
      expect(withGeneratedDate(viaR1.body as Buffer).equals(fixture('employee-usage-2025-01.csv'))).toBe(true);
    });

    it('R3 errors and roles', async () => {
      expect((await call('get', '/api/reports/export-employee-usage?period=2025-00', rhA)).status).toBe(400);
      expect((await call('get', '/api/reports/export-employee-usage?department=Nope', rhA)).body.error.code).toBe('UNKNOWN_DEPARTMENT');
      expect((await call('get', '/api/reports/export-employee-usage?format=xlsx', rhA)).status).toBe(400);
      await expectOnly('get', '/api/reports/export-employee-usage', [Role.ADMIN_RH]);
    });

    it('X7: the same file for a platform admin; another company is 404 for HR', async () => {
      const res = await csv(`/api/reports/companies/${techcorp.id}/export?period=2025-01`, admin);
      expect(res.status).toBe(200);
      expect(withGeneratedDate(res.body as Buffer).equals(fixture('employee-usage-2025-01.csv'))).toBe(true);
      expect((await call('get', `/api/reports/companies/${beta.id}/export`, rhA)).status).toBe(404);
      expect((await call('get', `/api/reports/companies/${techcorp.id}/export?from=2025-03&to=2025-01`, admin)).body.error.code).toBe('INVALID_PERIOD');
      await expectOnly('get', `/api/reports/companies/${techcorp.id}/export`, [Role.ADMIN_RH, Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN]);
    });

    it('R3 written by PostgreSQL: every line is csvLine() of its values (quotes, commas, line breaks, formulas), the department filter taken literally', async () => {
      const quirky = await createCompany(t.db);
      await t.db.company.update({ where: { id: quirky.id }, data: { name: 'Quirky SAS' } });
      const rh = await createUser(t.db, Role.ADMIN_RH, { company: quirky });
      const dept = `R&D, "Lab" l'équipe \\ x'; SELECT 1; --`;
      const names: [string, string][] = [
        ['=HYPERLINK("x")', 'Formule'], ['+33', 'Plus'], ['-', 'Moins'], ['@SUM(A1)', 'Arobase'], ['\tTab', 'Tab'],
        ['Guillemet', 'O"Neil'], ['Virgule', 'a,b'], ['Retour', 'ligne\nsuite\r\nfin'], ['Apostrophe', "d'Arc"], ['Antislash', 'back\\slash'],
      ];
      const expected: string[] = [];
      for (const [firstName, lastName] of names) {
        const u = await createUser(t.db, Role.EMPLOYEE, { company: quirky });
        await t.db.employee.update({ where: { id: u.employeeId! }, data: { firstName, lastName, department: dept } });
        expected.push(csvLine([`${firstName} ${lastName}`, dept, 0, 0]));
      }
      const outside: string[] = [];
      for (const department of ['', null, '-Ventes']) {
        const u = await createUser(t.db, Role.EMPLOYEE, { company: quirky });
        const e = await t.db.employee.update({ where: { id: u.employeeId! }, data: { firstName: 'Hors', department } });
        outside.push(csvLine([`Hors ${e.lastName}`, department ?? '', 0, 0]));
      }
      const body = (url: string) =>
        csv(url, rh).then((res) => {
          expect(res.status).toBe(200);
          const text = (res.body as Buffer).toString('utf8');
          const columns = `${csvLine(['Employé', 'Département', 'Consultations', 'Durée (min)'])}`;
          expect(text).toContain(columns);
          return text.slice(text.indexOf(columns) + columns.length);
        });
      const all = await body('/api/reports/export-employee-usage?period=2025-01');
      for (const line of [...expected, ...outside]) expect(all).toContain(line);
      expect(all.length).toBe([...expected, ...outside].join('').length); // those lines and nothing else
      expect(outside[0]).toMatch(/,,0,0\n$/); // an empty department is an empty field, as NULL is
      expect(outside[2]).toContain(",'-Ventes,");
      const filtered = await body(`/api/reports/export-employee-usage?period=2025-01&department=${encodeURIComponent(dept)}`);
      for (const line of expected) expect(filtered).toContain(line);
      expect(filtered.length).toBe(expected.join('').length);
    });

    it('a client that leaves mid-download stops the COPY: its connection is discarded, the export pool stays usable', async () => {
      const big = await createCompany(t.db);
      const rh = await createUser(t.db, Role.ADMIN_RH, { company: big });
      await t.db.$executeRawUnsafe(
        `WITH u AS (
           INSERT INTO users (id, email, password_hash, role, is_active, email_verified, company_id, updated_at)
           SELECT gen_random_uuid(), 'x' || i || '@' || $2, '!', 'EMPLOYEE', true, true, $1::uuid, now() FROM generate_series(1, 20000) i
           RETURNING id)
         INSERT INTO employees (id, user_id, company_id, first_name, last_name, department, updated_at)
         SELECT gen_random_uuid(), u.id, $1::uuid, repeat('Prénom', 150), 'Nom ' || u.id, 'Service', now() FROM u`,
        big.id, big.domain,
      );
      const server = t.app.getHttpServer() as import('node:http').Server;
      if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as import('node:net').AddressInfo;
      const copyBackends = () =>
        sql.app
          .query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE usename = 'huntzen_app' AND query LIKE 'COPY (%' AND state = 'active'`)
          .then((r) => r.rows.map((row) => row.pid));
      const backendAlive = (pid: number) => sql.app.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1`, [pid]).then((r) => r.rowCount === 1);
      // read the first bytes of a 20,000-line file (about 19 MB, uncompressed: more than the socket buffers hold),
      // note the backend running the COPY, then hang up
      const { first, pid } = await new Promise<{ first: string; pid: number }>((resolve, reject) => {
        // the COPY is seen once the api waits on back-pressure (its state stays 'active' while PostgreSQL waits to send)
        const req = get({ host: '127.0.0.1', port, path: '/api/reports/export-employee-usage?period=2025-01', headers: { ...bearer(signAccessToken(rh)), 'x-forwarded-for': randomIp(), 'accept-encoding': 'identity' } }, (res) => {
          expect(res.statusCode).toBe(200);
          res.once('data', (chunk: Buffer) => {
            res.pause(); // the api blocks on back-pressure: its COPY stays active until we hang up
            until(async () => {
              const pids = await copyBackends();
              return pids.length === 1 && pids;
            }, 'the export\'s COPY backend').then((pids) => {
              req.destroy();
              resolve({ first: chunk.toString('utf8'), pid: pids[0] });
            }, reject);
          });
        });
        req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
      });
      expect(first).toContain('# RAPPORT UTILISATION EMPLOYÉS');
      // the connection left inside its COPY is closed, not handed back to the pool
      await until(async () => !(await backendAlive(pid)), 'the COPY backend to go away once its reader left');
      // more exports than the pool has connections (4): a connection left inside its COPY would block the fifth
      for (let i = 0; i < 5; i++) {
        const res = await csv('/api/reports/export-employee-usage?period=2025-01', rhA);
        expect(res.status).toBe(200);
        expect(withGeneratedDate(res.body as Buffer).equals(fixture('employee-usage-2025-01.csv'))).toBe(true);
      }
    }, 60_000);

    it('R6: the payroll file with its TOTAL line; no employee, reason or note; audited before the first byte', async () => {
      // the audit EXPORT row is committed before the file starts: read it when the headers arrive, before the body
      let auditAtHeaders: unknown = 'not read';
      const res = await call('get', '/api/reports/practitioner-export-csv?period=2025-01', sophie)
        .buffer(true)
        .parse((r, cb) => {
          // the body's listeners are attached at once (a small body can end before an awaited read returns)
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          const read = t.db.auditLog.findFirst({ where: { userId: sophie.id, action: AuditAction.EXPORT }, orderBy: { createdAt: 'desc' } }).then((a) => {
            auditAtHeaders = a?.details;
          });
          r.on('end', () => read.then(() => cb(null, Buffer.concat(chunks)), (e: Error) => cb(e, null)));
        });
      expect(auditAtHeaders).toEqual({ event: 'PRACTITIONER_BILLING_EXPORT', period: '2025-01', format: 'csv' });
      expect(res.status).toBe(200);
      expect(res.headers['content-disposition']).toBe('attachment; filename="facturation-2025-01.csv"');
      expect(withGeneratedDate(res.body as Buffer).equals(fixture('practitioner-billing-2025-01.csv'))).toBe(true);
      expect((res.body as Buffer).toString()).not.toMatch(/Dupont|Marc/);
      const audit = await t.db.auditLog.findFirst({ where: { userId: sophie.id, action: AuditAction.EXPORT }, orderBy: { createdAt: 'desc' } });
      expect(audit?.details).toEqual({ event: 'PRACTITIONER_BILLING_EXPORT', period: '2025-01', format: 'csv' });
      await expectOnly('get', '/api/reports/practitioner-export-csv', [Role.PRACTITIONER]);
    });
  });

  describe('R4 / R5 / I10 — practitioner counters', () => {
    it('C3: 50 + 48 + 55 min → 3 consultations, 153 min, 51 min on average', async () => {
      const res = await call('get', '/api/reports/practitioner-stats?period=2025-01', sophie);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ period: '2025-01', consultationCount: 3, totalDurationMinutes: 153, totalDurationSeconds: 9180, avgDurationMinutes: 51 });
      expect(res.body.byCompany).toEqual([{ companyId: techcorp.id, companyName: 'TechCorp France', count: 3, duration: 153, totalDurationSeconds: 9180 }]);
      const q1 = await call('get', '/api/reports/practitioner-stats?period=2025-Q1', sophie);
      expect(q1.body.consultationCount).toBe(4);
      expect(q1.body.byCompany.map((c: { companyName: string }) => c.companyName).sort()).toEqual(['Beta SARL', 'TechCorp France']);
    });

    it('I10: a platform admin names the practitioner; a practitioner cannot name another', async () => {
      const res = await call('get', `/api/reports/practitioner-stats?period=2025-01&practitionerId=${sophie.practitionerId}`, admin);
      expect(res.body).toMatchObject({ practitionerId: sophie.practitionerId, consultationCount: 3, totalDurationMinutes: 153 });
      expect((await call('get', '/api/reports/practitioner-stats', admin)).body.error.details[0].field).toBe('practitionerId');
      expect((await call('get', `/api/reports/practitioner-stats?practitionerId=${sophie.practitionerId}`, other)).status).toBe(404);
      expect((await call('get', `/api/reports/practitioner-stats?practitionerId=${marc.employeeId}`, admin)).status).toBe(404);
      expect((await call('get', '/api/reports/practitioner-stats?practitionerId=x', admin)).status).toBe(400);
      await expectOnly('get', '/api/reports/practitioner-stats', [Role.PRACTITIONER, Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN]);
    });

    it('R5: my counted consultations only, without the employee', async () => {
      const res = await call('get', '/api/reports/practitioner-billing?period=2025-01', sophie);
      expect(res.status).toBe(200);
      expect(res.body.consultations).toEqual([
        { date: '2025-01-06', companyName: 'TechCorp France', durationMinutes: 50, status: 'COMPLETED', billingStatus: 'VALIDATED' },
        { date: '2025-01-13', companyName: 'TechCorp France', durationMinutes: 48, status: 'COMPLETED', billingStatus: 'VALIDATED' },
        { date: '2025-01-20', companyName: 'TechCorp France', durationMinutes: 55, status: 'COMPLETED', billingStatus: 'VALIDATED' },
      ]);
      expect(res.body.total).toBe(3);
      expect((await call('get', '/api/reports/practitioner-billing?period=2025-01', other)).body.total).toBe(1);
      expect((await call('get', '/api/reports/practitioner-billing?period=2025-W01', sophie)).status).toBe(400);
      await expectOnly('get', '/api/reports/practitioner-billing', [Role.PRACTITIONER]);
    });
  });

  describe('X5 / X6 / R7 — aggregates and the threshold', () => {
    it('X5: company KPIs; a 3-person department and a 3-person company are withheld', async () => {
      const res = await call('get', `/api/reports/companies/${techcorp.id}?period=2025-01`, rhA);
      expect(res.status).toBe(200);
      expect(res.body.summary).toEqual({ totalEmployees: 13, activeEmployees: 2, usageRate: 0.154, consultationCount: 4, totalDurationSeconds: 11880, totalDurationMinutes: 198, averageDurationMinutes: 49.5 });
      expect(res.body.byDepartment).toEqual([
        { department: 'Développement', employeeCount: 10, activeCount: 1, consultationCount: 3, usageRate: 0.1 },
        { department: 'Juridique', withheld: true, reason: 'BELOW_THRESHOLD', minimumGroupSize: 10 },
      ]);
      const small = await call('get', `/api/reports/companies/${beta.id}?from=2025-01&to=2025-03`, admin);
      expect(small.status).toBe(200);
      expect(small.body.summary).toEqual({ withheld: true, reason: 'BELOW_THRESHOLD', minimumGroupSize: 10 });
      expect(small.body.byDepartment.every((d: { withheld?: boolean }) => d.withheld)).toBe(true);
      expect((await call('get', `/api/reports/companies/${beta.id}`, rhA)).status).toBe(404);
      expect((await call('get', `/api/reports/companies/${techcorp.id}?from=2025-01`, rhA)).body.error).toMatchObject({ code: 'INVALID_PERIOD', details: [{ field: 'to' }] });
      await expectOnly('get', `/api/reports/companies/${techcorp.id}`, [Role.ADMIN_RH, Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN]);
    });

    it('X6: HR dashboard, withheld for a small company', async () => {
      const res = await call('get', '/api/reports/company-summary?period=2025-01', rhA);
      expect(res.body.summary).toEqual({ totalEmployees: 13, activeEmployees: 2, usageRate: 0.154, totalConsultations: 4, totalDurationHours: 3.3, averageDurationMinutes: 49.5 });
      expect(res.body.topDepartments).toEqual([{ department: 'Développement', usageRate: 0.1, consultationCount: 3 }]);
      const small = await call('get', '/api/reports/company-summary?period=2025-02', rhB);
      expect(small.body).toEqual({ period: { label: '2025-02', from: '2025-02-01', to: '2025-03-01' }, summary: { withheld: true, reason: 'BELOW_THRESHOLD', minimumGroupSize: 10 }, topDepartments: [] });
      await expectOnly('get', '/api/reports/company-summary', [Role.ADMIN_RH]);
    });

    it('R7: platform KPIs; a small company is withheld in the ranking', async () => {
      const res = await call('get', '/api/reports/platform-kpis?period=2025-01', admin);
      expect(res.status).toBe(200);
      const a = res.body.companies.find((c: { companyId: string }) => c.companyId === techcorp.id);
      const b = res.body.companies.find((c: { companyId: string }) => c.companyId === beta.id);
      expect(a).toMatchObject({ rank: 1, usage: { consultationCount: 4, totalEmployees: 13 } });
      expect(b).toEqual({ companyId: beta.id, companyName: 'Beta SARL', rank: null, usage: { withheld: true, reason: 'BELOW_THRESHOLD', minimumGroupSize: 10 } });
      expect(res.body.consultationCount).toBeGreaterThanOrEqual(4);
      expect(res.body.completionRate).toBeGreaterThan(0);
      expect(res.body.satisfaction).toHaveProperty('reviewCount');
      await expectOnly('get', '/api/reports/platform-kpis', [Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN]);
    });
  });

  describe('RLS: HR and admins reach aggregates only (SQL as huntzen_app)', () => {
    const ctx = (u: TestUser): Ctx => ({ userId: u.id, role: u.role, companyId: u.companyId, employeeId: u.employeeId, practitionerId: u.practitionerId });
    const rows = (c: Ctx | null, text: string, params: unknown[] = []) => sql.asApp(c, async (db: pg.PoolClient) => (await db.query(text, params)).rows);

    it('HR and admins select no consultation row and cannot read the views', async () => {
      for (const u of [rhA, admin]) {
        expect(await rows(ctx(u), 'SELECT id FROM consultations')).toEqual([]);
        await expect(rows(ctx(u), 'SELECT * FROM employee_usage_stats')).rejects.toThrow(/permission denied/);
        await expect(rows(ctx(u), 'SELECT * FROM practitioner_billing_stats')).rejects.toThrow(/permission denied/);
      }
    });

    it('the report functions answer only within the caller’s scope', async () => {
      const usage = `SELECT * FROM report_employee_usage($1::uuid, '2025-01-01', '2025-02-01', NULL, NULL)`;
      expect((await rows(ctx(rhA), usage, [techcorp.id])).length).toBe(13);
      expect(await rows(ctx(rhA), usage, [beta.id])).toEqual([]);
      expect(await rows(ctx(marc), usage, [techcorp.id])).toEqual([]);
      expect(await rows(ctx(sophie), usage, [techcorp.id])).toEqual([]);
      expect(await rows(null, usage, [techcorp.id])).toEqual([]);
      // R1's page and totals functions: the same scope, the same rows in the same order as the full function
      const page = `SELECT * FROM report_employee_usage_page($1::uuid, '2025-01-01', '2025-02-01', NULL, $2, $3)`;
      const totals = `SELECT * FROM report_employee_usage_totals($1::uuid, '2025-01-01', '2025-02-01', NULL)`;
      const all = await rows(ctx(rhA), `${usage} ORDER BY last_name, first_name, employee_id`, [techcorp.id]);
      expect(await rows(ctx(rhA), page, [techcorp.id, 5, 3])).toEqual(all.slice(3, 8));
      expect(await rows(ctx(rhA), totals, [techcorp.id])).toEqual([
        { employee_count: 13, active_count: all.filter((r) => r.is_active).length, consultation_count: all.reduce((n, r) => n + (r.consultation_count as number), 0), total_duration_seconds: String(all.reduce((n, r) => n + Number(r.total_duration_seconds), 0)) },
      ]);
      for (const [c, company] of [[ctx(rhA), beta.id], [ctx(marc), techcorp.id], [ctx(sophie), techcorp.id], [null, techcorp.id]] as const) {
        expect(await rows(c, page, [company, 20, 0])).toEqual([]);
        expect(await rows(c, totals, [company])).toEqual([]);
      }
      const cols = Object.keys((await rows(ctx(rhA), usage, [techcorp.id]))[0]).sort();
      expect(cols).toEqual(['consultation_count', 'department', 'employee_id', 'first_name', 'is_active', 'last_name', 'total_duration_seconds']);
      const stats = `SELECT * FROM report_practitioner_stats($1::uuid, '2025-01-01', '2026-01-01')`;
      expect((await rows(ctx(sophie), stats, [sophie.practitionerId])).length).toBe(2);
      expect(await rows(ctx(other), stats, [sophie.practitionerId])).toEqual([]);
      expect(await rows(ctx(rhA), stats, [sophie.practitionerId])).toEqual([]);
      for (const f of ['report_platform_companies($1::date, $2::date)', 'report_platform_outcomes($1::timestamptz, $2::timestamptz)']) {
        expect(await rows(ctx(rhA), `SELECT * FROM ${f}`, ['2025-01-01', '2025-02-01'])).toEqual([]);
        expect(await rows(ctx(sophie), `SELECT * FROM ${f}`, ['2025-01-01', '2025-02-01'])).toEqual([]);
        expect((await rows(ctx(admin), `SELECT * FROM ${f}`, ['2025-01-01', '2025-02-01'])).length).toBeGreaterThan(0);
      }
      // the definer policies open nothing to the app role, even with app.definer set by the caller
      expect(await rows(ctx(rhA), "SELECT set_config('app.definer', 'reports', true), (SELECT count(*) FROM consultations) AS n").then((r) => r[0].n)).toBe('0');
      await expect(rows(ctx(rhA), 'SELECT refresh_employee_stats()')).rejects.toThrow(/permission denied/);
    });
  });
});
