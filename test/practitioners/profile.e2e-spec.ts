import { AuditAction, Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { bearer, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';
import { addRule, addRulesEveryDay, at, createPractitioner, fields, insertConsultation, nextWeekday, usersByRole } from './practitioner-fixtures.js';

describe('Practitioner profiles: PR5/PR6 own profile, PR10 public profile, PR11 availability', () => {
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
  const otherRoles = (...allowed: Role[]) => Object.values(Role).filter((r) => !allowed.includes(r));

  describe('PR5 GET /api/practitioners/me', () => {
    it('returns my complete profile', async () => {
      const p = await createPractitioner(t.db, { professionalId: `8${String(Date.now()).slice(-8)}` });
      const res = await t.http.get('/api/practitioners/me').set(as(p));
      expect(res.status).toBe(200);
      expect(res.body.practitioner).toMatchObject({ id: p.practitionerId, email: p.email, isValidated: true, timezone: 'Europe/Paris', bufferTime: 10, defaultDuration: 50 });
      expect(res.body.practitioner.professionalId).toMatch(/^8\d{8}$/);
      expect(res.body.practitioner).not.toHaveProperty('userId');
    });

    it('answers 401 without a token and 403 to other roles', async () => {
      expect((await t.http.get('/api/practitioners/me')).status).toBe(401);
      for (const role of otherRoles(Role.PRACTITIONER)) {
        expect((await t.http.get('/api/practitioners/me').set(as(users.get(role)!))).status, role).toBe(403);
      }
    });
  });

  describe('PR6 PUT /api/practitioners/me', () => {
    it('updates the editable fields, normalises the time zone and audits field names only', async () => {
      const p = await createPractitioner(t.db);
      const res = await t.http.put('/api/practitioners/me').set(as(p)).send({
        bio: 'Nouvelle présentation confidentielle',
        subSpecialties: ['EMDR', 'TCC'],
        languages: ['FR', 'de'],
        experience: 8,
        offersInPerson: true,
        inPersonAddress: '3 place Bellecour, Lyon',
        defaultDuration: 45,
        bufferTime: 15,
        timezone: 'america/new_york',
        isAcceptingNewClients: false,
        avatarUrl: `/api/files/${randomUUID()}`,
      });
      expect(res.status).toBe(200);
      expect(res.body.practitioner).toMatchObject({
        bio: 'Nouvelle présentation confidentielle',
        languages: ['fr', 'de'],
        experience: 8,
        offersInPerson: true,
        defaultDuration: 45,
        bufferTime: 15,
        timezone: 'America/New_York',
        isAcceptingNewClients: false,
      });
      const audit = await t.db.auditLog.findFirstOrThrow({ where: { resourceId: p.practitionerId!, action: AuditAction.UPDATE } });
      expect((audit.details as { event: string }).event).toBe('PRACTITIONER_PROFILE_UPDATED');
      expect((audit.details as { fields: string[] }).fields).toEqual(expect.arrayContaining(['bio', 'timezone']));
      expect(JSON.stringify(audit)).not.toContain('confidentielle');

      // clearing a nullable field
      const cleared = await t.http.put('/api/practitioners/me').set(as(p)).send({ experience: null, offersInPerson: false, inPersonAddress: null });
      expect(cleared.status).toBe(200);
      expect(cleared.body.practitioner).toMatchObject({ experience: null, offersInPerson: false, inPersonAddress: null });
    });

    it('requires an address while consultations in person are offered', async () => {
      const p = await createPractitioner(t.db);
      const res = await t.http.put('/api/practitioners/me').set(as(p)).send({ offersInPerson: true });
      expect(res.status).toBe(400);
      expect(fields(res.body)).toContain('inPersonAddress');
      await t.db.practitioner.update({ where: { id: p.practitionerId! }, data: { offersInPerson: true, inPersonAddress: '1 rue A' } });
      const drop = await t.http.put('/api/practitioners/me').set(as(p)).send({ inPersonAddress: null });
      expect(drop.status).toBe(400);
      expect(fields(drop.body)).toContain('inPersonAddress');
    });

    it.each([
      [{ specialty: 'PSYCHIATRE' }, 'specialty'],
      [{ professionalId: '123456789' }, 'professionalId'],
      [{ isValidated: true }, 'isValidated'],
      [{ documentsVerified: true }, 'documentsVerified'],
      [{ averageRating: 5 }, 'averageRating'],
      [{ reviewCount: 99 }, 'reviewCount'],
      [{ timezone: 'Mars/Olympus' }, 'timezone'],
      [{ timezone: '+02:00' }, 'timezone'],
      [{ defaultDuration: 10 }, 'defaultDuration'],
      [{ defaultDuration: 181 }, 'defaultDuration'],
      [{ bufferTime: -1 }, 'bufferTime'],
      [{ bufferTime: 61 }, 'bufferTime'],
      [{ languages: ['english'] }, 'languages'],
      [{ bio: '' }, 'bio'],
      [{ title: null }, 'title'],
      [{ avatarUrl: 'javascript:alert(1)' }, 'avatarUrl'],
      [{ isAcceptingNewClients: 'yes' }, 'isAcceptingNewClients'],
    ])('rejects %j with 400 on %s and changes nothing', async (body, field) => {
      const p = await createPractitioner(t.db);
      const before = await t.db.practitioner.findUniqueOrThrow({ where: { id: p.practitionerId! } });
      const res = await t.http.put('/api/practitioners/me').set(as(p)).send(body);
      expect(res.status).toBe(400);
      expect(fields(res.body)).toContain(field);
      expect((await t.db.practitioner.findUniqueOrThrow({ where: { id: p.practitionerId! } })).updatedAt).toEqual(before.updatedAt);
    });

    it('answers 401 without a token and 403 to other roles', async () => {
      expect((await t.http.put('/api/practitioners/me').send({ bio: 'x' })).status).toBe(401);
      for (const role of otherRoles(Role.PRACTITIONER)) {
        expect((await t.http.put('/api/practitioners/me').set(as(users.get(role)!)).send({ bio: 'x' })).status, role).toBe(403);
      }
    });
  });

  describe('PR10 GET /api/practitioners/:id', () => {
    it('shows employees the public profile with recurring availability and the rating summary, without private fields', async () => {
      const p = await createPractitioner(t.db, { professionalId: `7${String(Date.now()).slice(-8)}`, averageRating: 4.5, reviewCount: 3, offersInPerson: false, inPersonAddress: 'hidden' });
      await addRule(t.db, p.practitionerId!, 1, '09:00', '12:00');
      await addRule(t.db, p.practitionerId!, 3, '14:00', '18:00', 45);
      const res = await t.http.get(`/api/practitioners/${p.practitionerId}`).set(as(employee));
      expect(res.status).toBe(200);
      const profile = res.body.practitioner;
      expect(profile).toMatchObject({ id: p.practitionerId, averageRating: 4.5, reviewCount: 3, inPersonAddress: null, timezone: 'Europe/Paris' });
      expect(profile.availability.recurring).toEqual([
        { dayOfWeek: 1, startTime: '09:00', endTime: '12:00', slotDuration: 50 },
        { dayOfWeek: 3, startTime: '14:00', endTime: '18:00', slotDuration: 45 },
      ]);
      expect(profile.availability.nextAvailableSlot).toEqual(expect.any(String));
      for (const key of ['professionalId', 'validatedBy', 'validatedAt', 'documentsVerified', 'documents', 'email', 'userId', 'isValidated', 'totalConsultations', 'documentUrls']) {
        expect(profile, key).not.toHaveProperty(key);
      }
    });

    it('hides unvalidated and inactive practitioners from employees (404); admins see them with professionalId', async () => {
      const pending = await createPractitioner(t.db, { isValidated: false, validatedAt: null, professionalId: `6${String(Date.now()).slice(-8)}` });
      const inactive = await createPractitioner(t.db, { isActive: false });
      expect((await t.http.get(`/api/practitioners/${pending.practitionerId}`).set(as(employee))).status).toBe(404);
      expect((await t.http.get(`/api/practitioners/${inactive.practitionerId}`).set(as(employee))).status).toBe(404);
      expect((await t.http.get(`/api/practitioners/${randomUUID()}`).set(as(employee))).status).toBe(404);
      const adminView = await t.http.get(`/api/practitioners/${pending.practitionerId}`).set(as(users.get(Role.ADMIN_HUNTZEN)!));
      expect(adminView.status).toBe(200);
      expect(adminView.body.practitioner).toMatchObject({ isValidated: false, professionalId: expect.stringMatching(/^6/) });
    });

    it('lets a practitioner see its own profile only (404 for another one)', async () => {
      const p = await createPractitioner(t.db, { isValidated: false, validatedAt: null });
      const other = await createPractitioner(t.db);
      expect((await t.http.get(`/api/practitioners/${p.practitionerId}`).set(as(p))).status).toBe(200);
      expect((await t.http.get(`/api/practitioners/${other.practitionerId}`).set(as(p))).status).toBe(404);
    });

    it('answers 400 for a malformed id, 401 without a token, 403 to HR and super admin', async () => {
      const p = await createPractitioner(t.db);
      const bad = await t.http.get('/api/practitioners/not-a-uuid').set(as(employee));
      expect(bad.status).toBe(400);
      expect(fields(bad.body)).toContain('id');
      expect((await t.http.get(`/api/practitioners/${p.practitionerId}`)).status).toBe(401);
      for (const role of otherRoles(Role.EMPLOYEE, Role.ADMIN_HUNTZEN, Role.PRACTITIONER)) {
        expect((await t.http.get(`/api/practitioners/${p.practitionerId}`).set(as(users.get(role)!))).status, role).toBe(403);
      }
    });
  });

  describe('PR11 GET /api/practitioners/:id/availability', () => {
    it('returns the recurring rules and only the free slots of the period', async () => {
      const p = await createPractitioner(t.db);
      await addRule(t.db, p.practitionerId!, 5, '09:00', '12:00'); // Fridays
      const day = nextWeekday(5);
      await insertConsultation(t.db, { practitionerId: p.practitionerId!, employee: users.get(Role.EMPLOYEE)!, start: at(day, '10:00') });
      const res = await t.http.get(`/api/practitioners/${p.practitionerId}/availability`).query({ date: day }).set(as(employee));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ practitionerId: p.practitionerId, timezone: 'Europe/Paris', from: day, to: day });
      expect(res.body.recurring).toEqual([{ dayOfWeek: 5, startTime: '09:00', endTime: '12:00', slotDuration: 50 }]);
      expect(res.body.slots.map((s: { localStartTime: string }) => s.localStartTime)).toEqual(['09:00', '11:00']);
      expect(res.body.slots.every((s: { available: boolean }) => s.available)).toBe(true);
      const range = await t.http.get(`/api/practitioners/${p.practitionerId}/availability`).query({ from: day, to: nextWeekday(5, 9) }).set(as(employee));
      expect(range.body.slots).toHaveLength(5);
    });

    it('answers 404 for unlisted practitioners, 400 for bad periods, 401 and 403', async () => {
      const pending = await createPractitioner(t.db, { isValidated: false, validatedAt: null });
      expect((await t.http.get(`/api/practitioners/${pending.practitionerId}/availability`).set(as(employee))).status).toBe(404);
      const p = await createPractitioner(t.db);
      await addRulesEveryDay(t.db, p.practitionerId!, '09:00', '10:00');
      const tooLong = await t.http.get(`/api/practitioners/${p.practitionerId}/availability`).query({ startDate: '2027-01-01', endDate: '2027-03-01' }).set(as(employee));
      expect(tooLong.status).toBe(400);
      expect(fields(tooLong.body)).toContain('endDate');
      const badDate = await t.http.get(`/api/practitioners/${p.practitionerId}/availability`).query({ date: '2027-13-01' }).set(as(employee));
      expect(badDate.status).toBe(400);
      expect((await t.http.get(`/api/practitioners/${p.practitionerId}/availability`)).status).toBe(401);
      for (const role of otherRoles(Role.EMPLOYEE)) {
        expect((await t.http.get(`/api/practitioners/${p.practitionerId}/availability`).set(as(users.get(role)!))).status, role).toBe(403);
      }
    });
  });
});
