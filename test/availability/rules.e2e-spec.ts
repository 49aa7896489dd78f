import { AuditAction, Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { bearer, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';
import { addRule, createPractitioner, fields, localDate, usersByRole } from '../practitioners/practitioner-fixtures.js';

describe('AV1–AV5 availability rules and exceptions (US-3.2)', () => {
  let t: TestContext;
  let users: Map<Role, TestUser>;
  beforeAll(async () => {
    t = await startTestApp();
    users = await usersByRole(t.db);
  });
  afterAll(() => t?.close());

  const as = (u: TestUser) => bearer(signAccessToken(u));

  async function practitioner() {
    const p = await createPractitioner(t.db);
    return { p, h: as(p) };
  }

  describe('AV2 POST /api/availability', () => {
    it('creates a recurring rule (slotDuration defaults to 50) and audits it', async () => {
      const { p, h } = await practitioner();
      const res = await t.http.post('/api/availability').set(h).send({ dayOfWeek: 1, startTime: '09:00', endTime: '12:00' });
      expect(res.status).toBe(201);
      expect(res.body.availability).toMatchObject({ type: 'RECURRING', dayOfWeek: 1, startTime: '09:00', endTime: '12:00', slotDuration: 50, isActive: true });
      const row = await t.db.availability.findUniqueOrThrow({ where: { id: res.body.availability.id } });
      expect(row.practitionerId).toBe(p.practitionerId);
      const audit = await t.db.auditLog.findFirstOrThrow({ where: { resourceId: row.id } });
      expect(audit).toMatchObject({ action: AuditAction.CREATE, resource: 'availability', userId: p.id, details: { event: 'AVAILABILITY_RULE_CREATED' } });
    });

    it('uses the practitioner default duration when slotDuration is omitted', async () => {
      const { p, h } = await practitioner();
      await t.db.practitioner.update({ where: { id: p.practitionerId! }, data: { defaultDuration: 45 } });
      const res = await t.http.post('/api/availability').set(h).send({ dayOfWeek: 2, startTime: '14:00', endTime: '18:00' });
      expect(res.body.availability.slotDuration).toBe(45);
    });

    it.each([
      [{ dayOfWeek: 7, startTime: '09:00', endTime: '12:00' }, 'dayOfWeek'],
      [{ dayOfWeek: -1, startTime: '09:00', endTime: '12:00' }, 'dayOfWeek'],
      [{ dayOfWeek: '1', startTime: '09:00', endTime: '12:00' }, 'dayOfWeek'],
      [{ dayOfWeek: 1, startTime: '9:00', endTime: '12:00' }, 'startTime'],
      [{ dayOfWeek: 1, startTime: '09:00', endTime: '24:00' }, 'endTime'],
      [{ dayOfWeek: 1, startTime: '12:00', endTime: '09:00' }, 'endTime'],
      [{ dayOfWeek: 1, startTime: '09:00', endTime: '09:00' }, 'endTime'],
      [{ dayOfWeek: 1, startTime: '09:00', endTime: '09:30', slotDuration: 50 }, 'endTime'],
      [{ dayOfWeek: 1, startTime: '09:00', endTime: '12:00', slotDuration: 10 }, 'slotDuration'],
      [{ dayOfWeek: 1, startTime: '09:00', endTime: '12:00', slotDuration: 181 }, 'slotDuration'],
      [{ dayOfWeek: 1, startTime: '09:00', endTime: '12:00', type: 'EXCEPTION' }, 'type'],
      [{ dayOfWeek: 1, startTime: '09:00', endTime: '12:00', practitionerId: randomUUID() }, 'practitionerId'],
      [{ startTime: '09:00', endTime: '12:00' }, 'dayOfWeek'],
    ])('rejects %j with 400 on %s', async (body, field) => {
      const { h } = await practitioner();
      const res = await t.http.post('/api/availability').set(h).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(fields(res.body)).toContain(field);
    });

    it('refuses a rule overlapping an active rule of the same day (409), allows adjacent and other days', async () => {
      const { h } = await practitioner();
      expect((await t.http.post('/api/availability').set(h).send({ dayOfWeek: 3, startTime: '09:00', endTime: '12:00' })).status).toBe(201);
      const clash = await t.http.post('/api/availability').set(h).send({ dayOfWeek: 3, startTime: '11:00', endTime: '13:00' });
      expect(clash.status).toBe(409);
      expect(clash.body.error.code).toBe('AVAILABILITY_OVERLAP');
      const inside = await t.http.post('/api/availability').set(h).send({ dayOfWeek: 3, startTime: '10:00', endTime: '11:00' });
      expect(inside.status).toBe(409);
      expect((await t.http.post('/api/availability').set(h).send({ dayOfWeek: 3, startTime: '12:00', endTime: '14:00' })).status).toBe(201);
      expect((await t.http.post('/api/availability').set(h).send({ dayOfWeek: 4, startTime: '09:00', endTime: '12:00' })).status).toBe(201);
    });

    it('does not let two concurrent overlapping creations both succeed', async () => {
      const { h } = await practitioner();
      const results = await Promise.all(
        [0, 1, 2, 3].map(() => t.http.post('/api/availability').set(h).send({ dayOfWeek: 5, startTime: '09:00', endTime: '12:00' })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    });
  });

  describe('AV1 GET /api/availability', () => {
    it('lists only my own rules and exceptions', async () => {
      const { p, h } = await practitioner();
      const other = await practitioner();
      await addRule(t.db, p.practitionerId!, 1, '09:00', '12:00');
      await addRule(t.db, other.p.practitionerId!, 1, '09:00', '12:00');
      const date = localDate(10);
      expect((await t.http.post('/api/availability/exception').set(h).send({ date, isAvailable: false, reason: 'Congés' })).status).toBe(201);
      const res = await t.http.get('/api/availability').set(h);
      expect(res.status).toBe(200);
      expect(res.body.recurring).toHaveLength(1);
      expect(res.body.recurring[0]).toMatchObject({ dayOfWeek: 1, startTime: '09:00', endTime: '12:00' });
      expect(res.body.exceptions).toEqual([expect.objectContaining({ date, isAvailable: false, startTime: null, endTime: null, reason: 'Congés', type: 'EXCEPTION' })]);
    });
  });

  describe('AV3 PUT /api/availability/:id', () => {
    it('updates my rule and audits it', async () => {
      const { p, h } = await practitioner();
      const id = await addRule(t.db, p.practitionerId!, 1, '09:00', '12:00');
      const res = await t.http.put(`/api/availability/${id}`).set(h).send({ startTime: '08:00', slotDuration: 45 });
      expect(res.status).toBe(200);
      expect(res.body.availability).toMatchObject({ id, startTime: '08:00', endTime: '12:00', slotDuration: 45 });
      expect(await t.db.auditLog.count({ where: { resourceId: id, action: AuditAction.UPDATE } })).toBe(1);
    });

    it("answers 404 for another practitioner's rule and leaves it unchanged", async () => {
      const { h } = await practitioner();
      const other = await practitioner();
      const id = await addRule(t.db, other.p.practitionerId!, 1, '09:00', '12:00');
      const res = await t.http.put(`/api/availability/${id}`).set(h).send({ startTime: '08:00' });
      expect(res.status).toBe(404);
      expect((await t.db.availability.findUniqueOrThrow({ where: { id } })).startTime).toBe('09:00');
      expect((await t.http.put(`/api/availability/${randomUUID()}`).set(h).send({ startTime: '08:00' })).status).toBe(404);
    });

    it('refuses an update that overlaps another rule (409), validates the merged times and the body', async () => {
      const { p, h } = await practitioner();
      const a = await addRule(t.db, p.practitionerId!, 2, '09:00', '12:00');
      const b = await addRule(t.db, p.practitionerId!, 2, '14:00', '18:00');
      expect((await t.http.put(`/api/availability/${b}`).set(h).send({ startTime: '11:00' })).status).toBe(409);
      // pausing a rule lifts the overlap check
      expect((await t.http.put(`/api/availability/${a}`).set(h).send({ isActive: false })).status).toBe(200);
      expect((await t.http.put(`/api/availability/${b}`).set(h).send({ startTime: '11:00' })).status).toBe(200);
      const merged = await t.http.put(`/api/availability/${b}`).set(h).send({ endTime: '10:00' });
      expect(merged.status).toBe(400);
      expect(fields(merged.body)).toContain('endTime');
      const bad = await t.http.put(`/api/availability/${b}`).set(h).send({ dayOfWeek: 9, startTime: null });
      expect(bad.status).toBe(400);
      expect(fields(bad.body)).toEqual(expect.arrayContaining(['dayOfWeek', 'startTime']));
      const badId = await t.http.put('/api/availability/not-a-uuid').set(h).send({ startTime: '08:00' });
      expect(badId.status).toBe(400);
      expect(fields(badId.body)).toContain('id');
    });

    it('does not edit exceptions (400)', async () => {
      const { h } = await practitioner();
      const created = await t.http.post('/api/availability/exception').set(h).send({ date: localDate(5), isAvailable: false });
      const res = await t.http.put(`/api/availability/${created.body.exception.id}`).set(h).send({ startTime: '08:00' });
      expect(res.status).toBe(400);
    });
  });

  describe('AV4 DELETE /api/availability/:id', () => {
    it('deletes my rule or exception; 404 for another practitioner’s or an unknown id', async () => {
      const { p, h } = await practitioner();
      const other = await practitioner();
      const mine = await addRule(t.db, p.practitionerId!, 1, '09:00', '12:00');
      const theirs = await addRule(t.db, other.p.practitionerId!, 1, '09:00', '12:00');
      const exception = await t.http.post('/api/availability/exception').set(h).send({ date: localDate(3), isAvailable: false });

      const res = await t.http.delete(`/api/availability/${mine}`).set(h);
      expect(res.status).toBe(200);
      expect(res.body.message).toBeTruthy();
      expect(await t.db.availability.findUnique({ where: { id: mine } })).toBeNull();
      expect(await t.db.auditLog.count({ where: { resourceId: mine, action: AuditAction.DELETE } })).toBe(1);
      expect((await t.http.delete(`/api/availability/${exception.body.exception.id}`).set(h)).status).toBe(200);

      expect((await t.http.delete(`/api/availability/${theirs}`).set(h)).status).toBe(404);
      expect(await t.db.availability.findUnique({ where: { id: theirs } })).not.toBeNull();
      expect((await t.http.delete(`/api/availability/${mine}`).set(h)).status).toBe(404);
      expect((await t.http.delete('/api/availability/123').set(h)).status).toBe(400);
    });
  });

  describe('AV5 POST /api/availability/exception', () => {
    it('creates a full day off, a partial block and an extra opening', async () => {
      const { p, h } = await practitioner();
      const date = localDate(7);
      const off = await t.http.post('/api/availability/exception').set(h).send({ date, isAvailable: false, reason: 'Noël' });
      expect(off.status).toBe(201);
      expect(off.body.exception).toMatchObject({ date, isAvailable: false, startTime: null, endTime: null, reason: 'Noël' });
      const partial = await t.http.post('/api/availability/exception').set(h).send({ date, isAvailable: false, startTime: '14:00', endTime: '16:00' });
      expect(partial.status).toBe(201);
      const extra = await t.http.post('/api/availability/exception').set(h).send({ date: localDate(8), isAvailable: true, startTime: '18:00', endTime: '20:00', slotDuration: 30 });
      expect(extra.status).toBe(201);
      expect(extra.body.exception).toMatchObject({ isAvailable: true, startTime: '18:00', endTime: '20:00', slotDuration: 30 });
      const rows = await t.db.availability.findMany({ where: { practitionerId: p.practitionerId!, type: 'EXCEPTION' } });
      expect(rows).toHaveLength(3);
      expect(rows.every((r) => r.date !== null && r.dayOfWeek === null)).toBe(true);
    });

    it.each([
      [{ date: '2026-02-30', isAvailable: false }, 'date'],
      [{ date: '25/12/2026', isAvailable: false }, 'date'],
      [{ isAvailable: false }, 'date'],
      [{ date: '2020-01-01', isAvailable: false }, 'date'],
      [{ date: 'FUTURE', isAvailable: 'no' }, 'isAvailable'],
      [{ date: 'FUTURE' }, 'isAvailable'],
      [{ date: 'FUTURE', isAvailable: false, startTime: '14:00' }, 'endTime'],
      [{ date: 'FUTURE', isAvailable: false, endTime: '14:00' }, 'startTime'],
      [{ date: 'FUTURE', isAvailable: true }, 'startTime'],
      [{ date: 'FUTURE', isAvailable: false, startTime: '16:00', endTime: '14:00' }, 'endTime'],
      [{ date: 'FUTURE', isAvailable: false, reason: 'x'.repeat(201) }, 'reason'],
      [{ date: 'FUTURE', isAvailable: false, dayOfWeek: 1 }, 'dayOfWeek'],
    ])('rejects %j with 400 on %s', async (body, field) => {
      const { h } = await practitioner();
      const payload = { ...body, ...((body as { date?: string }).date === 'FUTURE' ? { date: localDate(4) } : {}) };
      const res = await t.http.post('/api/availability/exception').set(h).send(payload);
      expect(res.status).toBe(400);
      expect(fields(res.body)).toContain(field);
    });
  });

  describe('roles', () => {
    const routes = (): [string, string, object?][] => [
      ['get', '/api/availability'],
      ['post', '/api/availability', { dayOfWeek: 1, startTime: '09:00', endTime: '12:00' }],
      ['put', `/api/availability/${randomUUID()}`, { startTime: '08:00' }],
      ['delete', `/api/availability/${randomUUID()}`],
      ['post', '/api/availability/exception', { date: localDate(3), isAvailable: false }],
    ];

    it('answers 401 without a token', async () => {
      for (const [method, url, body] of routes()) {
        const res = await t.http[method as 'post'](url).send(body ?? {});
        expect(res.status, `${method} ${url}`).toBe(401);
      }
    });

    it.each([Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN, Role.ADMIN_RH, Role.EMPLOYEE])('answers 403 to %s on every rule route', async (role) => {
      for (const [method, url, body] of routes()) {
        const res = await t.http[method as 'post'](url).set(as(users.get(role)!)).send(body ?? {});
        expect(res.status, `${method} ${url}`).toBe(403);
        expect(res.body.error.code).toBe('FORBIDDEN');
      }
    });
  });
});
