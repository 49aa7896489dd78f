import { ConsultationStatus, Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { bearer, createUser, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';
import { addRule, addRulesEveryDay, at, createPractitioner, fields, insertConsultation, nextWeekday, usersByRole } from '../practitioners/practitioner-fixtures.js';

interface SlotBody {
  startTime: string;
  endTime: string;
  localDate: string;
  localStartTime: string;
  localEndTime: string;
  available: boolean;
}

describe('AV6 GET /api/availability/slots (SPEC §6.1)', () => {
  let t: TestContext;
  let users: Map<Role, TestUser>;
  let employee: TestUser;
  beforeAll(async () => {
    t = await startTestApp();
    users = await usersByRole(t.db);
    employee = users.get(Role.EMPLOYEE)!;
  });
  afterAll(() => t?.close());

  const as = (u: TestUser) => bearer(signAccessToken(u));
  const slotsAsEmployee = (practitionerId: string, query: Record<string, string>) =>
    t.http.get('/api/availability/slots').query({ practitionerId, ...query }).set(as(employee));
  const view = (slots: SlotBody[]) => slots.map((s) => `${s.localStartTime}${s.available ? '' : '×'}`);

  it('keeps local hours across the end of DST in Europe/Paris (week of 2026-10-25) and shifts UTC by one hour', async () => {
    const p = await createPractitioner(t.db);
    await addRulesEveryDay(t.db, p.practitionerId!, '09:00', '11:00');
    const res = await t.http.get('/api/availability/slots').query({ startDate: '2026-10-19', endDate: '2026-10-26' }).set(as(p));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ practitionerId: p.practitionerId, timezone: 'Europe/Paris', from: '2026-10-19', to: '2026-10-26' });
    const slots = res.body.slots as SlotBody[];
    expect(slots).toHaveLength(16); // 8 days × (09:00, 10:00)
    expect(slots.filter((s) => s.localStartTime === '09:00').map((s) => [s.localDate, s.startTime])).toEqual([
      ['2026-10-19', '2026-10-19T07:00:00.000Z'],
      ['2026-10-20', '2026-10-20T07:00:00.000Z'],
      ['2026-10-21', '2026-10-21T07:00:00.000Z'],
      ['2026-10-22', '2026-10-22T07:00:00.000Z'],
      ['2026-10-23', '2026-10-23T07:00:00.000Z'],
      ['2026-10-24', '2026-10-24T07:00:00.000Z'],
      ['2026-10-25', '2026-10-25T08:00:00.000Z'], // Sunday: CET from 03:00 local
      ['2026-10-26', '2026-10-26T08:00:00.000Z'],
    ]);
    expect(slots.every((s) => s.localEndTime === (s.localStartTime === '09:00' ? '09:50' : '10:50'))).toBe(true);
    expect(slots.every((s) => new Date(s.endTime).getTime() - new Date(s.startTime).getTime() === 50 * 60_000)).toBe(true);
    // past slots are never bookable
    expect(slots.every((s) => !s.available)).toBe(true);
  });

  it('removes an exception day, and a partial exception only removes the overlapping slots', async () => {
    const p = await createPractitioner(t.db);
    const h = as(p);
    await addRule(t.db, p.practitionerId!, 2, '09:00', '12:00'); // Tuesdays
    const day = nextWeekday(2);
    const weekLater = nextWeekday(2, 9);
    const dayAfter = nextWeekday(2, 16);
    expect((await t.http.post('/api/availability/exception').set(h).send({ date: day, isAvailable: false, reason: 'Congés' })).status).toBe(201);
    expect((await t.http.post('/api/availability/exception').set(h).send({ date: weekLater, isAvailable: false, startTime: '10:00', endTime: '10:30' })).status).toBe(201);
    expect((await t.http.post('/api/availability/exception').set(h).send({ date: dayAfter, isAvailable: true, startTime: '14:00', endTime: '15:00' })).status).toBe(201);

    const off = await slotsAsEmployee(p.practitionerId!, { date: day });
    expect(off.status).toBe(200);
    expect(off.body.slots).toEqual([]);
    const partial = await slotsAsEmployee(p.practitionerId!, { date: weekLater });
    expect(view(partial.body.slots)).toEqual(['09:00', '11:00']);
    const extra = await slotsAsEmployee(p.practitionerId!, { date: dayAfter });
    expect(view(extra.body.slots)).toEqual(['09:00', '10:00', '11:00', '14:00']);
  });

  it('marks a partially booked day: the booked slot and the slot eaten by the buffer are unavailable; cancelled ones free it', async () => {
    const p = await createPractitioner(t.db);
    await addRule(t.db, p.practitionerId!, 3, '09:00', '13:00'); // Wednesdays: 09:00, 10:00, 11:00, 12:00
    const day = nextWeekday(3);
    const other = await createUser(t.db, Role.EMPLOYEE);
    // 10:05–10:55, blocked until 11:05 by the 10-minute buffer: 10:00 overlaps it, 11:00 only the buffer
    await insertConsultation(t.db, { practitionerId: p.practitionerId!, employee: other, start: at(day, '10:05'), buffer: 10 });
    // a cancelled consultation at 12:00 frees its slot
    await insertConsultation(t.db, { practitionerId: p.practitionerId!, employee: other, start: at(day, '12:00'), status: ConsultationStatus.CANCELLED });
    const res = await slotsAsEmployee(p.practitionerId!, { date: day });
    expect(res.status).toBe(200);
    expect(view(res.body.slots)).toEqual(['09:00', '10:00×', '11:00×', '12:00']);
    // the answer says nothing about who booked
    expect(JSON.stringify(res.body)).not.toMatch(new RegExp(`${other.employeeId}|${other.id}|consultation`, 'i'));
  });

  it('steps slots by duration + the practitioner buffer, and a slot whose own buffer would overlap a booking is taken', async () => {
    const p = await createPractitioner(t.db, { bufferTime: 15 });
    await addRule(t.db, p.practitionerId!, 4, '09:00', '12:30', 45);
    const day = nextWeekday(4);
    const free = await slotsAsEmployee(p.practitionerId!, { date: day });
    expect(view(free.body.slots)).toEqual(['09:00', '10:00', '11:00']);
    expect(free.body.slots[0].localEndTime).toBe('09:45');
    // booked 10:50–11:00 (no buffer): the 10:00 slot ends at 10:45 but would block until 11:00
    await insertConsultation(t.db, { practitionerId: p.practitionerId!, employee: await createUser(t.db, Role.EMPLOYEE), start: at(day, '10:50'), minutes: 10, buffer: 0 });
    const res = await slotsAsEmployee(p.practitionerId!, { date: day });
    expect(view(res.body.slots)).toEqual(['09:00', '10:00×', '11:00']);
  });

  it('accepts the three period forms with the same answer and refuses more than 31 days', async () => {
    const p = await createPractitioner(t.db);
    await addRulesEveryDay(t.db, p.practitionerId!, '09:00', '10:00');
    const start = nextWeekday(1);
    const end = nextWeekday(0, 3); // within the next week or so
    const [a, b] = [start, end].sort();
    const byStart = await slotsAsEmployee(p.practitionerId!, { startDate: a, endDate: b });
    const byFrom = await slotsAsEmployee(p.practitionerId!, { from: a, to: b });
    expect(byStart.status).toBe(200);
    expect(byFrom.body.slots).toEqual(byStart.body.slots);
    const single = await slotsAsEmployee(p.practitionerId!, { date: a });
    expect(single.body.slots).toEqual(byStart.body.slots.filter((s: SlotBody) => s.localDate === a));
    // without a period: 7 days from today
    const dflt = await slotsAsEmployee(p.practitionerId!, {});
    expect(dflt.status).toBe(200);
    expect(new Set(dflt.body.slots.map((s: SlotBody) => s.localDate)).size).toBe(7);

    const ok31 = await slotsAsEmployee(p.practitionerId!, { startDate: '2027-01-01', endDate: '2027-01-31' });
    expect(ok31.status).toBe(200);
    const tooLong = await slotsAsEmployee(p.practitionerId!, { startDate: '2027-01-01', endDate: '2027-02-01' });
    expect(tooLong.status).toBe(400);
    expect(fields(tooLong.body)).toContain('endDate');
    const tooLongFrom = await slotsAsEmployee(p.practitionerId!, { from: '2027-01-01', to: '2027-03-01' });
    expect(tooLongFrom.status).toBe(400);
    expect(fields(tooLongFrom.body)).toContain('to');
  });

  it.each([
    [{ startDate: '2027-01-10', endDate: '2027-01-01' }, 'endDate'],
    [{ startDate: '2027-01-10' }, 'endDate'],
    [{ to: '2027-01-10' }, 'from'],
    [{ date: '2027-01-10', from: '2027-01-10', to: '2027-01-11' }, 'date'],
    [{ date: '2027-02-30' }, 'date'],
    [{ date: 'tomorrow' }, 'date'],
    [{ date: '2027-01-10', extra: '1' }, 'extra'],
  ])('rejects the query %j with 400 on %s', async (query, field) => {
    const p = await createPractitioner(t.db);
    const res = await slotsAsEmployee(p.practitionerId!, query as Record<string, string>);
    expect(res.status).toBe(400);
    expect(fields(res.body)).toContain(field);
  });

  it('requires a valid practitionerId from employees; unlisted practitioners are 404', async () => {
    const missing = await t.http.get('/api/availability/slots').set(as(employee));
    expect(missing.status).toBe(400);
    expect(fields(missing.body)).toContain('practitionerId');
    const malformed = await slotsAsEmployee('nope', {});
    expect(malformed.status).toBe(400);
    expect(fields(malformed.body)).toContain('practitionerId');
    expect((await slotsAsEmployee(randomUUID(), {})).status).toBe(404);
    const pending = await createPractitioner(t.db, { isValidated: false, validatedAt: null });
    expect((await slotsAsEmployee(pending.practitionerId!, {})).status).toBe(404);
    const inactive = await createPractitioner(t.db, { isActive: false });
    expect((await slotsAsEmployee(inactive.practitionerId!, {})).status).toBe(404);
  });

  it('lets a practitioner read its own slots (even unvalidated) but not another practitioner’s (404)', async () => {
    const p = await createPractitioner(t.db, { isValidated: false, validatedAt: null });
    await addRulesEveryDay(t.db, p.practitionerId!, '09:00', '10:00');
    const own = await t.http.get('/api/availability/slots').set(as(p));
    expect(own.status).toBe(200);
    expect(own.body.slots.length).toBeGreaterThanOrEqual(6);
    const explicit = await t.http.get('/api/availability/slots').query({ practitionerId: p.practitionerId }).set(as(p));
    expect(explicit.status).toBe(200);
    const other = await createPractitioner(t.db);
    expect((await t.http.get('/api/availability/slots').query({ practitionerId: other.practitionerId }).set(as(p))).status).toBe(404);
  });

  it('answers 401 without a token and 403 to the other roles', async () => {
    const p = await createPractitioner(t.db);
    expect((await t.http.get('/api/availability/slots').query({ practitionerId: p.practitionerId })).status).toBe(401);
    for (const role of [Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN, Role.ADMIN_RH]) {
      const res = await t.http.get('/api/availability/slots').query({ practitionerId: p.practitionerId }).set(as(users.get(role)!));
      expect(res.status, role).toBe(403);
    }
  });
});
