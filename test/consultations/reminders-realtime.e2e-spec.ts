import { getQueueToken } from '@nestjs/bullmq';
import { Queue, QueueEvents } from 'bullmq';
import { QUEUE } from '../../src/infra/queue/queues.js';
import { RECONCILE_JOB, RemindersService } from '../../src/modules/consultations/reminders.service.js';
import { bearer, signAccessToken } from '../helpers/fixtures.js';
import { connectSocket, nextEvent } from '../helpers/sockets.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';
import { afterCommitWork, createOpenPractitioner, employeesOf, slotAt } from './helpers.js';

const HOUR = 3_600_000;

async function drained(t: TestContext): Promise<void> {
  const queue = t.app.get<Queue>(getQueueToken(QUEUE.email));
  const queueEvents = new QueueEvents(QUEUE.email, { connection: { url: process.env.REDIS_URL }, prefix: `${t.redisPrefix}:bull` });
  try {
    await queueEvents.waitUntilReady();
    for (;;) {
      // listen first, then look: a drain between the two cannot be missed
      const drainedEvent = new Promise<void>((resolve) => queueEvents.once('drained', () => resolve()));
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      if (c.waiting + c.active + c.delayed + c.prioritized === 0) return;
      await drainedEvent;
    }
  } finally {
    await queueEvents.close();
  }
}

