import { getQueueToken } from '@nestjs/bullmq';
import { Role } from '@prisma/client';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { QUEUE } from '../../src/infra/queue/queues.js';
import { RetentionProcessor } from '../../src/modules/retention/retention.processor.js';
import { RETENTION_JOBS, RetentionService } from '../../src/modules/retention/retention.service.js';
import { createUser, TestUser } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';

const DAY = 24 * 3600_000;
const MIN = 60_000;

/** Each purge with a clock the test controls: rows one minute past the period go, one minute within stay. */
describe('retention jobs (issue 9 item 5)', () => {
  let t: TestContext;
  let user: TestUser;
  let retention: RetentionService;
  const now = new Date();
  const ago = (days: number, deltaMs: number) => new Date(now.getTime() - days * DAY + deltaMs);
  const outside = (days: number) => ago(days, -MIN);
  const inside = (days: number) => ago(days, +MIN);

  beforeAll(async () => {
    t = await startTestApp({ env: { NOTIFICATION_RETENTION_DAYS: '90', AUDIT_LOG_RETENTION_DAYS: '400' } });
    user = await createUser(t.db, Role.EMPLOYEE);
    retention = t.app.get(RetentionService);
  });
  afterAll(() => t?.close());

  it('registers one daily job scheduler per purge', async () => {
    const queue = t.app.get<Queue>(getQueueToken(QUEUE.retention), { strict: false });
    for (const job of RETENTION_JOBS) {
      await expect.poll(() => queue.getJobScheduler(`retention:${job}`)).toMatchObject({ every: DAY, name: job });
    }
  });

  it('outbox: deletes delivered rows older than OUTBOX_RETENTION_DAYS (7), never undelivered ones', async () => {
    const row = (deliveredAt: Date | null, createdAt = ago(30, 0)) => ({ id: randomUUID(), topic: 'test.retention', payload: {}, createdAt, deliveredAt });
    const gone = [row(outside(7))];
    const kept = [row(inside(7)), row(null, ago(300, 0)), row(now)];
    await t.db.outboxMessage.createMany({ data: [...gone, ...kept] });
    // the processor as the scheduler calls it
    await t.app.get(RetentionProcessor).process({ name: 'outbox' });
    const left = await t.db.outboxMessage.findMany({ where: { topic: 'test.retention' }, select: { id: true } });
    expect(left.map((r) => r.id).sort()).toEqual(kept.map((r) => r.id).sort());
  });

  it('notifications: older than 90 days (or expired) are deleted, read or not', async () => {
    const row = (createdAt: Date, extra: { isRead?: boolean; expiresAt?: Date } = {}) => ({ id: randomUUID(), userId: user.id, type: 'SYSTEM' as const, title: 't', message: 'm', createdAt, ...extra });
    const gone = [row(outside(90)), row(outside(90), { isRead: true }), row(ago(1, 0), { expiresAt: ago(0, -MIN) })];
    const kept = [row(inside(90)), row(ago(1, 0), { expiresAt: ago(0, +MIN) })];
    await t.db.notification.createMany({ data: [...gone, ...kept] });
    expect(await retention.run('notifications', now)).toBe(gone.length);
    const left = await t.db.notification.findMany({ where: { userId: user.id }, select: { id: true } });
    expect(left.map((r) => r.id).sort()).toEqual(kept.map((r) => r.id).sort());
  });

  it('sent mail records: SENT rows older than 30 days go; pending and failed rows stay', async () => {
    const subject = `retention-${randomUUID()}`;
    const row = (status: 'SENT' | 'PENDING' | 'FAILED', sentAt: Date | null) => ({ id: randomUUID(), to: 'x@example.test', subject, status, sentAt, createdAt: ago(60, 0) });
    const gone = [row('SENT', outside(30))];
    const kept = [row('SENT', inside(30)), row('PENDING', null), row('FAILED', null)];
    await t.db.emailQueue.createMany({ data: [...gone, ...kept] });
    expect(await retention.run('sent-mail', now)).toBe(1);
    const left = await t.db.emailQueue.findMany({ where: { subject }, select: { id: true } });
    expect(left.map((r) => r.id).sort()).toEqual(kept.map((r) => r.id).sort());
  });

  it('security events: older than SECURITY_EVENT_RETENTION_DAYS (365) are deleted', async () => {
    const row = (createdAt: Date) => ({ id: randomUUID(), type: 'LOGIN_FAILED' as const, severity: 'LOW' as const, userId: user.id, createdAt });
    const gone = [row(outside(365))];
    const kept = [row(inside(365)), row(now)];
    await t.db.securityEvent.createMany({ data: [...gone, ...kept] });
    await retention.run('security-events', now);
    const left = await t.db.securityEvent.findMany({ where: { userId: user.id }, select: { id: true } });
    expect(left.map((r) => r.id).sort()).toEqual(kept.map((r) => r.id).sort());
  });

  it('audit logs: only rows older than AUDIT_LOG_RETENTION_DAYS (400 here) go, through the owner function', async () => {
    const resource = `retention-${randomUUID()}`;
    const row = (createdAt: Date) => ({ id: randomUUID(), userId: 'system', action: 'CREATE' as const, resource, createdAt });
    const gone = [row(outside(400)), row(ago(2000, 0))];
    const kept = [row(inside(400)), row(ago(370, 0)), row(now)];
    await t.db.auditLog.createMany({ data: [...gone, ...kept] });
    expect(await retention.run('audit-logs', now)).toBeGreaterThanOrEqual(gone.length);
    const left = await t.db.auditLog.findMany({ where: { resource }, select: { id: true } });
    expect(left.map((r) => r.id).sort()).toEqual(kept.map((r) => r.id).sort());
  });

  it('audit logs stay append-only otherwise: no direct DELETE, and the function never deletes a row younger than 365 days', async () => {
    const resource = `retention-${randomUUID()}`;
    const young = { id: randomUUID(), userId: 'system', action: 'CREATE' as const, resource, createdAt: ago(364, 0) };
    const old = { id: randomUUID(), userId: 'system', action: 'CREATE' as const, resource, createdAt: ago(500, 0) };
    await t.db.auditLog.createMany({ data: [young, old] });
    // the system role (BYPASSRLS) deleting directly: refused by the trigger
    await expect(t.db.$executeRaw`DELETE FROM audit_logs WHERE id = ${old.id}::uuid`).rejects.toThrow(/append-only/);
    // the owner itself, without going through the function: refused too
    const owner = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
    try {
      const direct = await owner.query('DELETE FROM audit_logs WHERE id = $1', [old.id]).then((r) => r.rowCount, (e: Error) => e.message);
      expect(direct === 0 || /append-only/.test(String(direct)), String(direct)).toBe(true);
      expect(await t.db.auditLog.count({ where: { id: old.id } })).toBe(1);
      // the app role may not even call the function
      const app = new pg.Pool({ connectionString: process.env.APP_DATABASE_URL, max: 1 });
      try {
        await expect(app.query('SELECT purge_audit_logs(now(), 100)')).rejects.toThrow(/permission denied/);
      } finally {
        await app.end();
      }
    } finally {
      await owner.end();
    }
    // asking for a cut-off of "now" (0 days) still deletes nothing younger than 365 days
    const [{ n }] = await t.db.$queryRaw<{ n: number }[]>`SELECT purge_audit_logs(now(), 1000) AS n`;
    expect(n).toBeGreaterThanOrEqual(1);
    const left = await t.db.auditLog.findMany({ where: { resource }, select: { id: true } });
    expect(left.map((r) => r.id)).toEqual([young.id]);
  });

  it('deletes in batches: more rows than one batch are all purged', async () => {
    const rows = Array.from({ length: 2_345 }, () => ({ id: randomUUID(), type: 'RATE_LIMITED' as const, severity: 'LOW' as const, userId: user.id, createdAt: outside(365) }));
    await t.db.securityEvent.createMany({ data: rows });
    expect(await retention.run('security-events', now)).toBe(rows.length);
    expect(await t.db.securityEvent.count({ where: { userId: user.id, type: 'RATE_LIMITED' } })).toBe(0);
  });
});
