import { getQueueToken } from '@nestjs/bullmq';
import { Queue, QueueEvents } from 'bullmq';
import { OUTBOX_SWEEP_JOB } from '../../src/infra/outbox/outbox.processor.js';
import { QUEUE } from '../../src/infra/queue/queues.js';
import { bearer, signAccessToken } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';
import { afterCommitWork, createOpenPractitioner, employeesOf, slotAt } from './helpers.js';

describe('transactional outbox: side effects commit with the change, and are retried until delivered', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('a booking writes its reminders and notifications (with their e-mails) as outbox rows in its transaction, delivered after commit; a refused booking writes none', async () => {
    const p = await createOpenPractitioner(t.db);
    const [e, f] = await employeesOf(t.db, 2);
    const since = new Date(Date.now() - 1000);
    const body = { practitionerId: p.practitionerId, scheduledAt: slotAt(3).toISOString(), format: 'VIDEO' };
    const booked = await t.http.post('/api/consultations').set(bearer(signAccessToken(e))).send(body);
    expect(booked.status).toBe(201);
    await afterCommitWork(t); // delivered after the commit, off the response path
    // other test files share the table: keep the rows about this consultation
    const mine = (id: string) => async () =>
      (await t.db.outboxMessage.findMany({ where: { createdAt: { gte: since } } })).filter((r) => JSON.stringify(r.payload).includes(id));
    const rows = await mine(booked.body.consultation.id)();
    expect(rows.map((r) => r.topic).sort()).toEqual(['notify', 'notify', 'reminders.schedule']);
    expect(rows.filter((r) => r.topic === 'notify').map((r) => (r.payload as { mail: { template: string } }).mail.template).sort()).toEqual(['consultation-booked-employee', 'consultation-requested-practitioner']);
    expect(rows.every((r) => r.deliveredAt !== null && r.attempts === 1)).toBe(true);
    expect(JSON.stringify(rows)).not.toMatch(/Paul|Practitioner-|PSYCHOLOGUE/); // ids, addresses and dates only

    expect((await t.http.post('/api/consultations').set(bearer(signAccessToken(f))).send(body)).status).toBe(409);
    expect(await mine(f.email)()).toHaveLength(0);
    expect(await mine(f.id)()).toHaveLength(0);
  });

  it('the worker sweep delivers a message its request could not deliver', async () => {
    const to = `outbox.${Date.now()}@example.test`;
    const row = await t.db.outboxMessage.create({
      data: { topic: 'mail', payload: { to, template: 'password-changed', data: {} }, createdAt: new Date(Date.now() - 60_000) },
    });
    const queue = t.app.get<Queue>(getQueueToken(QUEUE.outbox));
    const events = new QueueEvents(QUEUE.outbox, { connection: { url: process.env.REDIS_URL }, prefix: `${t.redisPrefix}:bull` });
    try {
      await events.waitUntilReady();
      const job = await queue.add(OUTBOX_SWEEP_JOB, { olderThanMs: 1_000 });
      await job.waitUntilFinished(events, 15_000);
    } finally {
      await events.close();
    }
    await t.sink.waitForTo(to, 'mot de passe');
    const after = await t.db.outboxMessage.findUniqueOrThrow({ where: { id: row.id } });
    expect(after.deliveredAt).not.toBeNull();
  });
});
