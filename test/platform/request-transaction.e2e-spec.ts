import { randomUUID } from 'node:crypto';
import { Prisma, Role } from '@prisma/client';
import pg from 'pg';
import type { Identity } from '../../src/common/context/request-context.js';
import { RequestContext } from '../../src/common/context/request-context.service.js';
import { PrismaService } from '../../src/infra/prisma/prisma.service.js';
import { TenantPrisma } from '../../src/infra/prisma/tenant-prisma.service.js';
import { TenantSql } from '../../src/infra/prisma/tenant-sql.service.js';
import { ConsultationsService } from '../../src/modules/consultations/consultations.service.js';
import { bearer, createUser, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';
import { createOpenPractitioner, employeesOf, slotAt } from '../consultations/helpers.js';

const identity = (u: TestUser): Identity => ({ userId: u.id, email: u.email, role: u.role, companyId: u.companyId, employeeId: u.employeeId, practitionerId: u.practitionerId });

/**
 * One transaction per request (issue 11): the caller's context is set once per request, and nothing of
 * it survives on the pooled connection. The api runs with a pool of ONE connection here, so every
 * request and every check below goes through the very same PostgreSQL session.
 */
const APP_NAME = 'request-transaction-spec';

describe('request-scoped transaction: one context per request, nothing left on the pooled connection', () => {
  let t: TestContext;
  let app: PrismaService;
  let tenant: TenantPrisma;
  let ctx: RequestContext;

  beforeAll(async () => {
    // this app's sessions carry their own application_name: the database is shared with the other test
    // files' apps, whose own transactions must not count here
    const appUrl = new URL(process.env.APP_DATABASE_URL!);
    appUrl.searchParams.set('application_name', APP_NAME);
    t = await startTestApp({ env: { DATABASE_POOL_SIZE: '1', APP_DATABASE_URL: appUrl.toString() } });
    app = t.app.get(PrismaService);
    tenant = t.app.get(TenantPrisma);
    ctx = t.app.get(RequestContext);
  });
  afterAll(() => t?.close());

  /** The `app.*` settings as the pooled connection (the only one) sees them, outside any transaction. */
  async function pooledSettings() {
    const [row] = await app.$queryRaw<Record<string, string | null>[]>`SELECT
      current_setting('app.user_id', true) AS user_id, current_setting('app.role', true) AS role,
      current_setting('app.company_id', true) AS company_id, current_setting('app.employee_id', true) AS employee_id,
      current_setting('app.practitioner_id', true) AS practitioner_id, pg_backend_pid() AS pid`;
    const { pid, ...settings } = row;
    return { pid, settings };
  }

  function expectNoContext(settings: Record<string, string | null>) {
    for (const [name, value] of Object.entries(settings)) expect([null, ''], name).toContain(value);
  }

  /**
   * huntzen_app sessions of this app still inside a transaction (a connection held, or a leak). Asked
   * as huntzen_app on a connection of its own: PostgreSQL shows a session's state only to its own role
   * (or to pg_read_all_stats).
   */
  async function appSessionsInTransaction(): Promise<number> {
    const owner = new pg.Client({ connectionString: process.env.APP_DATABASE_URL });
    await owner.connect();
    try {
      const { rows } = await owner.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND usename = 'huntzen_app' AND application_name = $1 AND state LIKE 'idle in transaction%'`,
        [APP_NAME],
      );
      return rows[0].n;
    } finally {
      await owner.end();
    }
  }

  it('after successful requests, and requests that fail before or after writing, no app.* setting survives on the connection', async () => {
    const p = await createOpenPractitioner(t.db);
    const [e, f] = await employeesOf(t.db, 2);
    const first = await pooledSettings();

    expect((await t.http.get('/api/auth/me').set(bearer(signAccessToken(e)))).status).toBe(200);
    expectNoContext((await pooledSettings()).settings);

    // several queries of one request in parallel (list + count), one connection: they share one transaction
    expect((await t.http.get('/api/consultations/mine').set(bearer(signAccessToken(e)))).status).toBe(200);
    expectNoContext((await pooledSettings()).settings);

    // fails after its reads (context set, transaction open): 400, then rolled back
    const past = await t.http.post('/api/consultations').set(bearer(signAccessToken(e))).send({ practitionerId: p.practitionerId, scheduledAt: new Date(Date.now() - 3_600_000).toISOString(), format: 'VIDEO' });
    expect(past.status).toBe(400);
    expectNoContext((await pooledSettings()).settings);

    // fails inside its write (exclusion constraint): 409; the request's transaction goes on, then ends
    const body = { practitionerId: p.practitionerId, scheduledAt: slotAt(3).toISOString(), format: 'VIDEO' };
    expect((await t.http.post('/api/consultations').set(bearer(signAccessToken(e))).send(body)).status).toBe(201);
    const taken = await t.http.post('/api/consultations').set(bearer(signAccessToken(f))).send(body);
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('SLOT_UNAVAILABLE');
    const after = await pooledSettings();
    expectNoContext(after.settings);
    expect(after.pid).toBe(first.pid); // the same pooled session all along
    expect(await appSessionsInTransaction()).toBe(0);
  });

  it('a request transaction that fails after writing leaves no row and no setting; the same work committed stays', async () => {
    const p = await createOpenPractitioner(t.db);
    const [e] = await employeesOf(t.db, 1);
    const consultations = t.app.get(ConsultationsService);
    const dto = { practitionerId: p.practitionerId!, scheduledAt: slotAt(4), format: 'VIDEO' as const };

    const failed = ctx.runAs(identity(e), async () => {
      const request = tenant.begin()!;
      try {
        await consultations.book(identity(e), dto);
        // the row is there inside the transaction...
        expect(await tenant.db.consultation.count({ where: { employeeId: e.employeeId! } })).toBe(1);
        throw new Error('boom after the write');
      } catch (err) {
        await request.finish(false, true);
        throw err;
      }
    });
    await expect(failed).rejects.toThrow('boom after the write');
    // ...and gone with the rollback, outbox rows included
    expect(await t.db.consultation.count({ where: { employeeId: e.employeeId! } })).toBe(0);
    expect((await t.db.outboxMessage.findMany({ where: { createdBy: e.id } })).length).toBe(0);
    expectNoContext((await pooledSettings()).settings);

    await ctx.runAs(identity(e), async () => {
      const request = tenant.begin()!;
      await consultations.book(identity(e), dto);
      await request.finish(true, true);
    });
    expect(await t.db.consultation.count({ where: { employeeId: e.employeeId! } })).toBe(1);
    expectNoContext((await pooledSettings()).settings);
  });

  it('release() commits early so long I/O holds no connection; the next query opens a new transaction', async () => {
    const [e] = await employeesOf(t.db, 1);
    await ctx.runAs(identity(e), async () => {
      const request = tenant.begin()!;
      expect(await tenant.db.user.count({ where: { id: e.id } })).toBe(1);
      expect(await appSessionsInTransaction()).toBe(1); // the request's transaction holds the connection
      await tenant.release(); // e.g. before writing an upload to storage, before a stream
      expect(await appSessionsInTransaction()).toBe(0);
      expectNoContext((await pooledSettings()).settings); // the pool's only connection is free again
      expect(await tenant.db.user.count({ where: { id: e.id } })).toBe(1); // still as the caller
      await request.finish(true, true);
    });
    expect(await appSessionsInTransaction()).toBe(0);
  });

  it('fail closed: with no caller, queries on the connection that served callers see nothing', async () => {
    const admin = await createUser(t.db, Role.SUPER_ADMIN);
    expect((await t.http.get('/api/auth/me').set(bearer(signAccessToken(admin)))).status).toBe(200);
    expect(await tenant.db.user.count()).toBe(0);
    expect(await tenant.queryRaw<unknown[]>(Prisma.sql`SELECT id FROM users`)).toEqual([]);
    expectNoContext((await pooledSettings()).settings);
  });

  it('TenantSql (the chat hot path): one statement as the caller under RLS, nothing without a caller, the request transaction released first', async () => {
    const sql = t.app.get(TenantSql);
    const p = await createOpenPractitioner(t.db);
    const [e, f] = await employeesOf(t.db, 2);
    const booked = await t.http.post('/api/consultations').set(bearer(signAccessToken(e))).send({ practitionerId: p.practitionerId, scheduledAt: slotAt(5).toISOString(), format: 'VIDEO' });
    expect(booked.status).toBe(201);
    const post = (who: TestUser) => {
      const id = randomUUID();
      return { id, args: [id, booked.body.consultation.id, who.id, who.role, 'aa', 'bb', 'cc', 'dd', 'ee', 'ff', 'v1', 'TEXT', null, null, null, null] };
    };
    await expect(sql.call('chat_post_message', post(e).args)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const mine = post(e);
    const created = await ctx.runAs(identity(e), () => sql.call<Date>('chat_post_message', mine.args));
    expect(created).toBeInstanceOf(Date);
    expect(await t.db.message.findUnique({ where: { id: mine.id }, select: { senderId: true } })).toEqual({ senderId: e.id });
    // RLS as the caller: a colleague is no participant
    await expect(ctx.runAs(identity(f), () => sql.call('chat_post_message', post(f).args))).rejects.toMatchObject({ code: '42501' });
    // inside a request: its transaction is committed before the hot statement, one connection at a time
    await ctx.runAs(identity(e), async () => {
      const request = tenant.begin()!;
      expect(await tenant.db.user.count({ where: { id: e.id } })).toBe(1);
      expect(await appSessionsInTransaction()).toBe(1);
      await sql.call('chat_post_message', post(e).args);
      expect(await appSessionsInTransaction()).toBe(0);
      await request.finish(true, true);
    });
    expect(await t.db.message.count({ where: { consultationId: booked.body.consultation.id } })).toBe(2);
    expectNoContext((await pooledSettings()).settings);
  });
});