describe('reminders (delayed jobs) and real-time notifications across instances', () => {
  let a: TestContext;
  let b: TestContext;
  let events: QueueEvents;
  let reminders: RemindersService;
  beforeAll(async () => {
    a = await startTestApp();
    // a second api instance on the same Redis (same prefix) and database
    b = await startTestApp({ redisPrefix: a.redisPrefix, sink: a.sink });
    reminders = a.app.get(RemindersService);
    events = new QueueEvents(reminders.queue.name, { connection: { url: process.env.REDIS_URL }, prefix: `${a.redisPrefix}:bull` });
    await events.waitUntilReady();
  });
  afterAll(async () => {
    await events?.close();
    await b?.close();
    await a?.close();
  });

  const book = async (t: TestContext, employee: Parameters<typeof signAccessToken>[0], practitionerId: string, at: Date) => {
    const res = await t.http.post('/api/consultations').set(bearer(signAccessToken(employee))).send({ practitionerId, scheduledAt: at.toISOString(), format: 'VIDEO' });
    await afterCommitWork(t); // the reminders are queued after the response
    return res;
  };

  it('creates 24 h and 1 h reminder jobs with the right delay, moves them on reschedule, removes them on cancel', async () => {
    const p = await createOpenPractitioner(a.db);
    const [e] = await employeesOf(a.db, 1);
    const at = slotAt(3);
    const before = Date.now();
    const res = await book(a, e, p.practitionerId!, at);
    expect(res.status).toBe(201);
    const id = res.body.consultation.id;
    for (const [kind, offset] of [['24h', 24 * HOUR], ['1h', HOUR]] as const) {
      const job = await reminders.queue.getJob(RemindersService.jobId(id, kind));
      expect(job, kind).toBeDefined();
      expect(job!.data).toEqual({ consultationId: id, kind, scheduledAt: at.toISOString() });
      const due = job!.timestamp + job!.opts.delay!;
      expect(Math.abs(due - (at.getTime() - offset))).toBeLessThan(Date.now() - before + 1000);
      expect(await job!.getState()).toBe('delayed');
    }

    const moved = slotAt(4, 15);
    expect((await b.http.put(`/api/consultations/${id}/reschedule`).set(bearer(signAccessToken(e))).send({ scheduledAt: moved.toISOString() })).status).toBe(200);
    await afterCommitWork(b);
    const job = await reminders.queue.getJob(RemindersService.jobId(id, '1h'));
    expect(job!.data.scheduledAt).toBe(moved.toISOString());
    expect(Math.abs(job!.timestamp + job!.opts.delay! - (moved.getTime() - HOUR))).toBeLessThan(5000);

    expect((await a.http.put(`/api/consultations/${id}/cancel`).set(bearer(signAccessToken(e))).send({})).status).toBe(200);
    await afterCommitWork(a);
    expect(await reminders.queue.getJob(RemindersService.jobId(id, '24h'))).toBeUndefined();
    expect(await reminders.queue.getJob(RemindersService.jobId(id, '1h'))).toBeUndefined();
  });

  it('skips the 24 h reminder for a booking less than 24 h ahead', async () => {
    const p = await createOpenPractitioner(a.db, { allDay: true });
    const [e] = await employeesOf(a.db, 1);
    const soon = new Date(Date.now() + 3 * HOUR);
    soon.setUTCMinutes(0, 0, 0); // a slot start of the round-the-clock agenda, 2–3 h ahead
    const res = await book(a, e, p.practitionerId!, soon);
    expect(res.status).toBe(201);
    expect(await reminders.queue.getJob(RemindersService.jobId(res.body.consultation.id, '24h'))).toBeUndefined();
    expect(await reminders.queue.getJob(RemindersService.jobId(res.body.consultation.id, '1h'))).toBeDefined();
  });

  it('a due reminder e-mails both participants, notifies them and records REMINDER_SENT; a stale one does nothing', async () => {
    const p = await createOpenPractitioner(a.db);
    const [e] = await employeesOf(a.db, 1);
    const res = await book(a, e, p.practitionerId!, slotAt(5));
    const id = res.body.consultation.id;
    const job = await reminders.queue.getJob(RemindersService.jobId(id, '1h'));
    const done = job!.waitUntilFinished(events, 15_000);
    await job!.promote(); // run it now instead of in five days
    await done;
    const mailE = await a.sink.waitForTo(e.email, 'Rappel');
    await a.sink.waitForTo(p.email, 'Rappel');
    expect(mailE.text).not.toMatch(/Paul|Practitioner-/);
    const row = await a.db.consultationEvent.findFirst({ where: { consultationId: id, eventType: 'REMINDER_SENT' } });
    expect(row).toMatchObject({ actorId: 'system', metadata: { kind: '1h' } });
    expect(await a.db.notification.count({ where: { userId: e.id, type: 'CONSULTATION_REMINDER_1H' } })).toBe(1);

    // preferences: the practitioner turned reminder e-mails off → no second e-mail for the 24 h one
    await a.db.notificationPreference.create({ data: { userId: p.id, type: 'CONSULTATION_REMINDER_24H', email: false, inApp: true } });
    const job24 = await reminders.queue.getJob(RemindersService.jobId(id, '24h'));
    const done24 = job24!.waitUntilFinished(events, 15_000);
    await job24!.promote();
    await done24;
    await a.sink.waitFor((m) => m.to.includes(e.email) && m.subject.includes('demain'));
    expect(await a.db.notification.count({ where: { userId: p.id, type: 'CONSULTATION_REMINDER_24H' } })).toBe(1);
    // every queued e-mail has been sent once the e-mail queue is empty: only then can absence be asserted
    await drained(a);
    expect(a.sink.mails.filter((m) => m.to.includes(p.email) && m.subject.includes('demain'))).toHaveLength(0);

    // stale: planned for another time → no event, no mail
    const stale = await reminders.queue.add('1h', { consultationId: id, kind: '1h', scheduledAt: new Date(0).toISOString() });
    await stale.waitUntilFinished(events, 15_000);
    expect(await a.db.consultationEvent.count({ where: { consultationId: id, eventType: 'REMINDER_SENT' } })).toBe(2);
  });

  it('the periodic reconciliation re-creates reminders lost between commit and queueing, and never resends past ones', async () => {
    const p = await createOpenPractitioner(a.db, { allDay: true });
    const [e] = await employeesOf(a.db, 1);
    const soon = new Date(Date.now() + 5 * HOUR);
    soon.setUTCMinutes(0, 0, 0);
    const res = await book(a, e, p.practitionerId!, soon);
    expect(res.status).toBe(201);
    const id = res.body.consultation.id;
    await reminders.remove(id); // as if the process had stopped right after the commit
    expect(await reminders.queue.getJob(RemindersService.jobId(id, '1h'))).toBeUndefined();
    const run = await reminders.queue.add(RECONCILE_JOB, {} as never);
    await run.waitUntilFinished(events, 15_000);
    const restored = await reminders.queue.getJob(RemindersService.jobId(id, '1h'));
    expect(restored?.data).toEqual({ consultationId: id, kind: '1h', scheduledAt: soon.toISOString() });
    expect(await reminders.queue.getJob(RemindersService.jobId(id, '24h'))).toBeUndefined(); // already past
    expect(await reminders.queue.getJobScheduler(RECONCILE_JOB)).toBeDefined();
  });

  it('a socket on instance A receives notification:new for a booking made through instance B', async () => {
    const p = await createOpenPractitioner(a.db);
    const [e] = await employeesOf(a.db, 1);
    const socket = await connectSocket(a.wsUrl, '/notifications', signAccessToken(p));
    try {
      const pushed = nextEvent(socket, 'notification:new', (n: { type: string }) => n.type === 'CONSULTATION_BOOKED');
      const res = await book(b, e, p.practitionerId!, slotAt(6));
      expect(res.status).toBe(201);
      const n = await pushed;
      expect(n).toMatchObject({ type: 'CONSULTATION_BOOKED', linkUrl: `/consultations/${res.body.consultation.id}` });
      expect(JSON.stringify(n)).not.toMatch(/Emma|Employee-/);
    } finally {
      socket.close();
    }
  });
});
