import { Role } from '@prisma/client';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { aadFor } from '../../src/infra/crypto/aad.js';
import { EnvelopeCrypto } from '../../src/infra/crypto/envelope-crypto.service.js';
import { StorageService } from '../../src/infra/storage/storage.service.js';
import { defaultPgDump } from '../../src/modules/admin/backup-runner.service.js';
import { createOpenPractitioner, employeesOf, insertConsultation } from '../consultations/helpers.js';
import { bearer, createCompany, createUser, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { openRlsDb } from '../helpers/rls.js';
import { startTestApp, TEST_SECRETS, TestContext } from '../helpers/test-app.js';

const MIN = 60_000;

describe('super-admin S1–S5 (SPEC §4.16)', () => {
  let t: TestContext;
  let jitsi: Server;
  let admin: TestUser;
  let others: Record<'ADMIN_HUNTZEN' | 'ADMIN_RH' | 'PRACTITIONER' | 'EMPLOYEE', TestUser>;
  const as = (u: TestUser) => bearer(signAccessToken(u));
  const uploadDir = mkdtempSync(join(tmpdir(), 'hz-admin-'));

  beforeAll(async () => {
    jitsi = createServer((_, res) => res.writeHead(200, { Server: 'nginx/1.25.3' }).end());
    await new Promise<void>((r) => jitsi.listen(0, '127.0.0.1', r));
    t = await startTestApp({ env: { JITSI_HEALTH_URL: `http://127.0.0.1:${(jitsi.address() as AddressInfo).port}/`, UPLOAD_PATH: uploadDir } });
    admin = await createUser(t.db, Role.SUPER_ADMIN);
    const company = await createCompany(t.db);
    others = {
      ADMIN_HUNTZEN: await createUser(t.db, Role.ADMIN_HUNTZEN),
      ADMIN_RH: await createUser(t.db, Role.ADMIN_RH, { company }),
      PRACTITIONER: await createUser(t.db, Role.PRACTITIONER),
      EMPLOYEE: await createUser(t.db, Role.EMPLOYEE, { company }),
    };
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((r) => jitsi?.close(r));
    rmSync(uploadDir, { recursive: true, force: true });
  });

  const routes: [string, string][] = [
    ['get', '/api/super-admin/health'],
    ['get', '/api/super-admin/metrics'],
    ['get', '/api/super-admin/companies'],
    ['get', '/api/super-admin/audit-logs'],
    ['post', '/api/super-admin/backup'],
    ['get', `/api/super-admin/backup/${randomUUID()}`],
  ];

  it('every route: 401 without a token, 403 for every other role (HR, practitioners, ADMIN_HUNTZEN included)', async () => {
    for (const [method, path] of routes) {
      const anon = await (t.http as any)[method](path);
      expect([path, anon.status]).toEqual([path, 401]);
      for (const [role, user] of Object.entries(others)) {
        const res = await (t.http as any)[method](path).set(as(user));
        expect([path, role, res.status, res.body.error?.code]).toEqual([path, role, 403, 'FORBIDDEN']);
      }
    }
    // no refused request created anything (other files share the database: count only these callers' rows)
    expect(await t.db.backupRecord.count({ where: { requestedBy: { in: Object.values(others).map((u) => u.id) } } })).toBe(0);
  });

  it('S1 health: latencies of PostgreSQL, Redis, SMTP and Jitsi, disk of the storage path, no secret or address', async () => {
    // a cold pool may miss the 2 s probe timeout on a loaded machine: wait until every dependency answers
    await expect.poll(async () => (await t.http.get('/api/super-admin/health').set(as(admin))).body.status, { timeout: 15_000, interval: 100 }).toBe('healthy');
    const res = await t.http.get('/api/super-admin/health').set(as(admin));
    expect(res.status).toBe(200);
    expect(res.body, JSON.stringify(res.body)).toMatchObject({
      status: 'healthy',
      timestamp: expect.any(String),
      uptime: expect.any(Number),
      services: {
        api: { status: 'up' },
        postgres: { status: 'up', latency: expect.any(Number), connections: expect.any(Number) },
        redis: { status: 'up', latency: expect.any(Number), memoryUsed: expect.any(Number) },
        smtp: { status: 'up', latency: expect.any(Number) },
        jitsi: { status: 'up', ping: expect.any(Number), version: '1.25.3' },
      },
      server: { cpuUsage: expect.any(Number), memoryUsage: expect.any(Number), diskUsage: expect.any(Number), diskFreeBytes: expect.any(Number) },
    });
    expect(res.body.server.diskUsage).toBeLessThan(100);
    const text = JSON.stringify(res.body);
    for (const secret of [...Object.values(TEST_SECRETS), process.env.APP_DATABASE_URL!, process.env.REDIS_URL!, '127.0.0.1', uploadDir]) {
      expect(text).not.toContain(secret);
    }
  });

  it('S1 health: an unreachable Jitsi makes the platform degraded, answered within the probe timeout', async () => {
    const down = await startTestApp({ env: { JITSI_HEALTH_URL: 'http://127.0.0.1:9/', UPLOAD_PATH: uploadDir } });
    try {
      const started = Date.now();
      const res = await down.http.get('/api/super-admin/health').set(as(admin));
      expect(Date.now() - started).toBeLessThan(10_000); // bounded by the 2 s probes (generous: a cold app on a shared machine)
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('degraded');
      expect(res.body.services.jitsi).toEqual({ status: 'down', ping: null, version: null });
      expect(res.body.services.smtp).toMatchObject({ status: expect.stringMatching(/^(up|down)$/) });
    } finally {
      await down.close();
    }
  });

  describe('S2 / S3 aggregates', () => {
    let companyId: string;
    let practitioner: TestUser;
    let employees: TestUser[];

    beforeAll(async () => {
      const co = await createCompany(t.db);
      companyId = co.id;
      practitioner = await createOpenPractitioner(t.db);
      employees = await employeesOf(t.db, 2, co);
      // SPEC C3: 50 + 48 + 55 minutes → 3 sessions, 153 minutes
      let h = -300;
      for (const [i, minutes] of [50, 48, 55].entries()) {
        const start = new Date(Date.now() + (h += 3) * 3600_000);
        await insertConsultation(t.db, employees[i % 2], practitioner, { start, status: 'COMPLETED', startedAt: start, endedAt: new Date(start.getTime() + minutes * MIN) });
      }
      await insertConsultation(t.db, employees[0], practitioner, { start: new Date(Date.now() + (h += 3) * 3600_000), status: 'CANCELLED' });
    });

    it('S2 metrics: platform counts only', async () => {
      // other test files write into the same database meanwhile: each count is read before and after the
      // request, and the answer must lie between them
      const counts = () =>
        Promise.all([t.db.consultation.count(), t.db.consultation.count({ where: { status: 'COMPLETED' } }), t.db.company.count(), t.db.employee.count()]);
      const before = await counts();
      const res = await t.http.get('/api/super-admin/metrics').set(as(admin));
      const after = await counts();
      expect(res.status).toBe(200);
      const m = res.body.metrics;
      [m.consultations, m.completedConsultations, m.companies, m.employees].forEach((value: number, i) => {
        expect(value).toBeGreaterThanOrEqual(Math.min(before[i], after[i]));
        expect(value).toBeLessThanOrEqual(Math.max(before[i], after[i]));
      });
      expect(m.completedMinutes).toBeGreaterThanOrEqual(153);
      for (const v of Object.values(m)) expect(Number.isInteger(v)).toBe(true);
    });

    it('S3 companies: per-company usage (3 sessions, 153 minutes), never a practitioner, employee or consultation', async () => {
      const res = await t.http.get('/api/super-admin/companies').set(as(admin));
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(res.body.companies.length);
      const mine = res.body.companies.find((c: { id: string }) => c.id === companyId);
      expect(mine).toMatchObject({ employees: 2, activeEmployees: 2, consultations: 4, completedConsultations: 3, cancelledConsultations: 1, completedMinutes: 153, isActive: true });
      expect(Object.keys(mine).sort()).toEqual(['activeEmployees', 'cancelledConsultations', 'completedConsultations', 'completedMinutes', 'consultations', 'createdAt', 'employees', 'id', 'isActive', 'name'].sort());
      const text = JSON.stringify(res.body);
      for (const id of [practitioner.id, practitioner.practitionerId!, ...employees.flatMap((e) => [e.id, e.employeeId!, e.email])]) expect(text).not.toContain(id);
    });

    it('the definer functions return nothing to any role but SUPER_ADMIN, nor without a caller (SQL, as huntzen_app)', async () => {
      const rls = openRlsDb();
      try {
        expect((await rls.asApp(null, async (c) => (await c.query('SELECT * FROM platform_metrics()')).rows))).toEqual([]);
        const asAdmin = await rls.asApp({ userId: admin.id, role: 'SUPER_ADMIN' }, async (c) => (await c.query('SELECT * FROM platform_company_usage()')).rows);
        expect(asAdmin.length).toBeGreaterThan(0);
      for (const user of Object.values(others)) {
        const rows = await rls.asApp({ userId: user.id, role: user.role, companyId: user.companyId, employeeId: user.employeeId, practitionerId: user.practitionerId }, async (c) => [
          ...(await c.query('SELECT * FROM platform_metrics()')).rows,
          ...(await c.query('SELECT * FROM platform_company_usage()')).rows,
        ]);
        expect([user.role, rows]).toEqual([user.role, []]);
      }
      } finally {
        await rls.close();
      }
    });
  });

  describe('S4 audit-log search', () => {
    const resource = `s4-${randomUUID().slice(0, 8)}`;
    const actorA = randomUUID();
    const actorB = randomUUID();
    const companyA = randomUUID();
    const base = Date.now() - 10 * 24 * 3600_000;
    const at = (i: number) => new Date(base + i * MIN);

    beforeAll(async () => {
      const rows = Array.from({ length: 60 }, (_, i) => ({
        id: randomUUID(),
        userId: i % 2 ? actorA : actorB,
        userEmail: i % 2 ? 'Alice.Admin@Example.test' : 'bob@example.test',
        userRole: i % 2 ? Role.ADMIN_RH : Role.ADMIN_HUNTZEN,
        action: i % 3 ? ('UPDATE' as const) : ('EXPORT' as const),
        resource,
        resourceId: `res-${i}`,
        companyId: i % 2 ? companyA : null,
        createdAt: at(i),
        details: { event: 'S4_TEST', secretish: 'never-shown' },
        changesAfter: { status: 'ACTIVE' },
      }));
      // a sensitive row (consultation transition) and a read naming its subject: shown redacted
      rows.push({ ...rows[0], id: randomUUID(), resourceId: 'consultation-xyz', createdAt: at(100), isSensitive: true } as never);
      rows.push({ ...rows[0], id: randomUUID(), action: 'READ', resourceId: 'employee-abc', createdAt: at(101), subjectUserId: randomUUID() } as never);
      await t.db.auditLog.createMany({ data: rows });
    });

    const search = (query: Record<string, string | number>) => t.http.get('/api/super-admin/audit-logs').query({ resource, ...query }).set(as(admin));

    it('pages of 50, newest first, in the S4 shape, never details', async () => {
      const p1 = await search({});
      expect(p1.status).toBe(200);
      expect([p1.body.total, p1.body.page, p1.body.pages, p1.body.logs.length]).toEqual([62, 1, 2, 50]);
      const times = p1.body.logs.map((l: { timestamp: string }) => l.timestamp);
      expect([...times].sort().reverse()).toEqual(times);
      expect(Object.keys(p1.body.logs[5]).sort()).toEqual(
        ['action', 'changesAfter', 'changesBefore', 'companyId', 'id', 'ipAddress', 'redacted', 'resource', 'resourceId', 'timestamp', 'userAgent', 'userEmail', 'userId', 'userRole'].sort(),
      );
      expect(JSON.stringify(p1.body)).not.toContain('never-shown');
      const p2 = await search({ page: 2 });
      expect(p2.body.logs).toHaveLength(12);
    });

    it('filters: action, userId, email (any case), role, companyId, period, q', async () => {
      const count = async (q: Record<string, string>) => (await search(q)).body.total;
      expect(await count({ action: 'EXPORT' })).toBe(20 + 1);
      expect(await count({ userId: actorA })).toBe(30);
      expect(await count({ email: 'alice.admin@example.test' })).toBe(30);
      expect(await count({ role: 'ADMIN_HUNTZEN' })).toBe(32);
      expect(await count({ companyId: companyA })).toBe(30);
      expect(await count({ startDate: at(10).toISOString(), endDate: at(19).toISOString() })).toBe(10);
      expect(await count({ q: 'res-7' })).toBe(1);
      expect(await count({ q: actorA })).toBe(30);
      expect(await count({ q: 'ALICE' })).toBe(30);
      expect(await count({ action: 'UPDATE', userId: actorA, startDate: at(0).toISOString(), endDate: at(9).toISOString() })).toBe(3);
    });

    it('care and who-read-whom rows: resource id and changes hidden, and q never finds them by resource id', async () => {
      const res = await search({ startDate: at(100).toISOString() });
      expect(res.body.logs).toHaveLength(2);
      for (const l of res.body.logs) expect(l).toMatchObject({ redacted: true, resourceId: null, changesBefore: null, changesAfter: null });
      expect((await search({ q: 'consultation-xyz' })).body.total).toBe(0);
      expect((await search({ q: 'employee-abc' })).body.total).toBe(0);
    });

    it('bad filters: 400 with the field', async () => {
      const cases: [Record<string, string>, string][] = [
        [{ action: 'PEEK' }, 'action'],
        [{ role: 'ROOT' }, 'role'],
        [{ companyId: 'nope' }, 'companyId'],
        [{ startDate: '2026-13-45' }, 'startDate'],
        [{ page: '0' }, 'page'],
        [{ startDate: at(10).toISOString(), endDate: at(1).toISOString() }, 'endDate'],
      ];
      for (const [q, field] of cases) {
        const res = await search(q);
        expect([field, res.status, res.body.error.code]).toEqual([field, 400, 'VALIDATION_ERROR']);
        expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
      }
    });
  });

  describe('S5 backup', () => {
    it('202 with a job id; the job stores an encrypted pg_dump (custom format) that pg_restore can read; audited', async () => {
      const res = await t.http.post('/api/super-admin/backup').set(as(admin));
      expect(res.status).toBe(202);
      const id = res.body.jobId;
      expect(res.body.backup).toMatchObject({ id, status: 'RUNNING', finishedAt: null });

      await expect
        .poll(async () => (await t.http.get(`/api/super-admin/backup/${id}`).set(as(admin))).body.backup?.status, { timeout: 60_000, interval: 200 })
        .toBe('SUCCEEDED');
      const status = (await t.http.get(`/api/super-admin/backup/${id}`).set(as(admin))).body.backup;
      expect(status).toMatchObject({ id, status: 'SUCCEEDED', encrypted: true, error: null, sizeBytes: expect.any(Number) });

      const record = await t.db.backupRecord.findUniqueOrThrow({ where: { id } });
      expect(record.requestedBy).toBe(admin.id);
      const storage = t.app.get(StorageService);
      const stored = await storage.getBuffer(record.location!);
      expect(stored.length).toBe(status.sizeBytes);
      expect(stored.subarray(0, 5).toString('latin1')).not.toBe('PGDMP'); // encrypted at rest

      // decrypt with the record's envelope: a custom-format dump (header PGDMP) that pg_restore lists
      const decipher = t.app.get(EnvelopeCrypto).decryptStream(record as never, aadFor.backup(id));
      const chunks: Buffer[] = [];
      await pipeline(await storage.get(record.location!), decipher, new Writable({ write: (c, _e, done) => (chunks.push(c), done()) }));
      const dump = Buffer.concat(chunks);
      expect(dump.subarray(0, 5).toString('latin1')).toBe('PGDMP');
      const file = join(uploadDir, 'restore-check.dump');
      writeFileSync(file, dump);
      const list = spawnSync(defaultPgDump().replace(/pg_dump$/, 'pg_restore'), ['--list', file], { encoding: 'utf8' });
      expect(list.status, list.stderr).toBe(0);
      expect(list.stdout).toContain('TABLE DATA public audit_logs');
      expect(list.stdout).toContain('_prisma_migrations');

      const audit = await t.db.auditLog.findMany({ where: { resource: 'backup', resourceId: id }, orderBy: { createdAt: 'asc' } });
      expect(audit.map((a) => [a.userId, (a.details as { event: string }).event])).toEqual([
        [admin.id, 'BACKUP_REQUESTED'],
        ['system', 'BACKUP_SUCCEEDED'],
      ]);
    });

    it('S1 shows the last backup; SQL level: only SUPER_ADMIN may insert a backup record, and only a RUNNING one of its own', async () => {
      const health = await t.http.get('/api/super-admin/health').set(as(admin));
      expect(health.body.lastBackup).toMatchObject({ status: expect.stringMatching(/^(RUNNING|SUCCEEDED|FAILED)$/), date: expect.any(String) });
      const rls = openRlsDb();
      try {
        const insert = (ctx: Parameters<typeof rls.affected>[0], extra = '', values = '') =>
          rls.affected(ctx, `INSERT INTO backup_records (id, status, requested_by${extra}) VALUES ($1, $2::"BackupStatus", $3${values})`, [randomUUID(), 'RUNNING', ctx?.userId ?? admin.id]);
        const superCtx = { userId: admin.id, role: 'SUPER_ADMIN' as const };
        expect(await insert(superCtx)).toBe(1);
        for (const user of Object.values(others)) {
          await expect(insert({ userId: user.id, role: user.role, companyId: user.companyId })).rejects.toThrow(/row-level security/);
        }
        await expect(insert(null)).rejects.toThrow(/row-level security/);
        await expect(insert(superCtx, ', location', ", 'backup-x.dump.enc'")).rejects.toThrow(/row-level security/);
        await expect(rls.affected(superCtx, `INSERT INTO backup_records (id, status, requested_by) VALUES ($1, 'SUCCEEDED', $2)`, [randomUUID(), admin.id])).rejects.toThrow(/row-level security/);
        await expect(rls.affected(superCtx, `INSERT INTO backup_records (id, status, requested_by) VALUES ($1, 'RUNNING', $2)`, [randomUUID(), others.ADMIN_HUNTZEN.id])).rejects.toThrow(/row-level security/);
        // nobody on the app role finishes or rewrites a record: no UPDATE policy
        expect(await rls.affected(superCtx, `UPDATE backup_records SET status = 'SUCCEEDED'`)).toBe(0);
        // the owner-only policies that open tables to the definer functions do nothing for the app role
        const seen = await rls.asApp({ userId: others.EMPLOYEE.id, role: 'EMPLOYEE', companyId: others.EMPLOYEE.companyId, employeeId: others.EMPLOYEE.employeeId }, async (c) => {
          await c.query(`SELECT set_config('app.definer_read', 'on', true)`);
          return [(await c.query('SELECT 1 FROM audit_logs')).rowCount, (await c.query('SELECT 1 FROM consultations')).rowCount, (await c.query('SELECT 1 FROM backup_records')).rowCount];
        });
        expect(seen).toEqual([0, 0, 0]);
      } finally {
        await rls.close();
      }
    });

    it('status: 404 for an unknown backup, 400 for a malformed id', async () => {
      const unknown = await t.http.get(`/api/super-admin/backup/${randomUUID()}`).set(as(admin));
      expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_FOUND']);
      const bad = await t.http.get('/api/super-admin/backup/not-a-uuid').set(as(admin));
      expect(bad.status).toBe(400);
    });

    it('a failing pg_dump marks the backup FAILED with a short reason, and removes the partial file', async () => {
      const broken = await startTestApp({ env: { PG_DUMP_PATH: '/nonexistent/pg_dump', UPLOAD_PATH: uploadDir } });
      try {
        const res = await broken.http.post('/api/super-admin/backup').set(as(admin));
        expect(res.status).toBe(202);
        await expect.poll(async () => (await broken.http.get(`/api/super-admin/backup/${res.body.jobId}`).set(as(admin))).body.backup?.status, { timeout: 30_000, interval: 200 }).toBe('FAILED');
        const row = await t.db.backupRecord.findUniqueOrThrow({ where: { id: res.body.jobId } });
        expect(row.error).toBe('pg_dump could not be started');
        expect(row.location).toBeNull();
        await expect(broken.app.get(StorageService).get(`backup-${row.id}.dump.enc`)).rejects.toThrow(/not found/);
      } finally {
        await broken.close();
      }
    });
  });
});
