import { NO_PASSWORD_HASH } from '../../src/common/security/password.js';
import { AuditAction, DocumentStatus, NotificationType, PrismaClient, Role, UserTokenType } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { sha256 } from '../../src/common/security/tokens.js';
import { bearer, login, PASSWORD, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { tokenFromMail } from '../helpers/smtp-sink.js';
import { randomIp, startTestApp, TestContext, uniqueEmail } from '../helpers/test-app.js';
import { createPractitioner, fields, usersByRole } from './practitioner-fixtures.js';

async function addDocument(db: PrismaClient, p: TestUser, type: 'DIPLOMA' | 'INSURANCE' | 'ADELI' = 'DIPLOMA', status: DocumentStatus = DocumentStatus.PENDING) {
  const file = await db.file.create({
    data: { uploadedBy: p.id, userRole: Role.PRACTITIONER, filename: `${randomUUID()}.pdf`, originalName: 'diplome.pdf', mimeType: 'application/pdf', size: 1234, path: `docs/${randomUUID()}`, fileType: 'DIPLOMA', isEncrypted: true },
  });
  return db.practitionerDocument.create({ data: { practitionerId: p.practitionerId!, type, fileId: file.id, status } });
}

describe('Practitioners, admin side: PR1 create/invite, PR2 list, PR3 pending, PR12 validate, PR13 documents (US-3.1)', () => {
  let t: TestContext;
  let users: Map<Role, TestUser>;
  let admin: TestUser;
  beforeAll(async () => {
    t = await startTestApp();
    users = await usersByRole(t.db);
    admin = users.get(Role.ADMIN_HUNTZEN)!;
  });
  afterAll(() => t?.close());

  const as = (u: TestUser) => bearer(signAccessToken(u));
  const asAdmin = () => as(admin);
  const otherRoles = (...allowed: Role[]) => Object.values(Role).filter((r) => !allowed.includes(r));

  const newPractitioner = (over: Record<string, unknown> = {}): Record<string, any> => ({
    email: uniqueEmail('dr.martin', 'cabinet.test'),
    firstName: 'Sophie',
    lastName: `Martin-${randomUUID().slice(0, 6)}`,
    title: 'Dr.',
    specialty: 'PSYCHOLOGUE_CLINICIEN',
    languages: ['fr', 'EN'],
    bio: 'Psychologue clinicienne, TCC.',
    ...over,
  });

  describe('PR1 POST /api/practitioners', () => {
    it('creates an inactive, unvalidated practitioner and e-mails a 7-day single-use invitation that activates the account', async () => {
      const body = newPractitioner({ professionalId: `1${String(Date.now()).slice(-10)}`, subSpecialties: ['TCC'], experience: 12, offersInPerson: true, inPersonAddress: '1 rue de Paris' });
      const res = await t.http.post('/api/practitioners').set(asAdmin()).send(body);
      expect(res.status).toBe(201);
      expect(res.body.practitioner).toMatchObject({
        email: body.email,
        firstName: 'Sophie',
        specialty: 'PSYCHOLOGUE_CLINICIEN',
        languages: ['fr', 'en'],
        professionalId: body.professionalId,
        isValidated: false,
        documentsVerified: false,
        accountActive: false,
        experience: 12,
        inPersonAddress: '1 rue de Paris',
      });
      expect(JSON.stringify(res.body)).not.toMatch(/password|tokenHash/i);

      const user = await t.db.user.findUniqueOrThrow({ where: { email: body.email }, include: { practitioner: true } });
      expect(user).toMatchObject({ role: Role.PRACTITIONER, isActive: false, emailVerified: false, companyId: null });
      expect(user.passwordHash).toBe(NO_PASSWORD_HASH); // no password until the invitation is accepted
      expect(user.practitioner?.id).toBe(res.body.practitioner.id);
      const token = await t.db.userToken.findFirstOrThrow({ where: { userId: user.id, type: UserTokenType.INVITATION } });
      expect(token.createdBy).toBe(admin.id);
      const days = (token.expiresAt.getTime() - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(6.99);
      expect(days).toBeLessThanOrEqual(7);

      const mail = await t.sink.waitForTo(body.email, 'praticien');
      const link = mail.links.find((l) => l.includes('/activate'))!;
      expect(link.startsWith('http://app.huntzen.test/activate?token=')).toBe(true);
      expect(sha256(tokenFromMail(mail))).toBe(token.tokenHash);

      const audit = await t.db.auditLog.findFirstOrThrow({ where: { resourceId: user.practitioner!.id, action: AuditAction.CREATE } });
      expect(audit).toMatchObject({ userId: admin.id, resource: 'practitioner', details: { event: 'PRACTITIONER_INVITED', userId: user.id } });

      // the invitation works through register (activation endpoint of the employees module uses the same flow)
      const activated = await t.http.post('/api/auth/register').set('X-Forwarded-For', randomIp()).send({ email: body.email, password: PASSWORD, invitationToken: tokenFromMail(mail) });
      expect(activated.status).toBe(201);
      expect(activated.body.user).toMatchObject({ role: 'PRACTITIONER', isActive: true });
      const session = await login(t.http, { email: body.email, password: PASSWORD });
      const me = await t.http.get('/api/practitioners/me').set(bearer(session.accessToken));
      expect(me.status).toBe(200);
      expect(me.body.practitioner).toMatchObject({ id: user.practitioner!.id, isValidated: false });
      // not searchable before validation
      const employee = users.get(Role.EMPLOYEE)!;
      expect((await t.http.get(`/api/practitioners/${user.practitioner!.id}`).set(as(employee))).status).toBe(404);
    });

    it('answers 409 EMAIL_TAKEN for an existing e-mail (any case) and PROFESSIONAL_ID_TAKEN for a known ADELI/RPPS', async () => {
      const existing = await createPractitioner(t.db);
      const dup = await t.http.post('/api/practitioners').set(asAdmin()).send(newPractitioner({ email: existing.email.toUpperCase() }));
      expect(dup.status).toBe(409);
      expect(dup.body.error.code).toBe('EMAIL_TAKEN');

      const professionalId = `9${String(Date.now()).slice(-8)}`;
      await t.db.practitioner.update({ where: { id: existing.practitionerId! }, data: { professionalId } });
      const dupId = await t.http.post('/api/practitioners').set(asAdmin()).send(newPractitioner({ professionalId }));
      expect(dupId.status).toBe(409);
      expect(dupId.body.error.code).toBe('PROFESSIONAL_ID_TAKEN');
      expect(fields(dupId.body)).toContain('professionalId');
    });

    it.each([
      [{ email: 'not-an-email' }, 'email'],
      [{ firstName: '' }, 'firstName'],
      [{ specialty: 'ASTROLOGUE' }, 'specialty'],
      [{ languages: [] }, 'languages'],
      [{ languages: ['french'] }, 'languages'],
      [{ bio: undefined }, 'bio'],
      [{ title: undefined }, 'title'],
      [{ professionalId: '12AB' }, 'professionalId'],
      [{ experience: -1 }, 'experience'],
      [{ offersInPerson: true }, 'inPersonAddress'],
      [{ password: 'Temp-Passw0rd!' }, 'password'],
      [{ isValidated: true }, 'isValidated'],
    ])('rejects %j with 400 on %s', async (over, field) => {
      const res = await t.http.post('/api/practitioners').set(asAdmin()).send(newPractitioner(over));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(fields(res.body)).toContain(field);
    });
  });

  describe('PR2 GET /api/practitioners (admin)', () => {
    it('lists every practitioner with filters isValidated, isActive, specialty, q and pagination', async () => {
      const tag = `Zed${randomUUID().slice(0, 6)}`;
      const a = await createPractitioner(t.db, { lastName: `${tag}-a`, specialty: 'PSYCHIATRE' });
      const b = await createPractitioner(t.db, { lastName: `${tag}-b`, isValidated: false, validatedAt: null });
      const c = await createPractitioner(t.db, { lastName: `${tag}-c`, isActive: false });
      const all = await t.http.get('/api/practitioners').query({ q: tag }).set(asAdmin());
      expect(all.status).toBe(200);
      expect(all.body).toMatchObject({ total: 3, page: 1, pages: 1, limit: 20 });
      expect(all.body.practitioners.map((p: { id: string }) => p.id).sort()).toEqual([a, b, c].map((u) => u.practitionerId).sort());
      expect(all.body.practitioners[0]).toHaveProperty('email');

      const ids = async (query: Record<string, string>) =>
        (await t.http.get('/api/practitioners').query({ q: tag, ...query }).set(asAdmin())).body.practitioners.map((p: { id: string }) => p.id);
      expect(await ids({ isValidated: 'false' })).toEqual([b.practitionerId]);
      expect(await ids({ isActive: 'false' })).toEqual([c.practitionerId]);
      expect(await ids({ specialty: 'PSYCHIATRE' })).toEqual([a.practitionerId]);
      expect((await ids({ q: a.email.toUpperCase() }))).toEqual([a.practitionerId]);
      const page2 = await t.http.get('/api/practitioners').query({ q: tag, limit: '2', page: '2' }).set(asAdmin());
      expect(page2.body).toMatchObject({ total: 3, page: 2, pages: 2, limit: 2 });
      expect(page2.body.practitioners).toHaveLength(1);
    });

    it.each([
      [{ isValidated: 'yes' }, 'isValidated'],
      [{ specialty: 'X' }, 'specialty'],
      [{ limit: '101' }, 'limit'],
      [{ page: '0' }, 'page'],
      [{ offersVideo: 'true' }, 'offersVideo'],
    ])('rejects the admin query %j with 400 on %s', async (query, field) => {
      const res = await t.http.get('/api/practitioners').query(query).set(asAdmin());
      expect(res.status).toBe(400);
      expect(fields(res.body)).toContain(field);
    });

    it('gives an EMPLOYEE the PR4 search (validated, active only) and refuses admin filters', async () => {
      const tag = `tag-${randomUUID()}`;
      const listed = await createPractitioner(t.db, { subSpecialties: [tag] });
      await createPractitioner(t.db, { subSpecialties: [tag], isValidated: false, validatedAt: null });
      const employee = as(users.get(Role.EMPLOYEE)!);
      const res = await t.http.get('/api/practitioners').query({ subSpecialties: tag }).set(employee);
      expect(res.status).toBe(200);
      expect(res.body.appliedFilters).toMatchObject({ subSpecialties: [tag] });
      expect(res.body.practitioners.map((p: { id: string }) => p.id)).toEqual([listed.practitionerId]);
      expect(res.body.practitioners[0]).not.toHaveProperty('email');
      expect(res.body.practitioners[0]).not.toHaveProperty('professionalId');
      const refused = await t.http.get('/api/practitioners').query({ isValidated: 'false' }).set(employee);
      expect(refused.status).toBe(400);
      expect(fields(refused.body)).toContain('isValidated');
    });

    it('answers 401 without a token and 403 to other roles', async () => {
      expect((await t.http.get('/api/practitioners')).status).toBe(401);
      for (const role of otherRoles(Role.ADMIN_HUNTZEN, Role.EMPLOYEE)) {
        expect((await t.http.get('/api/practitioners').set(as(users.get(role)!))).status, role).toBe(403);
      }
    });
  });

  describe('PR3 GET /api/practitioners/pending', () => {
    it('lists unvalidated practitioners with their documents (metadata only)', async () => {
      const pending = await createPractitioner(t.db, { isValidated: false, validatedAt: null });
      const validated = await createPractitioner(t.db);
      const doc = await addDocument(t.db, pending, 'ADELI');
      let found: { id: string; documents: unknown[] } | undefined;
      for (let page = 1; !found; page++) {
        const res = await t.http.get('/api/practitioners/pending').query({ page: String(page), limit: '100' }).set(asAdmin());
        expect(res.status).toBe(200);
        expect(res.body.practitioners.some((p: { id: string }) => p.id === validated.practitionerId)).toBe(false);
        found = res.body.practitioners.find((p: { id: string }) => p.id === pending.practitionerId);
        if (page >= res.body.pages) break;
      }
      expect(found?.documents).toEqual([
        { id: doc.id, type: 'ADELI', status: 'PENDING', fileId: doc.fileId, createdAt: doc.createdAt.toISOString(), reviewedAt: null, rejectionReason: null },
      ]);
    });

    it('answers 401 without a token, 403 to other roles, 400 for a bad page', async () => {
      expect((await t.http.get('/api/practitioners/pending')).status).toBe(401);
      for (const role of otherRoles(Role.ADMIN_HUNTZEN)) {
        expect((await t.http.get('/api/practitioners/pending').set(as(users.get(role)!))).status, role).toBe(403);
      }
      const bad = await t.http.get('/api/practitioners/pending').query({ page: 'x' }).set(asAdmin());
      expect(bad.status).toBe(400);
      expect(fields(bad.body)).toContain('page');
    });
  });

  describe('PR12 POST /api/practitioners/:id/validate', () => {
    it('validates: listed in search, documents approved, e-mail, notification, audit PRACTITIONER_APPROVED with actor, entity, id, time and IP', async () => {
      const tag = `tag-${randomUUID()}`;
      const p = await createPractitioner(t.db, { isValidated: false, validatedAt: null, subSpecialties: [tag] });
      const doc = await addDocument(t.db, p);
      const employee = as(users.get(Role.EMPLOYEE)!);
      const search = () => t.http.get('/api/practitioners/search').query({ subSpecialties: tag }).set(employee);
      expect((await search()).body.total).toBe(0);

      const ip = '203.0.113.42';
      const before = new Date();
      const res = await t.http.post(`/api/practitioners/${p.practitionerId}/validate`).set(asAdmin()).set('X-Forwarded-For', ip).send({ validated: true, notes: 'Dossier complet' });
      expect(res.status).toBe(200);
      expect(res.body.message).toBeTruthy();
      expect(res.body.practitioner).toMatchObject({ id: p.practitionerId, isValidated: true, documentsVerified: true, validatedBy: admin.id });
      expect(res.body.practitioner.validatedAt).toBeTruthy();
      expect((await t.db.practitionerDocument.findUniqueOrThrow({ where: { id: doc.id } })).status).toBe(DocumentStatus.APPROVED);

      const audit = await t.db.auditLog.findFirstOrThrow({ where: { resourceId: p.practitionerId!, action: AuditAction.VALIDATE } });
      expect(audit).toMatchObject({ userId: admin.id, userRole: Role.ADMIN_HUNTZEN, resource: 'practitioner', ipAddress: ip, details: { event: 'PRACTITIONER_APPROVED' } });
      expect(audit.createdAt.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
      expect(JSON.stringify(audit.details)).not.toContain('Dossier complet');

      const notification = await t.db.notification.findFirstOrThrow({ where: { userId: p.id, type: NotificationType.PRACTITIONER_VALIDATED } });
      expect(notification.title).toBeTruthy();
      const mail = await t.sink.waitForTo(p.email, 'validé');
      expect(mail.links.some((l) => l.startsWith('http://app.huntzen.test/'))).toBe(true);

      const found = await search();
      expect(found.body.practitioners.map((x: { id: string }) => x.id)).toEqual([p.practitionerId]);

      // validating again changes nothing and sends nothing
      const again = await t.http.post(`/api/practitioners/${p.practitionerId}/validate`).set(asAdmin()).send({ validated: true });
      expect(again.status).toBe(200);
      expect(await t.db.auditLog.count({ where: { resourceId: p.practitionerId!, action: AuditAction.VALIDATE } })).toBe(1);
    });

    it('refuses to validate an account whose invitation was never accepted (409 ACCOUNT_INACTIVE)', async () => {
      const created = await t.http.post('/api/practitioners').set(asAdmin()).send(newPractitioner());
      const res = await t.http.post(`/api/practitioners/${created.body.practitioner.id}/validate`).set(asAdmin()).send({ validated: true });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('ACCOUNT_INACTIVE');
      expect((await t.db.practitioner.findUniqueOrThrow({ where: { id: created.body.practitioner.id } })).isValidated).toBe(false);
    });

    it('rejects: pending documents refused with the notes, stays unlisted, audit PRACTITIONER_REJECTED, e-mail without the notes', async () => {
      const p = await createPractitioner(t.db, { isValidated: false, validatedAt: null });
      const doc = await addDocument(t.db, p, 'INSURANCE');
      const res = await t.http.post(`/api/practitioners/${p.practitionerId}/validate`).set(asAdmin()).send({ validated: false, notes: 'Attestation expirée' });
      expect(res.status).toBe(200);
      expect(res.body.practitioner).toMatchObject({ isValidated: false, documentsVerified: false });
      expect(await t.db.practitionerDocument.findUniqueOrThrow({ where: { id: doc.id } })).toMatchObject({ status: DocumentStatus.REJECTED, rejectionReason: 'Attestation expirée', reviewedBy: admin.id });
      const audit = await t.db.auditLog.findFirstOrThrow({ where: { resourceId: p.practitionerId!, action: AuditAction.VALIDATE } });
      expect(audit.details).toEqual({ event: 'PRACTITIONER_REJECTED' });
      const mail = await t.sink.waitForTo(p.email, 'pas pu');
      expect(mail.text).not.toContain('Attestation expirée');
    });

    it('answers 404 for an unknown id, 400 for a bad id or body', async () => {
      expect((await t.http.post(`/api/practitioners/${randomUUID()}/validate`).set(asAdmin()).send({ validated: true })).status).toBe(404);
      const badId = await t.http.post('/api/practitioners/abc/validate').set(asAdmin()).send({ validated: true });
      expect(badId.status).toBe(400);
      expect(fields(badId.body)).toContain('id');
      const p = await createPractitioner(t.db, { isValidated: false, validatedAt: null });
      for (const [body, field] of [[{}, 'validated'], [{ validated: 'yes' }, 'validated'], [{ validated: true, notes: 'x'.repeat(1001) }, 'notes'], [{ validated: true, isVerified: true }, 'isVerified']] as const) {
        const res = await t.http.post(`/api/practitioners/${p.practitionerId}/validate`).set(asAdmin()).send(body);
        expect(res.status).toBe(400);
        expect(fields(res.body)).toContain(field);
      }
    });

    it('answers 401 without a token and 403 to other roles', async () => {
      const p = await createPractitioner(t.db, { isValidated: false, validatedAt: null });
      expect((await t.http.post(`/api/practitioners/${p.practitionerId}/validate`).send({ validated: true })).status).toBe(401);
      for (const role of otherRoles(Role.ADMIN_HUNTZEN)) {
        expect((await t.http.post(`/api/practitioners/${p.practitionerId}/validate`).set(as(users.get(role)!)).send({ validated: true })).status, role).toBe(403);
      }
      // the practitioner itself cannot validate itself
      expect((await t.http.post(`/api/practitioners/${p.practitionerId}/validate`).set(as(p)).send({ validated: true })).status).toBe(403);
      expect((await t.db.practitioner.findUniqueOrThrow({ where: { id: p.practitionerId! } })).isValidated).toBe(false);
    });
  });

  describe('PR13 PUT /api/practitioners/:id/documents-verified', () => {
    it('sets and clears documentsVerified, approving pending documents, with an audit row', async () => {
      const p = await createPractitioner(t.db, { isValidated: false, validatedAt: null });
      const doc = await addDocument(t.db, p);
      const on = await t.http.put(`/api/practitioners/${p.practitionerId}/documents-verified`).set(asAdmin()).send({ documentsVerified: true });
      expect(on.status).toBe(200);
      expect(on.body).toMatchObject({ practitioner: { documentsVerified: true, isValidated: false }, message: expect.any(String) });
      expect((await t.db.practitionerDocument.findUniqueOrThrow({ where: { id: doc.id } })).status).toBe(DocumentStatus.APPROVED);
      const off = await t.http.put(`/api/practitioners/${p.practitionerId}/documents-verified`).set(asAdmin()).send({ documentsVerified: false });
      expect(off.body.practitioner.documentsVerified).toBe(false);
      const events = (await t.db.auditLog.findMany({ where: { resourceId: p.practitionerId! }, orderBy: { createdAt: 'asc' } })).map((a) => (a.details as { event: string }).event);
      expect(events).toEqual(['PRACTITIONER_DOCUMENTS_VERIFIED', 'PRACTITIONER_DOCUMENTS_UNVERIFIED']);
    });

    it('answers 404 / 400 / 401 / 403 as it should', async () => {
      expect((await t.http.put(`/api/practitioners/${randomUUID()}/documents-verified`).set(asAdmin()).send({ documentsVerified: true })).status).toBe(404);
      const p = await createPractitioner(t.db);
      const bad = await t.http.put(`/api/practitioners/${p.practitionerId}/documents-verified`).set(asAdmin()).send({ documentsVerified: 'true' });
      expect(bad.status).toBe(400);
      expect(fields(bad.body)).toContain('documentsVerified');
      expect((await t.http.put(`/api/practitioners/${p.practitionerId}/documents-verified`).send({ documentsVerified: true })).status).toBe(401);
      for (const role of otherRoles(Role.ADMIN_HUNTZEN)) {
        expect((await t.http.put(`/api/practitioners/${p.practitionerId}/documents-verified`).set(as(users.get(role)!)).send({ documentsVerified: true })).status, role).toBe(403);
      }
    });
  });

  it('PR1 answers 401 without a token and 403 to other roles', async () => {
    expect((await t.http.post('/api/practitioners').send(newPractitioner())).status).toBe(401);
    for (const role of otherRoles(Role.ADMIN_HUNTZEN)) {
      const res = await t.http.post('/api/practitioners').set(as(users.get(role)!)).send(newPractitioner());
      expect(res.status, role).toBe(403);
    }
  });
});
