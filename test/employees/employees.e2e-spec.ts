import { AuditAction, ConsultationStatus, NotificationType, Role, UserTokenType } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { io, Socket } from 'socket.io-client';
import { sha256 } from '../../src/common/security/tokens.js';
import { bearer, createCompany, createUser, login, PASSWORD, signAccessToken, TestCompany, TestUser } from '../helpers/fixtures.js';
import { SinkMail, tokenFromMail } from '../helpers/smtp-sink.js';
import { randomIp, startTestApp, TestContext } from '../helpers/test-app.js';

type Method = 'get' | 'post' | 'put' | 'delete';
const ALL_ROLES = Object.values(Role);
const NEW_PASSWORD = 'Activ4tion!Pass';

describe('Employees (SPEC §4.4 E1, E2, E4–E6, E9–E13, §4.19 I8; US-2.3 … US-2.5)', () => {
  let t: TestContext;
  let companyA: TestCompany;
  let companyB: TestCompany;
  let rhA: TestUser;
  let rhB: TestUser;
  let employeeA: TestUser;
  let employeeA2: TestUser;
  let employeeB: TestUser;
  const callers = new Map<Role, TestUser>();

  beforeAll(async () => {
    t = await startTestApp();
    companyA = await createCompany(t.db);
    companyB = await createCompany(t.db);
    rhA = await createUser(t.db, Role.ADMIN_RH, { company: companyA });
    rhB = await createUser(t.db, Role.ADMIN_RH, { company: companyB });
    employeeA = await createUser(t.db, Role.EMPLOYEE, { company: companyA });
    employeeA2 = await createUser(t.db, Role.EMPLOYEE, { company: companyA });
    employeeB = await createUser(t.db, Role.EMPLOYEE, { company: companyB });
    for (const role of [Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN, Role.PRACTITIONER]) callers.set(role, await createUser(t.db, role));
    callers.set(Role.ADMIN_RH, rhA);
    callers.set(Role.EMPLOYEE, employeeA);
  });
  afterAll(() => t?.close());

  const call = (method: Method, url: string, user?: TestUser, body?: object) => {
    const req = t.http[method](url).set('X-Forwarded-For', randomIp());
    if (user) req.set(bearer(signAccessToken(user)));
    return body ? req.send(body) : req;
  };
  const fields = (res: { body: { error?: { details?: { field?: string }[] } } }) => (res.body.error?.details ?? []).map((d) => d.field);

  async function expectOnly(method: Method, url: string, allowed: Role[], body: object = {}) {
    expect((await call(method, url, undefined, body)).status).toBe(401);
    for (const role of ALL_ROLES.filter((r) => !allowed.includes(r))) {
      const res = await call(method, url, callers.get(role)!, body);
      expect({ role, status: res.status, code: res.body.error?.code }).toEqual({ role, status: 403, code: 'FORBIDDEN' });
    }
  }

  /** E2 as `rh`, then the invitation e-mail. */
  async function invite(rh: TestUser, company: TestCompany, extra: object = {}) {
    const email = `invite.${randomUUID().slice(0, 8)}@${company.domain}`;
    const res = await call('post', '/api/employees', rh, { email, firstName: 'Inès', lastName: 'Invitée', department: 'Produit', position: 'Designer', ...extra });
    expect(res.status).toBe(201);
    const mail = await t.sink.waitForTo(email, 'invitation');
    return { email, employee: res.body.employee, mail, token: tokenFromMail(mail) };
  }
  const activate = (token: string, password = NEW_PASSWORD) => t.http.post('/api/employees/activate').set('X-Forwarded-For', randomIp()).send({ token, password });

  describe('E2 POST /api/employees', () => {
    it('creates an inactive EMPLOYEE with a 7-day hashed invitation, e-mails the link, audits CREATE', async () => {
      const email = `Nouveau.${randomUUID().slice(0, 8)}@${companyA.domain}`.toUpperCase();
      const res = await call('post', '/api/employees', rhA, { email, firstName: ' Noé ', lastName: 'Nouveau', department: 'R&D', position: 'Dev' });
      expect(res.status).toBe(201);
      expect(res.body.invitationSent).toBe(true);
      expect(res.body.employee).toMatchObject({ email: email.toLowerCase(), firstName: 'Noé', lastName: 'Nouveau', department: 'R&D', position: 'Dev', isActive: false, status: 'pending', onboardingCompleted: false, stats: { consultationCount: 0, totalDurationMinutes: 0 } });

      const user = await t.db.user.findUniqueOrThrow({ where: { email: email.toLowerCase() }, include: { employee: true, userTokens: true } });
      expect(user).toMatchObject({ role: Role.EMPLOYEE, companyId: companyA.id, isActive: false, emailVerified: false, passwordHash: '!' });
      expect(user.employee?.id).toBe(res.body.employee.id);
      expect(user.userTokens).toHaveLength(1);
      const invitation = user.userTokens[0];
      expect(invitation).toMatchObject({ type: UserTokenType.INVITATION, createdBy: rhA.id, companyId: companyA.id, usedAt: null });
      const days = (invitation.expiresAt.getTime() - Date.now()) / 86400_000;
      expect(days).toBeGreaterThan(6.99);
      expect(days).toBeLessThanOrEqual(7);

      const mail = await t.sink.waitForTo(email.toLowerCase(), 'invitation');
      expect(mail.links.some((l) => l.startsWith('http://app.huntzen.test/activate?token='))).toBe(true);
      expect(sha256(tokenFromMail(mail))).toBe(invitation.tokenHash);
      const audit = await t.db.auditLog.findFirstOrThrow({ where: { resource: 'employee', resourceId: user.employee!.id } });
      expect(audit).toMatchObject({ action: AuditAction.CREATE, userId: rhA.id, companyId: companyA.id, details: { event: 'EMPLOYEE_INVITED', source: 'manual' } });
    });

    it('refuses a domain outside company.emailDomains with 400 EMAIL_DOMAIN_NOT_ALLOWED on email', async () => {
      const res = await call('post', '/api/employees', rhA, { email: `x@${companyB.domain}`, firstName: 'A', lastName: 'B' });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'EMAIL_DOMAIN_NOT_ALLOWED', details: [{ field: 'email' }] });
    });

    it('409 EMAIL_TAKEN for an existing address, visible to HR or not', async () => {
      const own = await call('post', '/api/employees', rhA, { email: employeeA.email, firstName: 'A', lastName: 'B' });
      expect(own.status).toBe(409);
      expect(own.body.error.code).toBe('EMAIL_TAKEN');
      const outside = await createUser(t.db, Role.PRACTITIONER, { email: `dr.${randomUUID().slice(0, 8)}@${companyA.domain}` });
      const hidden = await call('post', '/api/employees', rhA, { email: outside.email, firstName: 'A', lastName: 'B' });
      expect(hidden.status).toBe(409);
      expect(hidden.body.error.code).toBe('EMAIL_TAKEN');
    });

    it('409 SEAT_LIMIT_REACHED at maxEmployees (active and invited accounts hold a seat)', async () => {
      const capped = await createCompany(t.db);
      await t.db.company.update({ where: { id: capped.id }, data: { maxEmployees: 2 } });
      const rh = await createUser(t.db, Role.ADMIN_RH, { company: capped });
      await createUser(t.db, Role.EMPLOYEE, { company: capped });
      await invite(rh, capped);
      const full = await call('post', '/api/employees', rh, { email: `full@${capped.domain}`, firstName: 'A', lastName: 'B' });
      expect(full.status).toBe(409);
      expect(full.body.error.code).toBe('SEAT_LIMIT_REACHED');
      expect(await t.db.user.count({ where: { email: `full@${capped.domain}` } })).toBe(0);
    });

    it.each([
      [{ email: 'nope', firstName: 'A', lastName: 'B' }, 'email'],
      [{ firstName: 'A', lastName: 'B' }, 'email'],
      [{ email: 'a@x.test', lastName: 'B' }, 'firstName'],
      [{ email: 'a@x.test', firstName: 'A', lastName: '' }, 'lastName'],
      [{ email: 'a@x.test', firstName: 'A', lastName: 'B', role: 'ADMIN_RH' }, 'role'],
      [{ email: 'a@x.test', firstName: 'A', lastName: 'B', companyId: randomUUID() }, 'companyId'],
    ])('400 on %j', async (body, field) => {
      const res = await call('post', '/api/employees', rhA, body);
      expect(res.status).toBe(400);
      expect(fields(res)).toContain(field);
    });

    it('401 / 403 for every role but ADMIN_RH', () => expectOnly('post', '/api/employees', [Role.ADMIN_RH], { email: `z@${companyA.domain}`, firstName: 'A', lastName: 'B' }));
  });

  describe('E4 POST /api/employees/activate', () => {
    it('activates through the e-mailed link, opens a session, notifies, then the password logs in', async () => {
      const { email, employee, token } = await invite(rhA, companyA);
      const res = await activate(token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ message: expect.any(String), accessToken: expect.any(String), refreshToken: expect.any(String) });

      const me = await t.http.get('/api/employees/me').set(bearer(res.body.accessToken));
      expect(me.status).toBe(200);
      expect(me.body.employee).toMatchObject({ id: employee.id, email });
      const user = await t.db.user.findUniqueOrThrow({ where: { email } });
      expect(user).toMatchObject({ isActive: true, emailVerified: true });
      expect(user.emailVerifiedAt).not.toBeNull();
      expect(user.passwordHash).toMatch(/^\$argon2id\$/);
      expect(await t.db.notification.findFirst({ where: { userId: user.id, type: NotificationType.ACCOUNT_ACTIVATED } })).not.toBeNull();
      expect(await t.db.auditLog.findFirst({ where: { userId: user.id, action: AuditAction.ACTIVATE } })).not.toBeNull();
      await login(t.http, { email, password: NEW_PASSWORD });
      const list = await call('get', `/api/employees?q=${email}`, rhA);
      expect(list.body.employees[0].status).toBe('active');

      const reuse = await activate(token, 'An0ther!Passw0rd');
      expect(reuse.status).toBe(404);
      expect(reuse.body.error.code).toBe('INVITATION_INVALID');
    });

    it('404 INVITATION_INVALID for an unknown or expired token', async () => {
      expect((await activate('unknown-token-1234567890')).body.error.code).toBe('INVITATION_INVALID');
      const { email, token } = await invite(rhA, companyA);
      const user = await t.db.user.findUniqueOrThrow({ where: { email } });
      await t.db.userToken.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
      const expired = await activate(token);
      expect(expired.status).toBe(404);
      expect(expired.body.error.code).toBe('INVITATION_INVALID');
    });

    it('403 COMPANY_INACTIVE while the company is suspended, without burning the link', async () => {
      const company = await createCompany(t.db);
      const rh = await createUser(t.db, Role.ADMIN_RH, { company });
      const { token } = await invite(rh, company);
      await t.db.company.update({ where: { id: company.id }, data: { isActive: false } });
      const refused = await activate(token);
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('COMPANY_INACTIVE');
      await t.db.company.update({ where: { id: company.id }, data: { isActive: true } });
      expect((await activate(token)).status).toBe(200);
    });

    it.each([
      [{ token: 'x'.repeat(20), password: 'weak' }, 'password'],
      [{ password: NEW_PASSWORD }, 'token'],
      [{ token: 'x'.repeat(20), password: NEW_PASSWORD, email: 'a@b.test' }, 'email'],
    ])('400 on %j', async (body, field) => {
      const res = await t.http.post('/api/employees/activate').set('X-Forwarded-For', randomIp()).send(body);
      expect(res.status).toBe(400);
      expect(fields(res)).toContain(field);
    });
  });

  describe('I8 POST /api/employees/:id/resend-invitation', () => {
    it('sends a new 7-day link that replaces the previous ones', async () => {
      const { email, employee, token: first } = await invite(rhA, companyA);
      const res = await call('post', `/api/employees/${employee.id}/resend-invitation`, rhA);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ message: expect.any(String), invitationSent: true });
      const mails: SinkMail[] = await t.sink.waitForCount((m) => m.to.includes(email), 2);
      const second = tokenFromMail(mails[1]);
      expect(second).not.toBe(first);
      expect((await activate(first)).status).toBe(404);
      expect((await activate(second)).status).toBe(200);
      expect(await t.db.auditLog.findFirst({ where: { resourceId: employee.id, action: AuditAction.UPDATE, details: { equals: { event: 'INVITATION_RESENT' } } } })).not.toBeNull();

      const again = await call('post', `/api/employees/${employee.id}/resend-invitation`, rhA);
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('ALREADY_ACTIVE');
    });

    it('404 across tenants and for unknown ids; 400 on a malformed id; 401 / 403 for other roles', async () => {
      expect((await call('post', `/api/employees/${employeeA.employeeId}/resend-invitation`, rhB)).status).toBe(404);
      expect((await call('post', `/api/employees/${randomUUID()}/resend-invitation`, rhA)).status).toBe(404);
      expect((await call('post', '/api/employees/42/resend-invitation', rhA)).status).toBe(400);
      await expectOnly('post', `/api/employees/${employeeA.employeeId}/resend-invitation`, [Role.ADMIN_RH]);
    });
  });

  describe('E1 GET /api/employees (US-2.5)', () => {
    let company: TestCompany;
    let rh: TestUser;
    let active: TestUser;
    let inactive: TestUser;
    let pendingId: string;
    let practitioner: TestUser;

    beforeAll(async () => {
      company = await createCompany(t.db);
      rh = await createUser(t.db, Role.ADMIN_RH, { company });
      active = await createUser(t.db, Role.EMPLOYEE, { company });
      inactive = await createUser(t.db, Role.EMPLOYEE, { company, active: false });
      await t.db.employee.update({ where: { id: active.employeeId! }, data: { department: 'Finance', lastName: 'Aaron' } });
      await t.db.employee.update({ where: { id: inactive.employeeId! }, data: { department: 'Marketing', lastName: 'Bernard' } });
      pendingId = (await invite(rh, company, { lastName: 'Zola', department: 'finance' })).employee.id;
      practitioner = await createUser(t.db, Role.PRACTITIONER);

      // completed consultations of `active`: 2 in January 2025 (Paris), 1 in February; plus noise
      const consult = (employeeId: string, companyId: string, startIso: string, minutes: number, status: ConsultationStatus = ConsultationStatus.COMPLETED) => {
        const start = new Date(startIso);
        const end = new Date(start.getTime() + minutes * 60_000);
        return t.db.consultation.create({
          data: { companyId, employeeId, practitionerId: practitioner.practitionerId!, scheduledAt: start, scheduledEndAt: end, blockedUntil: end, duration: minutes, format: 'VIDEO', status, ...(status === ConsultationStatus.COMPLETED ? { startedAt: start, endedAt: end } : {}) },
        });
      };
      await consult(active.employeeId!, company.id, '2025-01-06T09:00:00Z', 50);
      await consult(active.employeeId!, company.id, '2025-01-20T09:00:00Z', 30);
      await consult(active.employeeId!, company.id, '2025-01-31T23:30:00Z', 45); // 1 February 00:30 in Paris
      await consult(active.employeeId!, company.id, '2025-01-27T09:00:00Z', 50, ConsultationStatus.CANCELLED);
      await consult(employeeB.employeeId!, companyB.id, '2025-01-13T09:00:00Z', 50);
    });

    const list = (qs = '', user: TestUser = rh) => call('get', `/api/employees${qs}`, user);

    it('lists the company employees with status, onboarding and per-period counters only, plus the GDPR notice', async () => {
      const res = await list('?period=2025-01');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ total: 3, page: 1, pages: 1, limit: 20, period: '2025-01', notice: expect.stringMatching(/agrégées/) });
      expect(res.body.employees.map((e: { lastName: string }) => e.lastName)).toEqual(['Aaron', 'Bernard', 'Zola']);
      const [a, b, z] = res.body.employees;
      expect(Object.keys(a).sort()).toEqual(['department', 'email', 'firstName', 'id', 'isActive', 'lastName', 'onboardingCompleted', 'phoneNumber', 'position', 'stats', 'status', 'view']);
      expect(a).toMatchObject({ status: 'active', isActive: true, stats: { period: '2025-01', consultationCount: 2, totalDurationMinutes: 80 } });
      expect(b).toMatchObject({ status: 'inactive', isActive: false, stats: { consultationCount: 0, totalDurationMinutes: 0 } });
      expect(z).toMatchObject({ id: pendingId, status: 'pending' });
      const raw = JSON.stringify(res.body);
      for (const secret of [practitioner.practitionerId!, 'Practitioner-', 'VIDEO', 'PSYCHOLOGUE', '2025-01-06', '2025-01-20', 'scheduledAt', 'startedAt']) expect(raw).not.toContain(secret);
    });

    it.each([
      ['2025-02', 1, 45],
      ['2025-Q1', 3, 125],
      ['2025', 3, 125],
      ['2024-Q4', 0, 0],
    ])('period=%s counts Paris calendar periods: %i consultations, %i minutes', async (period, count, minutes) => {
      const res = await list(`?period=${period}&q=Aaron`);
      expect(res.body.employees).toHaveLength(1);
      expect(res.body.employees[0].stats).toEqual({ period, consultationCount: count, totalDurationMinutes: minutes });
    });

    it('defaults to the current month in Europe/Paris', async () => {
      const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);
      const res = await list();
      expect(res.body.period).toBe(month);
      expect(res.body.employees[0].stats.period).toBe(month);
    });

    it('filters by status, department (case-insensitive) and q (name or e-mail), and paginates', async () => {
      const ids = async (qs: string) => (await list(qs)).body.employees.map((e: { id: string }) => e.id);
      expect(await ids('?status=active')).toEqual([active.employeeId]);
      expect(await ids('?status=inactive')).toEqual([inactive.employeeId]);
      expect(await ids('?status=pending')).toEqual([pendingId]);
      expect(await ids('?department=FINANCE')).toEqual([active.employeeId, pendingId]);
      expect(await ids('?q=bern')).toEqual([inactive.employeeId]);
      expect(await ids(`?q=${active.email.split('@')[0]}`)).toEqual([active.employeeId]);
      const page2 = await list('?limit=2&page=2');
      expect(page2.body).toMatchObject({ total: 3, page: 2, pages: 2, limit: 2 });
      expect(page2.body.employees).toHaveLength(1);
    });

    it("never shows another company's employees", async () => {
      const res = await list(`?q=${employeeB.email.split('@')[0]}`);
      expect(res.body.total).toBe(0);
      const other = await list('', rhB);
      expect(other.body.employees.map((e: { id: string }) => e.id)).not.toContain(active.employeeId);
    });

    it.each([
      ['period=2025-13', 'period'],
      ['period=2025-Q5', 'period'],
      ['period=25-01', 'period'],
      ['status=suspended', 'status'],
      ['limit=0', 'limit'],
      ['page=x', 'page'],
      ['companyId=' + randomUUID(), 'companyId'],
    ])('400 on ?%s', async (qs, field) => {
      const res = await list(`?${qs}`);
      expect(res.status).toBe(400);
      expect(fields(res)).toContain(field);
    });

    it('401 / 403 for every role but ADMIN_RH', () => expectOnly('get', '/api/employees', [Role.ADMIN_RH]));
  });

  describe('E5 / E6 /api/employees/me', () => {
    it('returns and updates the own profile; HR fields are not self-editable (400)', async () => {
      const me = await call('get', '/api/employees/me', employeeA2);
      expect(me.status).toBe(200);
      expect(me.body.employee).toMatchObject({ id: employeeA2.employeeId, email: employeeA2.email, companyId: companyA.id, preferredLanguage: 'fr', timezone: 'Europe/Paris' });

      const avatarUrl = `/api/files/${randomUUID()}`;
      const body = { avatarUrl, bio: 'Randonneuse', phoneNumber: '+33 6 12 34 56 78', location: 'Lyon', birthDate: '1990-05-17', preferredLanguage: 'en', timezone: 'America/Montreal', consentVersion: '1.0', consentGivenAt: '2025-01-02T10:00:00Z', onboardingCompletedAt: '2025-01-02T10:05:00Z' };
      const res = await call('put', '/api/employees/me', employeeA2, body);
      expect(res.status).toBe(200);
      expect(res.body.employee).toMatchObject({ avatarUrl, bio: 'Randonneuse', location: 'Lyon', timezone: 'America/Montreal', preferredLanguage: 'en', consentVersion: '1.0', birthDate: '1990-05-17T00:00:00.000Z', onboardingCompletedAt: '2025-01-02T10:05:00.000Z' });
      const audit = await t.db.auditLog.findFirstOrThrow({ where: { resourceId: employeeA2.employeeId!, action: AuditAction.UPDATE } });
      expect(audit.details).toMatchObject({ event: 'EMPLOYEE_PROFILE_UPDATED' });
      expect(JSON.stringify(audit.details)).not.toContain('Randonneuse');

      const cleared = await call('put', '/api/employees/me', employeeA2, { bio: null });
      expect(cleared.body.employee.bio).toBeNull();
      const hrView = await call('get', `/api/employees/${employeeA2.employeeId}`, rhA);
      expect(hrView.body.employee.onboardingCompleted).toBe(true);
    });

    it.each([
      [{ department: 'Direction' }, 'department'],
      [{ position: 'CEO' }, 'position'],
      [{ firstName: 'Other' }, 'firstName'],
      [{ timezone: 'Mars/Olympus' }, 'timezone'],
      [{ timezone: null }, 'timezone'],
      [{ birthDate: 'yesterday' }, 'birthDate'],
      [{ avatarUrl: 'javascript:alert(1)' }, 'avatarUrl'],
      [{ coverUrl: 'https://tracker.example/pixel.png' }, 'coverUrl'],
      [{ preferredLanguage: 'french' }, 'preferredLanguage'],
      [{ phoneNumber: 'call me' }, 'phoneNumber'],
    ])('400 on %j', async (body, field) => {
      const res = await call('put', '/api/employees/me', employeeA2, body);
      expect(res.status).toBe(400);
      expect(fields(res)).toContain(field);
    });

    it('401 / 403 for every role but EMPLOYEE', async () => {
      await expectOnly('get', '/api/employees/me', [Role.EMPLOYEE]);
      await expectOnly('put', '/api/employees/me', [Role.EMPLOYEE]);
    });
  });

  describe('E9 GET / E10 PUT /api/employees/:id', () => {
    it('HR sees a minimal profile with counters, never bio, birth date or location', async () => {
      await t.db.employee.update({ where: { id: employeeA.employeeId! }, data: { bio: 'secret bio', location: 'Nantes', birthDate: new Date('1985-01-01') } });
      const res = await call('get', `/api/employees/${employeeA.employeeId}?period=2025`, rhA);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.employee).sort()).toEqual(['department', 'email', 'firstName', 'id', 'isActive', 'lastName', 'onboardingCompleted', 'phoneNumber', 'position', 'stats', 'status', 'view']);
      expect(res.body.employee.stats).toEqual({ period: '2025', consultationCount: 0, totalDurationMinutes: 0 });
      expect(JSON.stringify(res.body)).not.toMatch(/secret bio|Nantes|1985/);
    });

    it('an employee reads itself, but another employee — even a colleague — is a 404', async () => {
      const self = await call('get', `/api/employees/${employeeA.employeeId}`, employeeA);
      expect(self.status).toBe(200);
      expect(self.body.employee).toMatchObject({ id: employeeA.employeeId, bio: 'secret bio' });
      const colleague = await call('get', `/api/employees/${employeeA2.employeeId}`, employeeA);
      expect(colleague.status).toBe(404);
      const byUserId = await call('get', `/api/employees/${employeeA.id}`, employeeA);
      expect(byUserId.status).toBe(404);
    });

    it("HR of company B gets 404 on company A's employee, as for an unknown id", async () => {
      const res = await call('get', `/api/employees/${employeeA.employeeId}`, rhB);
      expect(res.status).toBe(404);
      expect((await call('get', `/api/employees/${randomUUID()}`, rhA)).body.error).toEqual(res.body.error);
    });

    it('400 on a malformed id or period', async () => {
      expect(fields(await call('get', '/api/employees/abc', rhA))).toEqual(['id']);
      expect(fields(await call('get', `/api/employees/${employeeA.employeeId}?period=2025-00`, rhA))).toEqual(['period']);
    });

    it('HR edits identity and HR data; the employee edits its own E6 fields; each side gets 400 on the other side’s fields', async () => {
      const byHr = await call('put', `/api/employees/${employeeA2.employeeId}`, rhA, { firstName: 'Camille', department: 'Ventes', position: 'Commerciale', phoneNumber: '0102030405' });
      expect(byHr.status).toBe(200);
      expect(byHr.body.employee).toMatchObject({ firstName: 'Camille', department: 'Ventes', position: 'Commerciale', phoneNumber: '0102030405', status: 'active' });
      const audit = await t.db.auditLog.findFirstOrThrow({ where: { resourceId: employeeA2.employeeId!, details: { path: ['event'], equals: 'EMPLOYEE_UPDATED' } } });
      expect(audit.details).toMatchObject({ fields: expect.arrayContaining(['firstName', 'department', 'position', 'phoneNumber']) });

      const hrBio = await call('put', `/api/employees/${employeeA2.employeeId}`, rhA, { bio: 'x' });
      expect(hrBio.status).toBe(400);
      expect(fields(hrBio)).toEqual(['bio']);

      const self = await call('put', `/api/employees/${employeeA2.employeeId}`, employeeA2, { location: 'Paris' });
      expect(self.status).toBe(200);
      expect(self.body.employee).toMatchObject({ location: 'Paris', department: 'Ventes' });
      const selfDept = await call('put', `/api/employees/${employeeA2.employeeId}`, employeeA2, { department: 'Direction' });
      expect(selfDept.status).toBe(400);
      expect(fields(selfDept)).toEqual(['department']);
      expect((await call('put', `/api/employees/${employeeA2.employeeId}`, rhA, { firstName: '' })).status).toBe(400);
      expect((await call('put', `/api/employees/${employeeA2.employeeId}`, rhA, [])).status).toBe(400);
    });

    it('404 for a colleague, for HR of another company, for an unknown id', async () => {
      expect((await call('put', `/api/employees/${employeeA2.employeeId}`, employeeA, { bio: 'hijack' })).status).toBe(404);
      expect((await call('put', `/api/employees/${employeeA.employeeId}`, rhB, { department: 'X' })).status).toBe(404);
      expect((await call('put', `/api/employees/${randomUUID()}`, rhA, { department: 'X' })).status).toBe(404);
      const row = await t.db.employee.findUniqueOrThrow({ where: { id: employeeA.employeeId! } });
      expect(row.department).not.toBe('X');
    });

    it('401 / 403 for platform admins and practitioners', async () => {
      await expectOnly('get', `/api/employees/${employeeA.employeeId}`, [Role.ADMIN_RH, Role.EMPLOYEE]);
      await expectOnly('put', `/api/employees/${employeeA.employeeId}`, [Role.ADMIN_RH, Role.EMPLOYEE]);
    });
  });

  describe('E12 activate, E13 deactivate, E11 delete', () => {
    const connect = (token: string) =>
      new Promise<Socket>((resolve, reject) => {
        const socket = io(`${t.wsUrl}/notifications`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
        socket.on('connect', () => resolve(socket));
        socket.on('connect_error', reject);
      });

    it('deactivation kills refresh tokens, open sockets and the access token; activation restores access', async () => {
      const emp = await createUser(t.db, Role.EMPLOYEE, { company: companyA });
      const session = await login(t.http, emp);
      const socket = await connect(session.accessToken);
      const closed = new Promise<string>((resolve) => socket.on('disconnect', resolve));

      const res = await call('put', `/api/employees/${emp.employeeId}/deactivate`, rhA);
      expect(res.status).toBe(200);
      expect(res.body.employee).toMatchObject({ id: emp.employeeId, isActive: false, status: 'inactive' });
      expect(await closed).toBe('io server disconnect');
      expect((await t.http.post('/api/auth/refresh').send({ refreshToken: session.refreshToken })).status).toBe(401);
      expect((await t.http.get('/api/employees/me').set(bearer(session.accessToken))).status).toBe(401);
      const relog = await t.http.post('/api/auth/login').set('X-Forwarded-For', randomIp()).send({ email: emp.email, password: PASSWORD });
      expect(relog.status).toBe(403);
      expect(relog.body.error.code).toBe('ACCOUNT_INACTIVE');
      expect(await t.db.auditLog.findFirst({ where: { resourceId: emp.employeeId!, action: AuditAction.DEACTIVATE } })).not.toBeNull();

      const back = await call('put', `/api/employees/${emp.employeeId}/activate`, rhA);
      expect(back.status).toBe(200);
      expect(back.body.employee).toMatchObject({ isActive: true, status: 'active' });
      expect(await t.db.auditLog.findFirst({ where: { resourceId: emp.employeeId!, action: AuditAction.ACTIVATE } })).not.toBeNull();
      await login(t.http, emp);
      const twice = await call('put', `/api/employees/${emp.employeeId}/activate`, rhA);
      expect(twice.status).toBe(409);
      expect(twice.body.error.code).toBe('ALREADY_ACTIVE');
    });

    it('a pending invitee cannot be switched on by HR (409), and deactivating it voids its invitation', async () => {
      const { employee, token } = await invite(rhA, companyA);
      const on = await call('put', `/api/employees/${employee.id}/activate`, rhA);
      expect(on.status).toBe(409);
      expect(on.body.error.code).toBe('INVITATION_PENDING');
      expect((await call('put', `/api/employees/${employee.id}/deactivate`, rhA)).status).toBe(200);
      expect((await activate(token)).status).toBe(404);
    });

    it('re-activation respects the seat cap', async () => {
      const capped = await createCompany(t.db);
      const rh = await createUser(t.db, Role.ADMIN_RH, { company: capped });
      const first = await createUser(t.db, Role.EMPLOYEE, { company: capped });
      expect((await call('put', `/api/employees/${first.employeeId}/deactivate`, rh)).status).toBe(200);
      await createUser(t.db, Role.EMPLOYEE, { company: capped });
      await t.db.company.update({ where: { id: capped.id }, data: { maxEmployees: 1 } });
      const res = await call('put', `/api/employees/${first.employeeId}/activate`, rh);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('SEAT_LIMIT_REACHED');
    });

    it('DELETE deactivates (never a hard delete): 200 { message }, rows kept, sessions ended, audit DELETE', async () => {
      const emp = await createUser(t.db, Role.EMPLOYEE, { company: companyA });
      const session = await login(t.http, emp);
      const res = await call('delete', `/api/employees/${emp.employeeId}`, rhA);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ message: expect.any(String) });
      const user = await t.db.user.findUniqueOrThrow({ where: { id: emp.id }, include: { employee: true } });
      expect(user.isActive).toBe(false);
      expect(user.employee).not.toBeNull();
      expect((await t.http.post('/api/auth/refresh').send({ refreshToken: session.refreshToken })).status).toBe(401);
      expect(await t.db.auditLog.findFirst({ where: { resourceId: emp.employeeId!, action: AuditAction.DELETE } })).not.toBeNull();
    });

    it("404 on another company's employee and on unknown ids, without any change", async () => {
      for (const [method, suffix] of [['put', '/activate'], ['put', '/deactivate'], ['delete', '']] as const) {
        expect((await call(method, `/api/employees/${employeeA.employeeId}${suffix}`, rhB)).status).toBe(404);
        expect((await call(method, `/api/employees/${randomUUID()}${suffix}`, rhA)).status).toBe(404);
        expect((await call(method, `/api/employees/nope${suffix}`, rhA)).status).toBe(400);
      }
      expect((await t.db.user.findUniqueOrThrow({ where: { id: employeeA.id } })).isActive).toBe(true);
    });

    it('401 / 403 for every role but ADMIN_RH', async () => {
      await expectOnly('put', `/api/employees/${employeeB.employeeId}/activate`, [Role.ADMIN_RH]);
      await expectOnly('put', `/api/employees/${employeeB.employeeId}/deactivate`, [Role.ADMIN_RH]);
      await expectOnly('delete', `/api/employees/${employeeB.employeeId}`, [Role.ADMIN_RH]);
      expect((await t.db.user.findUniqueOrThrow({ where: { id: employeeB.id } })).isActive).toBe(true);
    });
  });
});
