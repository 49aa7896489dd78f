import { Role } from '@prisma/client';
import jwt from 'jsonwebtoken';
import { bearer, createUser, signAccessToken } from '../helpers/fixtures.js';
import { startTestApp, TEST_SECRETS, TestContext } from '../helpers/test-app.js';
import { createOpenPractitioner, employeesOf, insertConsultation, slotAt } from './helpers.js';

const MIN = 60_000;

describe('consultation lifecycle, rooms and reads (CO2–CO12, I1)', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  const as = (u: Parameters<typeof signAccessToken>[0]) => bearer(signAccessToken(u));

  it('confirm → start → end: events, audit, and the duration computed by the database trigger', async () => {
    const p = await createOpenPractitioner(t.db);
    const [e] = await employeesOf(t.db, 1);
    const c = await insertConsultation(t.db, e, p, { start: new Date(Date.now() + 5 * MIN) });

    expect((await t.http.put(`/api/consultations/${c.id}/confirm`).set(as(e))).status).toBe(403); // employee cannot confirm
    const confirmed = await t.http.put(`/api/consultations/${c.id}/confirm`).set(as(p));
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.consultation.status).toBe('CONFIRMED');
    await t.sink.waitForTo(e.email, 'confirmée');
    const again = await t.http.put(`/api/consultations/${c.id}/confirm`).set(as(p));
    expect([again.status, again.body.error.code]).toEqual([400, 'INVALID_STATE_TRANSITION']);
    // ending before starting is not a transition
    expect((await t.http.put(`/api/consultations/${c.id}/end`).set(as(p))).body.error.code).toBe('INVALID_STATE_TRANSITION');

    const started = await t.http.put(`/api/consultations/${c.id}/start`).set(as(p));
    expect(started.status).toBe(200);
    expect(started.body.consultation.status).toBe('IN_PROGRESS');

    // the trigger, not the app, computes the duration: pretend the session started 50 min ago
    const startedAt = new Date(Date.now() - 50 * MIN - 7_000);
    await t.db.consultation.update({ where: { id: c.id }, data: { startedAt } });
    const ended = await t.http.put(`/api/consultations/${c.id}/end`).set(as(p));
    expect(ended.status).toBe(200);
    const row = await t.db.consultation.findUniqueOrThrow({ where: { id: c.id }, include: { events: { orderBy: { timestamp: 'asc' } } } });
    const seconds = Math.floor((row.endedAt!.getTime() - startedAt.getTime()) / 1000);
    expect(row.actualDurationSeconds).toBe(seconds);
    expect(row.actualDuration).toBe(Math.round(seconds / 60));
    expect(ended.body).toMatchObject({ actualDuration: row.actualDuration, durationSeconds: seconds, consultation: { status: 'COMPLETED' } });
    expect(row.billingStatus).toBe('VALIDATED');
    expect(row.events.map((ev) => ev.eventType)).toEqual(['CONFIRMED', 'STARTED', 'ENDED']);
    expect(row.events.every((ev) => ev.actorRole === 'PRACTITIONER' && ev.actorId === p.id)).toBe(true);
    // rows written by the service (the database audit trigger adds its own whitelisted diffs, without details)
    const rows = await t.db.auditLog.findMany({ where: { resource: 'consultation', resourceId: c.id } });
    const diffs = rows.filter((a) => (a.details as { source?: string }).source === 'consultation_audit_trigger');
    const audits = rows.filter((a) => (a.details as { event?: string }).event && a.userId === p.id);
    // confirm, start, end by the practitioner; the test's own direct update is logged as 'system'
    expect(diffs.filter((d) => d.userId === p.id && d.userRole === 'PRACTITIONER')).toHaveLength(3);
    expect(diffs.filter((d) => d.userId === 'system')).toHaveLength(1);
    expect(JSON.stringify(diffs)).not.toMatch(/cancel_reason|room_password|"notes"/);
    expect(audits.map((a) => (a.details as { event: string }).event).sort()).toEqual(['CONSULTATION_CONFIRM', 'CONSULTATION_END', 'CONSULTATION_START']);
    expect((await t.db.practitioner.findUniqueOrThrow({ where: { id: p.practitionerId! } })).totalConsultations).toBe(1);

    // terminal: nothing else
    for (const action of ['confirm', 'start', 'end', 'cancel']) {
      const r = await t.http.put(`/api/consultations/${c.id}/${action}`).set(as(action === 'cancel' ? e : p)).send({});
      expect([r.status, r.body.error.code], action).toEqual([400, 'INVALID_STATE_TRANSITION']);
    }
  });

  it('start is refused earlier than 15 min before; no-show only after the start time', async () => {
    const p = await createOpenPractitioner(t.db);
    const [e] = await employeesOf(t.db, 1);
    const later = await insertConsultation(t.db, e, p, { start: new Date(Date.now() + 3 * 3600_000) });
    expect((await t.http.put(`/api/consultations/${later.id}/start`).set(as(p))).body.error.code).toBe('TOO_EARLY_TO_START');
    expect((await t.http.post(`/api/consultations/${later.id}/no-show`).set(as(p)).send({})).body.error.code).toBe('TOO_EARLY_FOR_NO_SHOW');
    const past = await insertConsultation(t.db, e, p, { start: new Date(Date.now() - 20 * MIN) });
    const ns = await t.http.post(`/api/consultations/${past.id}/no-show`).set(as(p)).send({ absentParty: 'employee' });
    expect(ns.status).toBe(200);
    expect(ns.body.consultation).toMatchObject({ status: 'NO_SHOW', noShowBy: 'employee' });
    expect((await t.http.post(`/api/consultations/${past.id}/no-show`).set(as(p)).send({ absentParty: 'nobody' })).status).toBe(400);
  });

  it('cancel: inside 24 h needs confirmation (409), then records the flag; reason visible to participants only', async () => {
    const p = await createOpenPractitioner(t.db);
    const [e] = await employeesOf(t.db, 1);
    const soon = await insertConsultation(t.db, e, p, { start: new Date(Date.now() + 5 * 3600_000) });
    const warn = await t.http.put(`/api/consultations/${soon.id}/cancel`).set(as(e)).send({ reason: 'empêchement' });
    expect([warn.status, warn.body.error.code]).toEqual([409, 'LATE_CANCELLATION_CONFIRMATION_REQUIRED']);
    const ok = await t.http.put(`/api/consultations/${soon.id}/cancel`).set(as(e)).send({ reason: 'empêchement', confirmLateCancellation: true });
    expect(ok.status).toBe(200);
    expect(ok.body.consultation).toMatchObject({ status: 'CANCELLED', cancelledWithin24h: true, cancelledByRole: 'EMPLOYEE', cancelReason: 'empêchement' });
    const again = await t.http.put(`/api/consultations/${soon.id}/cancel`).set(as(p)).send({});
    expect([again.status, again.body.error.code]).toEqual([400, 'INVALID_STATE_TRANSITION']);
    await t.sink.waitForTo(p.email, 'annulée');
    const mail = await t.sink.waitForTo(e.email, 'annulée');
    expect(mail.text).not.toContain('empêchement');
    const audit = await t.db.auditLog.findFirst({ where: { resourceId: soon.id, action: 'CANCEL' } });
    expect(JSON.stringify(audit)).not.toContain('empêchement');

    const far = await insertConsultation(t.db, e, p, { start: slotAt(10) });
    const early = await t.http.put(`/api/consultations/${far.id}/cancel`).set(as(p)).send({});
    expect(early.body.consultation).toMatchObject({ status: 'CANCELLED', cancelledWithin24h: false, cancelledByRole: 'PRACTITIONER' });
    expect((await t.http.put(`/api/consultations/${far.id}/cancel`).set(as(p)).send({ reason: 'x'.repeat(1001) })).status).toBe(400);
  });

  it('room: 403 too early, Jitsi JWT with every documented claim, moderator only for the practitioner; 404 once cancelled; audio gives signaling data', async () => {
    const p = await createOpenPractitioner(t.db);
    const [e] = await employeesOf(t.db, 1);
    const later = await insertConsultation(t.db, e, p, { start: new Date(Date.now() + 3 * 60 * MIN) });
    const early = await t.http.get(`/api/consultations/${later.id}/room`).set(as(e));
    expect([early.status, early.body.error.code]).toEqual([403, 'TOO_EARLY_TO_JOIN']);

    const start = new Date(Date.now() + 10 * MIN);
    const c = await insertConsultation(t.db, e, p, { start });
    for (const [user, moderator] of [[p, true], [e, false]] as const) {
      const res = await t.http.get(`/api/consultations/${c.id}/room`).set(as(user));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ format: 'VIDEO', roomName: c.roomName, domain: 'meet.huntzen.care', moderator });
      const claims = jwt.verify(res.body.jwt, TEST_SECRETS.JITSI_SECRET, { algorithms: ['HS256'], audience: 'jitsi', issuer: 'huntzen_app' }) as jwt.JwtPayload;
      expect(claims).toMatchObject({ aud: 'jitsi', iss: 'huntzen_app', sub: 'meet.huntzen.care', room: c.roomName, moderator });
      expect(claims.context.user).toMatchObject({ id: user.id, moderator });
      expect(claims.context.user.name).toBe(moderator ? `Dr. Paul ${p.email.split('@')[0].replace('practitioner.', 'Practitioner-')}` : `Emma ${e.email.split('@')[0].replace('employee.', 'Employee-')}`);
      expect(claims.exp).toBe(Math.floor((start.getTime() + 50 * MIN + 15 * MIN) / 1000));
      expect(claims.nbf).toBe(Math.floor((start.getTime() - 15 * MIN) / 1000));
      expect(new Date(res.body.expiresAt).getTime()).toBe(start.getTime() + 65 * MIN);
    }
    const stranger = (await employeesOf(t.db, 1))[0];
    expect((await t.http.get(`/api/consultations/${c.id}/room`).set(as(stranger))).status).toBe(404);
    expect(await t.db.consultation.count({ where: { id: c.id, NOT: { roomName: c.roomName } } })).toBe(0); // token never stored, name unchanged

    const p2 = await createOpenPractitioner(t.db);
    const [e2] = await employeesOf(t.db, 1);
    const audio = await insertConsultation(t.db, e2, p2, { start: new Date(Date.now() + 5 * MIN), format: 'AUDIO' });
    const a = await t.http.get(`/api/consultations/${audio.id}/room`).set(as(e2));
    expect(a.body).toMatchObject({ format: 'AUDIO', jwt: null, signaling: { namespace: '/audio-call', consultationId: audio.id } });
    expect(a.body.iceServers[0].urls[0]).toMatch(/^stun:/);

    await t.http.put(`/api/consultations/${c.id}/cancel`).set(as(e)).send({ confirmLateCancellation: true });
    expect((await t.http.get(`/api/consultations/${c.id}/room`).set(as(e))).status).toBe(404);
  });

  it('room: an overrunning IN_PROGRESS session still gets a live Jitsi token, bounded by started_at + 4 h; closed once completed', async () => {
    const verify = (token: string) => jwt.verify(token, TEST_SECRETS.JITSI_SECRET, { algorithms: ['HS256'], audience: 'jitsi', issuer: 'huntzen_app' }) as jwt.JwtPayload;
    const overrun = async (startedMinutesAgo: number) => {
      const p = await createOpenPractitioner(t.db);
      const [e] = await employeesOf(t.db, 1);
      const start = new Date(Date.now() - startedMinutesAgo * MIN);
      // planned end + 15 min is in the past: 50 min session
      const c = await insertConsultation(t.db, e, p, { start, status: 'IN_PROGRESS', startedAt: start });
      return { p, e, c, start };
    };

    const { p, e, c } = await overrun(90);
    for (const [user, moderator] of [[p, true], [e, false]] as const) {
      const before = Date.now();
      const res = await t.http.get(`/api/consultations/${c.id}/room`).set(as(user));
      expect(res.status).toBe(200);
      const claims = verify(res.body.jwt); // verify() also rejects an expired token
      expect(claims).toMatchObject({ aud: 'jitsi', iss: 'huntzen_app', sub: 'meet.huntzen.care', room: c.roomName, moderator });
      expect(claims.context.user).toMatchObject({ id: user.id, moderator });
      expect(claims.exp! * 1000).toBeGreaterThanOrEqual(Math.floor((before + 30 * MIN) / 1000) * 1000);
      expect(claims.exp! * 1000).toBeLessThanOrEqual(Date.now() + 30 * MIN);
      expect(Math.floor(new Date(res.body.expiresAt).getTime() / 1000)).toBe(claims.exp);
    }
    expect((await t.http.get(`/api/consultations/${c.id}`).set(as(e))).body.canJoin).toBe(true);

    // 3 h 50 min after the start: the token stops at started_at + 4 h, not now + 30 min
    const nearCap = await overrun(230);
    const capped = await t.http.get(`/api/consultations/${nearCap.c.id}/room`).set(as(nearCap.e));
    expect(capped.status).toBe(200);
    expect(verify(capped.body.jwt).exp).toBe(Math.floor((nearCap.start.getTime() + 240 * MIN) / 1000));

    // past the cap the room is closed, as it is once the session is completed
    const stale = await overrun(250);
    const closed = await t.http.get(`/api/consultations/${stale.c.id}/room`).set(as(stale.p));
    expect([closed.status, closed.body.error.code]).toEqual([403, 'ROOM_CLOSED']);
    await t.db.consultation.update({ where: { id: c.id }, data: { status: 'COMPLETED', endedAt: new Date() } });
    const done = await t.http.get(`/api/consultations/${c.id}/room`).set(as(e));
    expect([done.status, done.body.error.code]).toEqual([403, 'ROOM_CLOSED']);
  });

  it('reads are for participants only: another employee or practitioner 404, HR and admins 403 on every route', async () => {
    const p = await createOpenPractitioner(t.db);
    const [e, other] = await employeesOf(t.db, 2);
    const c = await insertConsultation(t.db, e, p, { start: slotAt(12) });
    const detail = await t.http.get(`/api/consultations/${c.id}`).set(as(e));
    expect(detail.status).toBe(200);
    expect(detail.body.employee.companyName).toBeNull();
    const forPractitioner = await t.http.get(`/api/consultations/${c.id}`).set(as(p));
    expect(forPractitioner.body.employee).toMatchObject({ firstName: 'Emma' });
    expect(Object.keys(forPractitioner.body.employee).sort()).toEqual(['companyName', 'firstName', 'id', 'lastName']);
    expect((await t.http.get(`/api/consultations/${c.id}`).set(as(other))).status).toBe(404);
    const otherP = await createOpenPractitioner(t.db);
    expect((await t.http.get(`/api/consultations/${c.id}`).set(as(otherP))).status).toBe(404);
    expect((await t.http.put(`/api/consultations/${c.id}/cancel`).set(as(other)).send({})).status).toBe(404);
    for (const role of [Role.ADMIN_RH, Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN]) {
      const admin = await createUser(t.db, role, role === Role.ADMIN_RH ? { company: { id: e.companyId!, domain: 'x.test' } } : {});
      for (const path of [`/api/consultations/${c.id}`, '/api/consultations/mine', '/api/consultations/history', `/api/consultations/${c.id}/room`]) {
        expect((await t.http.get(path).set(as(admin))).status, `${role} ${path}`).toBe(403);
      }
    }
    expect((await t.http.get('/api/consultations/not-a-uuid').set(as(e))).status).toBe(400);

    const mine = await t.http.get('/api/consultations/mine').set(as(e));
    expect(mine.body).toMatchObject({ total: 1, page: 1 });
    const upcoming = await t.http.get('/api/consultations/upcoming').set(as(p));
    expect(upcoming.body.consultations.map((x: { id: string }) => x.id)).toEqual([c.id]);
    expect(upcoming.body.consultations[0].employee.companyName).toBeTruthy();
    expect((await t.http.get('/api/consultations/mine?status=NOPE').set(as(e))).status).toBe(400);
    expect((await t.http.get('/api/consultations/mine?status=CANCELLED').set(as(e))).body.total).toBe(0);
    expect((await t.http.get('/api/consultations/upcoming').set(as(e))).status).toBe(403);
  });

  it('every action by a non-participant of the right role answers 404 and changes nothing', async () => {
    const p = await createOpenPractitioner(t.db);
    const [e] = await employeesOf(t.db, 1);
    const c = await insertConsultation(t.db, e, p, { start: new Date(Date.now() - 5 * MIN) });
    const otherP = await createOpenPractitioner(t.db);
    const otherE = (await employeesOf(t.db, 1))[0];
    const calls: [string, string, typeof p, object?][] = [
      ['put', 'confirm', otherP], ['put', 'start', otherP], ['put', 'end', otherP], ['post', 'no-show', otherP, {}],
      ['put', 'cancel', otherP, {}], ['put', 'cancel', otherE, { confirmLateCancellation: true }],
      ['put', 'reschedule', otherE, { scheduledAt: slotAt(20).toISOString() }], ['post', 'events', otherE, { event: 'ROOM_JOINED' }],
      ['get', 'room', otherP], ['get', 'room', otherE],
    ];
    for (const [method, action, user, body] of calls) {
      const req = t.http[method as 'put'](`/api/consultations/${c.id}/${action}`).set(as(user));
      const res = body ? await req.send(body) : await req;
      expect([res.status, res.body.error?.code], `${action} as ${user.role}`).toEqual([404, 'NOT_FOUND']);
    }
    const row = await t.db.consultation.findUniqueOrThrow({ where: { id: c.id }, include: { events: true } });
    expect(row.status).toBe('SCHEDULED');
    expect(row.events).toHaveLength(0);
  });

  it('CO12 room events, and ROOM_JOINED/ROOM_LEFT only', async () => {
    const p = await createOpenPractitioner(t.db);
    const [e] = await employeesOf(t.db, 1);
    const c = await insertConsultation(t.db, e, p, { start: new Date(Date.now() + 5 * MIN) });
    const joined = await t.http.post(`/api/consultations/${c.id}/events`).set(as(e)).send({ event: 'ROOM_JOINED' });
    expect(joined.status).toBe(201);
    expect(joined.body.event.eventType).toBe('ROOM_JOINED');
    expect((await t.http.post(`/api/consultations/${c.id}/events`).set(as(e)).send({ event: 'STARTED' })).status).toBe(400);
  });

  it('reschedule (I1): same checks as booking, frees the old slot atomically, needs re-confirmation', async () => {
    const p = await createOpenPractitioner(t.db);
    const [e, f] = await employeesOf(t.db, 2);
    const booked = await t.http.post('/api/consultations').set(as(e)).send({ practitionerId: p.practitionerId, scheduledAt: slotAt(14).toISOString(), format: 'VIDEO' });
    const id = booked.body.consultation.id;
    await t.http.put(`/api/consultations/${id}/confirm`).set(as(p));
    const taken = await t.http.post('/api/consultations').set(as(f)).send({ practitionerId: p.practitionerId, scheduledAt: slotAt(14, 12).toISOString(), format: 'VIDEO' });
    expect(taken.status).toBe(201);

    const conflict = await t.http.put(`/api/consultations/${id}/reschedule`).set(as(e)).send({ scheduledAt: slotAt(14, 12).toISOString() });
    expect([conflict.status, conflict.body.error.code]).toEqual([409, 'SLOT_UNAVAILABLE']);
    const off = await t.http.put(`/api/consultations/${id}/reschedule`).set(as(e)).send({ scheduledAt: slotAt(14, 21).toISOString() });
    expect(off.body.error.code).toBe('OUTSIDE_AVAILABILITY');
    const moved = await t.http.put(`/api/consultations/${id}/reschedule`).set(as(e)).send({ scheduledAt: slotAt(15, 9).toISOString() });
    expect(moved.status).toBe(200);
    expect(moved.body.consultation.status).toBe('SCHEDULED');
    expect(new Date(moved.body.consultation.scheduledAt).getTime()).toBe(slotAt(15, 9).getTime());
    // the old time is free again
    expect((await t.http.post('/api/consultations').set(as(f)).send({ practitionerId: p.practitionerId, scheduledAt: slotAt(14).toISOString(), format: 'AUDIO' })).status).toBe(201);
    await t.sink.waitForTo(p.email, 'déplacée'); // calendar invitations: test/consultations/calendar-invites.e2e-spec.ts
  });
});
