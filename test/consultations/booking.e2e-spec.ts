import { Role } from '@prisma/client';
import { bearer, createUser, login, signAccessToken } from '../helpers/fixtures.js';
import { nextEvent, connectSocket } from '../helpers/sockets.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';
import { createOpenPractitioner, employeesOf, slotAt } from './helpers.js';

describe('CO1 booking (US-4.1)', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('books a free slot: 201, SCHEDULED, room name once, events, reminders, mails without health details, in-app notifications', async () => {
    const practitioner = await createOpenPractitioner(t.db);
    const [employee] = await employeesOf(t.db, 1);
    const start = slotAt(3);
    const socket = await connectSocket(t.wsUrl, '/notifications', signAccessToken(practitioner));
    const pushed = nextEvent(socket, 'notification:new');
    const res = await t.http.post('/api/consultations').set(bearer(signAccessToken(employee))).send({ practitionerId: practitioner.practitionerId, scheduledAt: start.toISOString(), format: 'VIDEO' });
    expect(res.status).toBe(201);
    const c = res.body.consultation;
    expect(c).toMatchObject({ status: 'SCHEDULED', format: 'VIDEO', duration: 50, canCancel: true, canJoin: false, lateCancellation: false });
    expect(new Date(c.scheduledAt).getTime()).toBe(start.getTime());
    expect(new Date(c.scheduledEndAt).getTime()).toBe(start.getTime() + 50 * 60_000);
    expect(c.roomName).toBe(`huntzen-${c.id}-${c.roomName.split('-').at(-1)}`);
    expect(c.practitioner).toMatchObject({ id: practitioner.practitionerId, firstName: 'Paul' });

    const row = await t.db.consultation.findUniqueOrThrow({ where: { id: c.id }, include: { events: true } });
    expect(row.companyId).toBe(employee.companyId);
    expect(row.blockedUntil.getTime()).toBe(start.getTime() + 60 * 60_000);
    expect(row.events.map((e) => e.eventType).sort()).toEqual(['CREATED', 'SCHEDULED']);
    expect(row.events.every((e) => e.actorId === employee.id && e.actorRole === 'EMPLOYEE')).toBe(true);

    const mail = await t.sink.waitForTo(employee.email, 'réservée');
    expect(mail.text).not.toMatch(/Paul|Practitioner|PSYCHOLOGUE|psycholog/i);
    const practitionerMail = await t.sink.waitForTo(practitioner.email, 'Nouvelle demande');
    expect(practitionerMail.text).not.toMatch(/Emma|Employee-/);

    // in-app notification pushed in real time, and listed, without health details
    const push = await pushed;
    socket.close();
    expect(push).toMatchObject({ type: 'CONSULTATION_BOOKED', linkUrl: `/consultations/${c.id}` });
    const notes = await t.http.get('/api/notifications').set(bearer(signAccessToken(practitioner)));
    expect(notes.body.notifications[0]).toMatchObject({ id: push.id, type: 'CONSULTATION_BOOKED', isRead: false });
    expect(notes.body.unreadCount).toBe(1);
    expect(JSON.stringify(notes.body)).not.toMatch(/Emma|Employee-/);
  });

  it('attaches an iCalendar invitation to the employee confirmation when the employee opted in', async () => {
    const practitioner = await createOpenPractitioner(t.db);
    const [employee] = await employeesOf(t.db, 1);
    await t.db.notificationSettings.create({ data: { userId: employee.id, calendarInvites: true } });
    const start = slotAt(4, 11);
    const res = await t.http.post('/api/consultations').set(bearer(signAccessToken(employee))).send({ practitionerId: practitioner.practitionerId, scheduledAt: start.toISOString(), format: 'AUDIO' });
    expect(res.status).toBe(201);
    const mail = await t.sink.waitForTo(employee.email, 'réservée');
    const ics = mail.attachments.find((a) => a.contentType.startsWith('text/calendar'));
    const raw = ics!.content;
    expect(raw).toContain('BEGIN:VCALENDAR');
    expect(raw).toContain(`UID:${res.body.consultation.id}`);
    expect(raw).toContain(`DTSTART:${start.toISOString().replace(/[-:]/g, '').replace('.000', '')}`);
  });

  it('validates the body, the slot and the format', async () => {
    const practitioner = await createOpenPractitioner(t.db);
    const [employee] = await employeesOf(t.db, 1);
    const auth = bearer(signAccessToken(employee));
    const post = (body: object) => t.http.post('/api/consultations').set(auth).send(body);
    const base = { practitionerId: practitioner.practitionerId, scheduledAt: slotAt(5).toISOString(), format: 'VIDEO' };

    const invalid = await post({ practitionerId: 'nope', scheduledAt: 'tomorrow', format: 'CHAT', companyId: employee.companyId });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['practitionerId', 'scheduledAt', 'format', 'companyId']));

    const past = await post({ ...base, scheduledAt: slotAt(-1).toISOString() });
    expect([past.status, past.body.error.code]).toEqual([400, 'SLOT_IN_PAST']);
    const offGrid = await post({ ...base, scheduledAt: new Date(slotAt(5).getTime() + 15 * 60_000).toISOString() });
    expect([offGrid.status, offGrid.body.error.code]).toEqual([400, 'OUTSIDE_AVAILABILITY']);
    const night = await post({ ...base, scheduledAt: slotAt(5, 22).toISOString() });
    expect([night.status, night.body.error.code]).toEqual([400, 'OUTSIDE_AVAILABILITY']);
    const inPerson = await post({ ...base, format: 'IN_PERSON' });
    expect([inPerson.status, inPerson.body.error.code]).toEqual([400, 'FORMAT_NOT_OFFERED']);
    const duration = await post({ ...base, duration: 30 });
    expect([duration.status, duration.body.error.code]).toEqual([400, 'DURATION_MISMATCH']);
    const tooFar = await post({ ...base, scheduledAt: slotAt(120).toISOString() });
    expect([tooFar.status, tooFar.body.error.code]).toEqual([400, 'SLOT_TOO_FAR']);
    const unknown = await post({ ...base, practitionerId: '3f1c7c2e-1d2b-4b5a-9c3d-000000000000' });
    expect(unknown.status).toBe(404);

    const unvalidated = await createOpenPractitioner(t.db);
    await t.db.practitioner.update({ where: { id: unvalidated.practitionerId! }, data: { isValidated: false } });
    expect((await post({ ...base, practitionerId: unvalidated.practitionerId })).status).toBe(404);
  });

  it('refuses a taken slot (409), the same employee twice at once (409), and frees a cancelled slot', async () => {
    const practitioner = await createOpenPractitioner(t.db);
    const [a, b] = await employeesOf(t.db, 2);
    const start = slotAt(6);
    const body = { practitionerId: practitioner.practitionerId, scheduledAt: start.toISOString(), format: 'VIDEO' };
    const first = await t.http.post('/api/consultations').set(bearer(signAccessToken(a))).send(body);
    expect(first.status).toBe(201);
    const second = await t.http.post('/api/consultations').set(bearer(signAccessToken(b))).send(body);
    expect([second.status, second.body.error.code]).toEqual([409, 'SLOT_UNAVAILABLE']);

    // the same employee cannot hold two overlapping consultations, even with two practitioners
    const other = await createOpenPractitioner(t.db);
    const clash = await t.http.post('/api/consultations').set(bearer(signAccessToken(a))).send({ ...body, practitionerId: other.practitionerId });
    expect([clash.status, clash.body.error.code]).toEqual([409, 'EMPLOYEE_SLOT_CONFLICT']);

    const cancel = await t.http.put(`/api/consultations/${first.body.consultation.id}/cancel`).set(bearer(signAccessToken(a))).send({ reason: 'indisponible' });
    expect(cancel.status).toBe(200);
    expect((await t.http.post('/api/consultations').set(bearer(signAccessToken(b))).send(body)).status).toBe(201);
  });

  it('50 concurrent bookings of one slot by 50 employees: exactly one 201, 49 × 409, one row', async () => {
    const practitioner = await createOpenPractitioner(t.db);
    const employees = await employeesOf(t.db, 50);
    const start = slotAt(7, 14);
    const body = { practitionerId: practitioner.practitionerId, scheduledAt: start.toISOString(), format: 'AUDIO' };
    const results = await Promise.all(employees.map((e) => t.http.post('/api/consultations').set(bearer(signAccessToken(e))).send(body)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409), `other answers: ${JSON.stringify(results.filter((r) => r.status !== 409 && r.status !== 201).map((r) => [r.status, r.body?.error?.code]))}`).toHaveLength(49);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'SLOT_UNAVAILABLE')).toBe(true);
    expect(await t.db.consultation.count({ where: { practitionerId: practitioner.practitionerId!, scheduledAt: start, status: { not: 'CANCELLED' } } })).toBe(1);
  });

  it('Idempotency-Key: a retried request returns the first consultation, concurrently too; no second row', async () => {
    const practitioner = await createOpenPractitioner(t.db);
    const [employee] = await employeesOf(t.db, 1);
    const auth = bearer(signAccessToken(employee));
    const body = { practitionerId: practitioner.practitionerId, scheduledAt: slotAt(8).toISOString(), format: 'VIDEO' };
    const key = `booking-${Date.now()}`;
    const [r1, r2] = await Promise.all([1, 2].map(() => t.http.post('/api/consultations').set(auth).set('Idempotency-Key', key).send(body)));
    expect([r1.status, r2.status]).toEqual([201, 201]);
    expect(r1.body.consultation.id).toBe(r2.body.consultation.id);
    const r3 = await t.http.post('/api/consultations').set(auth).set('Idempotency-Key', key).send(body);
    expect(r3.status).toBe(201);
    expect(r3.headers['idempotent-replayed']).toBe('true');
    expect(r3.body.consultation.id).toBe(r1.body.consultation.id);
    expect(await t.db.consultation.count({ where: { employeeId: employee.employeeId! } })).toBe(1);
    expect((await t.http.post('/api/consultations').set(auth).set('Idempotency-Key', 'bad key!').send(body)).status).toBe(400);
  });

  it('Idempotency-Key reused with another request → 422 IDEMPOTENCY_KEY_MISMATCH, concurrently too; the same request still replays', async () => {
    const practitioner = await createOpenPractitioner(t.db);
    const [employee] = await employeesOf(t.db, 1);
    const auth = bearer(signAccessToken(employee));
    const body = { practitionerId: practitioner.practitionerId, scheduledAt: slotAt(10).toISOString(), format: 'VIDEO' };
    const key = `mismatch-${Date.now()}`;
    const first = await t.http.post('/api/consultations').set(auth).set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(201);

    const other = { ...body, scheduledAt: slotAt(10, 14).toISOString() };
    for (const changed of [other, { ...body, format: 'AUDIO' }, { ...body, duration: 50 }]) {
      const res = await t.http.post('/api/consultations').set(auth).set('Idempotency-Key', key).send(changed);
      expect([res.status, res.body.error?.code], JSON.stringify(changed)).toEqual([422, 'IDEMPOTENCY_KEY_MISMATCH']);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
    }
    // the same request, written differently (upper-case uuid, another ISO form of the same instant), replays
    const same = { ...body, practitionerId: body.practitionerId!.toUpperCase(), scheduledAt: body.scheduledAt.replace('.000Z', 'Z') };
    const replay = await t.http.post('/api/consultations').set(auth).set('Idempotency-Key', key).send(same);
    expect([replay.status, replay.headers['idempotent-replayed'], replay.body.consultation?.id]).toEqual([201, 'true', first.body.consultation.id]);
    expect(JSON.stringify(replay.body)).not.toMatch(/fingerprint/i);

    // two different requests racing on one fresh key: one books, the other is refused (not handed the booking)
    const raceKey = `race-${Date.now()}`;
    const racing = await Promise.all([other, { ...other, scheduledAt: slotAt(10, 16).toISOString() }].map((b) => t.http.post('/api/consultations').set(auth).set('Idempotency-Key', raceKey).send(b)));
    expect(racing.map((r) => r.status).sort()).toEqual([201, 422]);
    expect(await t.db.consultation.count({ where: { employeeId: employee.employeeId! } })).toBe(2);
  });

  it('is for employees only (403 for every other role, 401 anonymous) and refuses a suspended company', async () => {
    const practitioner = await createOpenPractitioner(t.db);
    const body = { practitionerId: practitioner.practitionerId, scheduledAt: slotAt(9).toISOString(), format: 'VIDEO' };
    for (const role of [Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN, Role.ADMIN_RH, Role.PRACTITIONER]) {
      const u = await createUser(t.db, role);
      expect((await t.http.post('/api/consultations').set(bearer(signAccessToken(u))).send(body)).status, role).toBe(403);
    }
    expect((await t.http.post('/api/consultations').send(body)).status).toBe(401);
    const [employee] = await employeesOf(t.db, 1);
    const session = await login(t.http, employee);
    await t.db.company.update({ where: { id: employee.companyId! }, data: { isActive: false } });
    const res = await t.http.post('/api/consultations').set(bearer(session.accessToken)).send(body);
    expect([res.status, res.body.error.code]).toEqual([403, 'COMPANY_INACTIVE']);
  });
});
