import { bearer, signAccessToken, type TestUser } from '../helpers/fixtures.js';
import type { SinkMail } from '../helpers/smtp-sink.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';
import { createOpenPractitioner, employeesOf, slotAt } from './helpers.js';

/**
 * Issue 10 #9: a calendar invitation in a mail to a work mailbox lands in a calendar the employer may
 * see. Invitations are opt-in per user, and neutral when sent.
 */
describe('calendar invitations in consultation e-mails: opt-in, neutral', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  const as = (u: TestUser) => bearer(signAccessToken(u));
  const calendarPart = (m: SinkMail) => m.attachments.find((a) => a.contentType.startsWith('text/calendar'));

  /** Books, reschedules and cancels; returns the booking, reschedule and cancellation mails of both parties. */
  async function lifecycleMails(e: TestUser, p: TestUser, days: number) {
    const booked = await t.http.post('/api/consultations').set(as(e)).send({ practitionerId: p.practitionerId, scheduledAt: slotAt(days).toISOString(), format: 'VIDEO' });
    expect(booked.status).toBe(201);
    const id: string = booked.body.consultation.id;
    const moved = await t.http.put(`/api/consultations/${id}/reschedule`).set(as(e)).send({ scheduledAt: slotAt(days + 1, 11).toISOString() });
    expect(moved.status).toBe(200);
    const cancelled = await t.http.put(`/api/consultations/${id}/cancel`).set(as(p)).send({});
    expect(cancelled.status).toBe(200);
    const mails = {
      booked: await t.sink.waitForTo(e.email, 'réservée'),
      requested: await t.sink.waitForTo(p.email, 'Nouvelle demande'),
      rescheduled: [await t.sink.waitForTo(e.email, 'déplacée'), await t.sink.waitForTo(p.email, 'déplacée')],
      cancelled: [await t.sink.waitForTo(e.email, 'annulée'), await t.sink.waitForTo(p.email, 'annulée')],
    };
    return { id, mails };
  }

  it('by default: no calendar part in the booking, reschedule and cancellation mails of either party', async () => {
    const p = await createOpenPractitioner(t.db);
    const [e] = await employeesOf(t.db, 1);
    const { mails } = await lifecycleMails(e, p, 3);
    for (const m of [mails.booked, mails.requested, ...mails.rescheduled, ...mails.cancelled]) {
      expect(calendarPart(m), `${m.to} ${m.subject}`).toBeUndefined();
      expect(m.attachments).toHaveLength(0);
    }
    expect(mails.booked.text).not.toMatch(/invitation de calendrier/i);
    const prefs = await t.http.get('/api/users/me/notification-preferences').set(as(e));
    expect(prefs.status).toBe(200);
    expect(prefs.body.calendarInvites).toBe(false);
  });

  it('opted in: every such mail carries a neutral "Rendez-vous" invitation, nothing naming HuntZen, consultations or the practitioner', async () => {
    const p = await createOpenPractitioner(t.db);
    const [e] = await employeesOf(t.db, 1);
    for (const u of [e, p]) {
      const put = await t.http.put('/api/users/me/notification-preferences').set(as(u)).send({ calendarInvites: true });
      expect(put.status).toBe(200);
      expect(put.body.calendarInvites).toBe(true);
      expect(put.body.preferences.every((x: { inApp: boolean; email: boolean }) => x.inApp && x.email)).toBe(true);
      expect((await t.http.get('/api/users/me/notification-preferences').set(as(u))).body.calendarInvites).toBe(true);
    }

    const { id, mails } = await lifecycleMails(e, p, 6);
    expect(calendarPart(mails.requested)).toBeUndefined(); // the practitioner's "new request" never had one
    const practitioner = await t.db.practitioner.findUniqueOrThrow({ where: { id: p.practitionerId! } });
    const revealing = new RegExp(['huntzen', 'consultation', 'psycholog', 'clinicien', practitioner.firstName, practitioner.lastName, practitioner.specialty].join('|'), 'i');
    const expected: [SinkMail, string][] = [
      [mails.booked, 'REQUEST'],
      ...mails.rescheduled.map((m) => [m, 'REQUEST'] as [SinkMail, string]),
      ...mails.cancelled.map((m) => [m, 'CANCEL'] as [SinkMail, string]),
    ];
    for (const [m, method] of expected) {
      const part = calendarPart(m);
      expect(part, `${m.to} ${m.subject}`).toBeDefined();
      const lines = part!.content.split(/\r\n/).filter(Boolean);
      expect(lines).toContain('SUMMARY:Rendez-vous');
      expect(lines).toContain(`METHOD:${method}`);
      expect(lines).toContain(`UID:${id}`);
      expect(lines.some((l) => l.startsWith('DESCRIPTION'))).toBe(false);
      // the location is the app's address only (FRONTEND_URL's origin, whatever its host is called)
      expect(lines.filter((l) => l.startsWith('LOCATION') || l.startsWith('URL'))).toEqual(['LOCATION:http://app.huntzen.test']);
      expect(lines.filter((l) => !l.startsWith('LOCATION')).join('\n')).not.toMatch(revealing);
      expect(part!.filename).not.toMatch(revealing);
    }
    expect(mails.booked.text).toMatch(/invitation de calendrier/i);
    expect(calendarPart(mails.rescheduled[0])!.content).toContain(`DTSTART:${slotAt(7, 11).toISOString().replace(/[-:]/g, '').replace('.000', '')}`);
  });

  it('PUT validates the switch and still needs something to change', async () => {
    const [e] = await employeesOf(t.db, 1);
    const put = (body: object) => t.http.put('/api/users/me/notification-preferences').set(as(e)).send(body);
    const bad = await put({ calendarInvites: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field)).toContain('calendarInvites');
    expect((await put({})).status).toBe(400);
    expect((await put({ calendarInvites: true, preferences: [] })).status).toBe(400);
    const both = await put({ calendarInvites: true, preferences: [{ type: 'CONSULTATION_REMINDER_1H', email: false }] });
    expect(both.status).toBe(200);
    expect(both.body.calendarInvites).toBe(true);
    expect(both.body.preferences.find((x: { type: string }) => x.type === 'CONSULTATION_REMINDER_1H')).toEqual({ type: 'CONSULTATION_REMINDER_1H', inApp: true, email: false });
    const off = await put({ calendarInvites: false });
    expect(off.body.calendarInvites).toBe(false);
  });
});
