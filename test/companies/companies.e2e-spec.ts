import { AuditAction, NotificationType, Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { io, Socket } from 'socket.io-client';
import { bearer, createCompany, createUser, login, signAccessToken, TestCompany, TestUser } from '../helpers/fixtures.js';
import { randomIp, startTestApp, TestContext } from '../helpers/test-app.js';

type Method = 'get' | 'post' | 'put' | 'delete';
const ALL_ROLES = Object.values(Role);

describe('Companies (SPEC §4.3 C1–C8, §4.19 I9; US-2.1, US-2.2)', () => {
  let t: TestContext;
  let admin: TestUser;
  let superAdmin: TestUser;
  let practitioner: TestUser;
  let companyA: TestCompany;
  let companyB: TestCompany;
  let rhA: TestUser;
  let rhB: TestUser;
  let employeeA: TestUser;
  const callers = new Map<Role, TestUser>();

  beforeAll(async () => {
    t = await startTestApp();
    admin = await createUser(t.db, Role.ADMIN_HUNTZEN);
    superAdmin = await createUser(t.db, Role.SUPER_ADMIN);
    practitioner = await createUser(t.db, Role.PRACTITIONER);
    companyA = await createCompany(t.db);
    companyB = await createCompany(t.db);
    rhA = await createUser(t.db, Role.ADMIN_RH, { company: companyA });
    rhB = await createUser(t.db, Role.ADMIN_RH, { company: companyB });
    employeeA = await createUser(t.db, Role.EMPLOYEE, { company: companyA });
    for (const u of [admin, superAdmin, practitioner, rhA, employeeA]) callers.set(u.role, u);
  });
  afterAll(() => t?.close());

  const as = (user: TestUser) => bearer(signAccessToken(user));
  const call = (method: Method, url: string, user?: TestUser, body?: object) => {
    const req = t.http[method](url).set('X-Forwarded-For', randomIp());
    if (user) req.set(as(user));
    return body ? req.send(body) : req;
  };
  const fields = (res: { body: { error?: { details?: { field: string }[] } } }) => (res.body.error?.details ?? []).map((d) => d.field);

  /** Anonymous → 401; every role outside `allowed` → 403 FORBIDDEN (the guard refuses before any lookup). */
  async function expectOnly(method: Method, url: string, allowed: Role[], body: object = {}) {
    expect((await call(method, url, undefined, body)).status).toBe(401);
    for (const role of ALL_ROLES.filter((r) => !allowed.includes(r))) {
      const res = await call(method, url, callers.get(role)!, body);
      expect({ role, status: res.status, code: res.body.error?.code }).toEqual({ role, status: 403, code: 'FORBIDDEN' });
    }
  }

  const tag = () => randomUUID().slice(0, 8);
  const newCompanyBody = (extra: object = {}): Record<string, any> => {
    const k = tag();
    return { name: `Société Test ${k}`, emailDomains: [`@Corp-${k}.test`], contactEmail: `contact@corp-${k}.test`, ...extra };
  };
  const siret = () => String(Math.floor(Math.random() * 1e14)).padStart(14, '0');

  describe('C1 POST /api/companies', () => {
    it('creates an inactive company with a slug, normalised domains, a welcome e-mail and an audit row', async () => {
      const body = newCompanyBody({ siret: siret(), sector: 'Technologies', size: 'MEDIUM', maxEmployees: 50, primaryColor: '#112233' });
      const res = await call('post', '/api/companies', admin, body);
      expect(res.status).toBe(201);
      const c = res.body.company;
      expect(c).toMatchObject({ name: body.name, isActive: false, validatedAt: null, emailDomains: [body.emailDomains[0].toLowerCase()], siret: body.siret, maxEmployees: 50, primaryColor: '#112233', country: 'France' });
      expect(c.slug).toBe(`societe-test-${body.name.split(' ').pop()}`);
      const mail = await t.sink.waitForTo(body.contactEmail, 'Bienvenue');
      expect(mail.text).toContain(body.name);
      const audit = await t.db.auditLog.findFirstOrThrow({ where: { resource: 'company', resourceId: c.id } });
      expect(audit).toMatchObject({ action: AuditAction.CREATE, userId: admin.id, companyId: c.id });
    });

    it('is also open to SUPER_ADMIN (SPEC §11 B12)', async () => {
      expect((await call('post', '/api/companies', superAdmin, newCompanyBody())).status).toBe(201);
    });

    it('appends -2, -3 … on slug collisions, also for concurrent creations', async () => {
      const name = `Café Ünïque ${tag()}`;
      const base = name.toLowerCase().replace('é', 'e').replace('ü', 'u').replace('ï', 'i').replace(/ /g, '-');
      const slugs: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await call('post', '/api/companies', admin, newCompanyBody({ name }));
        expect(res.status).toBe(201);
        slugs.push(res.body.company.slug);
      }
      expect(slugs).toEqual([base, `${base}-2`, `${base}-3`]);

      const racing = `Course ${tag()}`;
      const results = await Promise.all([0, 1, 2, 3].map(() => call('post', '/api/companies', admin, newCompanyBody({ name: racing }))));
      expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
      const raced = results.map((r) => r.body.company.slug).sort();
      const b = racing.toLowerCase().replace(' ', '-');
      expect(raced).toEqual([b, `${b}-2`, `${b}-3`, `${b}-4`].sort());
    });

    it('refuses a duplicate SIRET with 409 SIRET_TAKEN', async () => {
      const s = siret();
      expect((await call('post', '/api/companies', admin, newCompanyBody({ siret: s }))).status).toBe(201);
      const dup = await call('post', '/api/companies', admin, newCompanyBody({ siret: s }));
      expect(dup.status).toBe(409);
      expect(dup.body.error).toMatchObject({ code: 'SIRET_TAKEN', details: [{ field: 'siret' }] });
    });

    it('refuses a domain already given to another company with 409 EMAIL_DOMAIN_TAKEN', async () => {
      const res = await call('post', '/api/companies', admin, newCompanyBody({ emailDomains: [`@${companyA.domain}`] }));
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('EMAIL_DOMAIN_TAKEN');
    });

    it.each([
      ['empty emailDomains', { emailDomains: [] }, 'emailDomains'],
      ['a domain without "@"', { emailDomains: ['corp.test'] }, 'emailDomains'],
      ['a domain without TLD', { emailDomains: ['@corp'] }, 'emailDomains'],
      ['duplicate domains', { emailDomains: ['@dup.test', '@DUP.test'] }, 'emailDomains'],
      ['a 13-digit SIRET', { siret: '1234567890123' }, 'siret'],
      ['a bad colour', { primaryColor: 'blue' }, 'primaryColor'],
      ['a bad contact e-mail', { contactEmail: 'nope' }, 'contactEmail'],
      ['maxEmployees 0', { maxEmployees: 0 }, 'maxEmployees'],
      ['an unknown size', { size: 'HUGE' }, 'size'],
      ['isActive (validation is C5 only)', { isActive: true }, 'isActive'],
      ['an unknown field', { slug: 'chosen' }, 'slug'],
    ])('400 on %s', async (_label, extra, field) => {
      const res = await call('post', '/api/companies', admin, newCompanyBody(extra));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(fields(res)).toContain(field);
    });

    it('400 when name or emailDomains are missing', async () => {
      const res = await call('post', '/api/companies', admin, {});
      expect(res.status).toBe(400);
      expect(fields(res)).toEqual(expect.arrayContaining(['name', 'emailDomains']));
    });

    it('401 anonymous, 403 for HR, practitioner and employee', () => expectOnly('post', '/api/companies', [Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN], newCompanyBody()));
  });

  describe('C2 GET /api/companies', () => {
    it('lists with q and isActive filters and pagination, summary fields only', async () => {
      const k = tag();
      for (let i = 0; i < 3; i++) expect((await call('post', '/api/companies', admin, newCompanyBody({ name: `Liste ${k} ${i}` }))).status).toBe(201);
      const res = await call('get', `/api/companies?q=liste ${k}&limit=2&page=1`, admin);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ total: 3, page: 1, pages: 2, limit: 2 });
      expect(res.body.companies).toHaveLength(2);
      expect(Object.keys(res.body.companies[0]).sort()).toEqual(['createdAt', 'id', 'isActive', 'name', 'slug', 'suspendedAt', 'validatedAt']);
      const page2 = await call('get', `/api/companies?q=${k}&limit=2&page=2`, admin);
      expect(page2.body.companies).toHaveLength(1);

      const active = await call('get', `/api/companies?q=${k}&isActive=true`, admin);
      expect(active.body.total).toBe(0);
      const inactive = await call('get', `/api/companies?q=${k}&isActive=false`, admin);
      expect(inactive.body.total).toBe(3);
    });

    it.each([
      ['isActive=yes', 'isActive'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['page=abc', 'page'],
      ['sort=name', 'sort'],
    ])('400 on ?%s', async (qs, field) => {
      const res = await call('get', `/api/companies?${qs}`, admin);
      expect(res.status).toBe(400);
      expect(fields(res)).toContain(field);
    });

    it('401 anonymous, 403 for every role but ADMIN_HUNTZEN', () => expectOnly('get', '/api/companies', [Role.ADMIN_HUNTZEN]));
  });

  describe('C3 GET /api/companies/:id and C7 GET /api/companies/me', () => {
    it('ADMIN_HUNTZEN reads any company; HR reads its own, by id or as /me', async () => {
      const byAdmin = await call('get', `/api/companies/${companyB.id}`, admin);
      expect(byAdmin.status).toBe(200);
      expect(byAdmin.body.company).toMatchObject({ id: companyB.id, emailDomains: [`@${companyB.domain}`] });
      const own = await call('get', `/api/companies/${companyA.id}`, rhA);
      expect(own.status).toBe(200);
      expect(own.body.company.id).toBe(companyA.id);
      const me = await call('get', '/api/companies/me', rhA);
      expect(me.status).toBe(200);
      expect(me.body.company).toEqual(own.body.company);
    });

    it("HR of company B gets 404 on company A (no existence leak), like an unknown id", async () => {
      const other = await call('get', `/api/companies/${companyA.id}`, rhB);
      expect(other.status).toBe(404);
      const unknown = await call('get', `/api/companies/${randomUUID()}`, admin);
      expect(unknown.status).toBe(404);
      expect(other.body.error).toEqual(unknown.body.error);
    });

    it('400 on a malformed id', async () => {
      const res = await call('get', '/api/companies/not-a-uuid', admin);
      expect(res.status).toBe(400);
      expect(fields(res)).toEqual(['id']);
    });

    it('401 / 403 for other roles', async () => {
      await expectOnly('get', `/api/companies/${companyA.id}`, [Role.ADMIN_HUNTZEN, Role.ADMIN_RH]);
      await expectOnly('get', '/api/companies/me', [Role.ADMIN_RH]);
    });
  });

  describe('C4 PUT /api/companies/:id and C8 PUT /api/companies/me', () => {
    it('ADMIN_HUNTZEN edits any field, audited with the field names only', async () => {
      const created = (await call('post', '/api/companies', admin, newCompanyBody())).body.company;
      const k = tag();
      const res = await call('put', `/api/companies/${created.id}`, admin, { emailDomains: [`@new-${k}.test`, `@other-${k}.test`], maxEmployees: 10, legalName: 'Legal SAS', siret: siret(), sector: null });
      expect(res.status).toBe(200);
      expect(res.body.company).toMatchObject({ emailDomains: [`@new-${k}.test`, `@other-${k}.test`], maxEmployees: 10, legalName: 'Legal SAS', sector: null, slug: created.slug });
      const audit = await t.db.auditLog.findFirstOrThrow({ where: { resource: 'company', resourceId: created.id, action: AuditAction.UPDATE } });
      expect(audit.details).toMatchObject({ event: 'COMPANY_UPDATED', fields: expect.arrayContaining(['emailDomains', 'maxEmployees', 'legalName', 'siret', 'sector']) });
      expect(JSON.stringify(audit.details)).not.toContain('Legal SAS');
    });

    it('HR edits its profile fields through :id and /me', async () => {
      const res = await call('put', `/api/companies/${companyA.id}`, rhA, { name: 'Nouveau Nom', primaryColor: '#000000', secondaryColor: '#fff', contactPhone: '+33 1 02 03 04 05', city: 'Lyon', allowInternalNews: false });
      expect(res.status).toBe(200);
      expect(res.body.company).toMatchObject({ name: 'Nouveau Nom', primaryColor: '#000000', secondaryColor: '#fff', city: 'Lyon', allowInternalNews: false });
      const me = await call('put', '/api/companies/me', rhA, { websiteUrl: 'https://example.test', address: '1 rue de Paris', postalCode: '75001' });
      expect(me.status).toBe(200);
      expect(me.body.company).toMatchObject({ id: companyA.id, websiteUrl: 'https://example.test', city: 'Lyon' });
    });

    it.each([
      [{ emailDomains: ['@evil.test'] }, ['emailDomains']],
      [{ siret: '12345678901234', maxEmployees: 1000 }, ['siret', 'maxEmployees']],
      [{ isActive: true }, ['isActive']],
      [{ autoApproveEmployees: true, legalName: 'X' }, ['legalName', 'autoApproveEmployees']],
    ])('HR sending admin-only fields %j → 403 FORBIDDEN naming them, nothing changed', async (body, named) => {
      for (const url of [`/api/companies/${companyA.id}`, '/api/companies/me']) {
        const res = await call('put', url, rhA, { name: 'Should Not Apply', ...body });
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('FORBIDDEN');
        expect(fields(res).sort()).toEqual([...named].sort());
      }
      const row = await t.db.company.findUniqueOrThrow({ where: { id: companyA.id } });
      expect(row.name).not.toBe('Should Not Apply');
      expect(row.emailDomains).toEqual([`@${companyA.domain}`]);
    });

    it('HR of company B gets 404 on company A', async () => {
      const res = await call('put', `/api/companies/${companyA.id}`, rhB, { name: 'Hijack' });
      expect(res.status).toBe(404);
      expect((await t.db.company.findUniqueOrThrow({ where: { id: companyA.id } })).name).not.toBe('Hijack');
    });

    it('409 on a SIRET used by another company; 404 on an unknown id', async () => {
      const s = siret();
      expect((await call('post', '/api/companies', admin, newCompanyBody({ siret: s }))).status).toBe(201);
      const other = (await call('post', '/api/companies', admin, newCompanyBody())).body.company;
      const res = await call('put', `/api/companies/${other.id}`, admin, { siret: s });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('SIRET_TAKEN');
      expect((await call('put', `/api/companies/${randomUUID()}`, admin, { name: 'Ghost' })).status).toBe(404);
    });

    it.each([
      [{ primaryColor: 'red' }, 'primaryColor'],
      [{ name: null }, 'name'],
      [{ name: 'x' }, 'name'],
      [{ emailDomains: [] }, 'emailDomains'],
      [{ websiteUrl: 'javascript:alert(1)' }, 'websiteUrl'],
      [{ allowInternalNews: 'false' }, 'allowInternalNews'],
      [{ logoUrl: 'https://x.test/logo.png' }, 'logoUrl'],
    ])('400 on %j', async (body, field) => {
      const res = await call('put', `/api/companies/${companyA.id}`, admin, body);
      expect(res.status).toBe(400);
      expect(fields(res)).toContain(field);
    });

    it('401 / 403 for other roles', async () => {
      await expectOnly('put', `/api/companies/${companyA.id}`, [Role.ADMIN_HUNTZEN, Role.ADMIN_RH]);
      await expectOnly('put', '/api/companies/me', [Role.ADMIN_RH]);
    });
  });

  describe('C5 validate, I9 suspend, C6 delete', () => {
    const connect = (token: string) =>
      new Promise<Socket>((resolve, reject) => {
        const socket = io(`${t.wsUrl}/notifications`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
        socket.on('connect', () => resolve(socket));
        socket.on('connect_error', reject);
      });

    it('validation activates the company, e-mails and notifies its HR, who can then log in', async () => {
      const body = newCompanyBody();
      const created = (await call('post', '/api/companies', admin, body)).body.company;
      const domain = body.emailDomains[0].slice(1).toLowerCase();
      const rh = await createUser(t.db, Role.ADMIN_RH, { company: { id: created.id, domain } });
      const before = await t.http.post('/api/auth/login').set('X-Forwarded-For', randomIp()).send({ email: rh.email, password: rh.password });
      expect(before.status).toBe(403);
      expect(before.body.error.code).toBe('COMPANY_INACTIVE');

      const res = await call('put', `/api/companies/${created.id}/validate`, admin);
      expect(res.status).toBe(200);
      expect(res.body.message).toBeTruthy();
      expect(res.body.company).toMatchObject({ id: created.id, isActive: true, validatedBy: admin.id, suspendedAt: null });
      expect(new Date(res.body.company.validatedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

      const mail = await t.sink.waitForTo(rh.email, 'validée');
      expect(mail.links.some((l) => l.startsWith('http://app.huntzen.test/'))).toBe(true);
      const notification = await t.db.notification.findFirstOrThrow({ where: { userId: rh.id } });
      expect(notification.type).toBe(NotificationType.COMPANY_VALIDATED);
      const audit = await t.db.auditLog.findFirstOrThrow({ where: { resource: 'company', resourceId: created.id, action: AuditAction.VALIDATE } });
      expect(audit.details).toEqual({ event: 'COMPANY_VALIDATED' });
      await login(t.http, rh);

      const again = await call('put', `/api/companies/${created.id}/validate`, admin);
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('ALREADY_ACTIVE');
    });

    it('suspension closes access: refresh tokens revoked, sockets closed, login refused; validation reopens it', async () => {
      const company = await createCompany(t.db);
      const rh = await createUser(t.db, Role.ADMIN_RH, { company });
      const employee = await createUser(t.db, Role.EMPLOYEE, { company });
      const rhSession = await login(t.http, rh);
      const empSession = await login(t.http, employee);
      const socket = await connect(empSession.accessToken);
      const closed = new Promise<string>((resolve) => socket.on('disconnect', resolve));

      const res = await call('put', `/api/companies/${company.id}/suspend`, admin);
      expect(res.status).toBe(200);
      expect(res.body.company).toMatchObject({ id: company.id, isActive: false });
      expect(res.body.company.suspendedAt).not.toBeNull();
      expect(await closed).toBe('io server disconnect');

      for (const s of [rhSession, empSession]) {
        const refreshed = await t.http.post('/api/auth/refresh').send({ refreshToken: s.refreshToken });
        expect(refreshed.status).toBe(401);
      }
      expect(await t.db.refreshToken.count({ where: { userId: { in: [rh.id, employee.id] }, revokedAt: null } })).toBe(0);
      const relog = await t.http.post('/api/auth/login').set('X-Forwarded-For', randomIp()).send({ email: employee.email, password: employee.password });
      expect(relog.body.error.code).toBe('COMPANY_INACTIVE');
      const audit = await t.db.auditLog.findFirstOrThrow({ where: { resource: 'company', resourceId: company.id, action: AuditAction.DEACTIVATE } });
      expect(audit.details).toMatchObject({ event: 'COMPANY_SUSPENDED' });

      const reopened = await call('put', `/api/companies/${company.id}/validate`, admin);
      expect(reopened.body.company).toMatchObject({ isActive: true, suspendedAt: null });
      await login(t.http, employee);
    });

    it('C4 isActive=false from ADMIN_HUNTZEN has the effects of a suspension', async () => {
      const company = await createCompany(t.db);
      const employee = await createUser(t.db, Role.EMPLOYEE, { company });
      const s = await login(t.http, employee);
      const res = await call('put', `/api/companies/${company.id}`, admin, { isActive: false });
      expect(res.status).toBe(200);
      expect(res.body.company.isActive).toBe(false);
      expect((await t.http.post('/api/auth/refresh').send({ refreshToken: s.refreshToken })).status).toBe(401);
    });

    it('DELETE is a soft deactivation: 200 { message }, the row stays, sessions end, audit DELETE', async () => {
      const company = await createCompany(t.db);
      const employee = await createUser(t.db, Role.EMPLOYEE, { company });
      const s = await login(t.http, employee);
      const res = await call('delete', `/api/companies/${company.id}`, admin);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ message: expect.any(String) });
      const row = await t.db.company.findUniqueOrThrow({ where: { id: company.id } });
      expect(row.isActive).toBe(false);
      expect(await t.db.user.count({ where: { companyId: company.id } })).toBe(1);
      expect((await t.http.post('/api/auth/refresh').send({ refreshToken: s.refreshToken })).status).toBe(401);
      const audit = await t.db.auditLog.findFirstOrThrow({ where: { resource: 'company', resourceId: company.id, action: AuditAction.DELETE } });
      expect(audit.details).toMatchObject({ event: 'COMPANY_DELETED' });
    });

    it('404 on unknown ids, 400 on malformed ones', async () => {
      for (const [method, suffix] of [['put', '/validate'], ['put', '/suspend'], ['delete', '']] as const) {
        expect((await call(method, `/api/companies/${randomUUID()}${suffix}`, admin)).status).toBe(404);
        expect((await call(method, `/api/companies/123${suffix}`, admin)).status).toBe(400);
      }
    });

    it('401 / 403 for every role but ADMIN_HUNTZEN', async () => {
      await expectOnly('put', `/api/companies/${companyB.id}/validate`, [Role.ADMIN_HUNTZEN]);
      await expectOnly('put', `/api/companies/${companyB.id}/suspend`, [Role.ADMIN_HUNTZEN]);
      await expectOnly('delete', `/api/companies/${companyB.id}`, [Role.ADMIN_HUNTZEN]);
      expect((await t.db.company.findUniqueOrThrow({ where: { id: companyB.id } })).isActive).toBe(true);
    });
  });
});
