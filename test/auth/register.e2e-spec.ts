import { Role, UserTokenType } from '@prisma/client';
import { sha256 } from '../../src/common/security/tokens.js';
import { createCompany, createUser, PASSWORD } from '../helpers/fixtures.js';
import { tokenFromMail } from '../helpers/smtp-sink.js';
import { randomIp, startTestApp, TestContext } from '../helpers/test-app.js';

describe('A1 register, A7 verify-email, A8 resend-verification (US-1.1)', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  const post = (path: string, body: object) => t.http.post(path).set('X-Forwarded-For', randomIp()).send(body);

  it('creates an inactive, unverified EMPLOYEE of the domain-matched company and e-mails a working 24 h link', async () => {
    const company = await createCompany(t.db);
    const email = `Nina.Roux@${company.domain}`.toUpperCase();
    const res = await post('/api/auth/register', { email, password: PASSWORD, firstName: 'Nina', lastName: 'Roux' });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: email.toLowerCase(), role: 'EMPLOYEE', companyId: company.id, isActive: false, emailVerified: false });
    expect(res.body.message).toBeTruthy();
    expect(JSON.stringify(res.body)).not.toMatch(/passwordHash|password_hash/);

    const row = await t.db.user.findUniqueOrThrow({ where: { email: email.toLowerCase() }, include: { employee: true } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.employee).toMatchObject({ companyId: company.id, firstName: 'Nina', lastName: 'Roux' });
    const token = await t.db.userToken.findFirstOrThrow({ where: { userId: row.id, type: UserTokenType.EMAIL_VERIFICATION } });
    const hoursValid = (token.expiresAt.getTime() - Date.now()) / 3600_000;
    expect(hoursValid).toBeGreaterThan(23.9);
    expect(hoursValid).toBeLessThanOrEqual(24);

    const mail = await t.sink.waitForTo(email.toLowerCase());
    const link = mail.links.find((l) => l.includes('/verify-email'))!;
    expect(link.startsWith('http://app.huntzen.test/verify-email?token=')).toBe(true);
    expect(sha256(tokenFromMail(mail))).toBe(token.tokenHash); // only the hash is stored

    // account inactive until verified (and, with autoApproveEmployees=false, until HR activates it)
    const beforeVerify = await post('/api/auth/login', { email, password: PASSWORD });
    expect(beforeVerify.status).toBe(403);
    expect(beforeVerify.body.error.code).toBe('EMAIL_NOT_VERIFIED');

    const verified = await post('/api/auth/verify-email', { token: tokenFromMail(mail) });
    expect(verified.status).toBe(200);
    expect(verified.body.isActive).toBe(false);
    const after = await t.db.user.findUniqueOrThrow({ where: { id: row.id } });
    expect(after.emailVerified).toBe(true);
    expect(after.emailVerifiedAt).not.toBeNull();
    const pendingHr = await post('/api/auth/login', { email, password: PASSWORD });
    expect(pendingHr.status).toBe(403);
    expect(pendingHr.body.error.code).toBe('ACCOUNT_INACTIVE');

    const again = await post('/api/auth/verify-email', { token: tokenFromMail(mail) });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('TOKEN_INVALID');
  });

  it('activates on verification when the company auto-approves employees, then login works', async () => {
    const company = await createCompany(t.db, { autoApproveEmployees: true });
    const email = `auto.${Date.now()}@${company.domain}`;
    expect((await post('/api/auth/register', { email, password: PASSWORD, firstName: 'Auto', lastName: 'Approved' })).status).toBe(201);
    const mail = await t.sink.waitForTo(email);
    const res = await post('/api/auth/verify-email', { token: tokenFromMail(mail) });
    expect(res.status).toBe(200);
    expect(res.body.isActive).toBe(true);
    expect((await post('/api/auth/login', { email, password: PASSWORD })).status).toBe(200);
  });

  it('rejects a duplicate e-mail with 409 EMAIL_TAKEN, whatever its case', async () => {
    const user = await createUser(t.db, Role.EMPLOYEE);
    const res = await post('/api/auth/register', { email: user.email.toUpperCase(), password: PASSWORD, firstName: 'A', lastName: 'B' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ statusCode: 409, error: { code: 'EMAIL_TAKEN' } });
  });

  it.each([
    ['short', 'Ab1!'],
    ['no upper-case', 'abcdefg1!'],
    ['no lower-case', 'ABCDEFG1!'],
    ['no digit', 'Abcdefgh!'],
    ['no special character', 'Abcdefgh1'],
  ])('rejects a weak password (%s) with 400 and the field', async (_label, password) => {
    const company = await createCompany(t.db);
    const res = await post('/api/auth/register', { email: `weak.${Date.now()}@${company.domain}`, password, firstName: 'A', lastName: 'B' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.details.some((d: { field: string }) => d.field === 'password')).toBe(true);
  });

  it('rejects a malformed e-mail with 400 on field email', async () => {
    const res = await post('/api/auth/register', { email: 'not-an-email', password: PASSWORD, firstName: 'A', lastName: 'B' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'email' })]));
  });

  it('never accepts a client-chosen role or companyId (400, unknown fields)', async () => {
    const company = await createCompany(t.db);
    const res = await post('/api/auth/register', { email: `x.${Date.now()}@${company.domain}`, password: PASSWORD, firstName: 'A', lastName: 'B', role: 'SUPER_ADMIN', companyId: company.id });
    expect(res.status).toBe(400);
    const fields = res.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['role', 'companyId']));
  });

  it('refuses a domain that belongs to no active company (403) and an inactive company domain', async () => {
    const res = await post('/api/auth/register', { email: `someone.${Date.now()}@unknown-domain.test`, password: PASSWORD, firstName: 'A', lastName: 'B' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('EMAIL_DOMAIN_NOT_ALLOWED');
    const inactive = await createCompany(t.db, { active: false });
    const res2 = await post('/api/auth/register', { email: `someone@${inactive.domain}`, password: PASSWORD, firstName: 'A', lastName: 'B' });
    expect(res2.status).toBe(403);
  });

  it('requires firstName and lastName without an invitation', async () => {
    const company = await createCompany(t.db);
    const res = await post('/api/auth/register', { email: `nameless.${Date.now()}@${company.domain}`, password: PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['firstName', 'lastName']);
  });

  it('answers 404 for an unknown invitation token', async () => {
    const res = await post('/api/auth/register', { email: 'x@y.test', password: PASSWORD, invitationToken: 'this-is-not-a-real-token' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('INVITATION_INVALID');
  });

  it('activates an invited account through register + invitationToken, once only', async () => {
    const company = await createCompany(t.db);
    const invited = await createUser(t.db, Role.EMPLOYEE, { company, active: false, verified: false });
    const token = 'invitation-token-' + Date.now();
    await t.db.userToken.create({ data: { userId: invited.id, type: UserTokenType.INVITATION, tokenHash: sha256(token), expiresAt: new Date(Date.now() + 7 * 86400_000), companyId: company.id } });

    const mismatch = await post('/api/auth/register', { email: `other@${company.domain}`, password: 'New-Passw0rd!', invitationToken: token });
    expect(mismatch.status).toBe(400);

    const res = await post('/api/auth/register', { email: invited.email, password: 'New-Passw0rd!', invitationToken: token });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ id: invited.id, isActive: true, emailVerified: true, companyId: company.id });
    expect((await post('/api/auth/login', { email: invited.email, password: 'New-Passw0rd!' })).status).toBe(200);

    const reuse = await post('/api/auth/register', { email: invited.email, password: 'Other-Passw0rd!', invitationToken: token });
    expect(reuse.status).toBe(404);
  });

  it('refuses an expired invitation (404) and an expired verification link (400 TOKEN_EXPIRED)', async () => {
    const company = await createCompany(t.db);
    const invited = await createUser(t.db, Role.EMPLOYEE, { company, active: false, verified: false });
    await t.db.userToken.create({ data: { userId: invited.id, type: UserTokenType.INVITATION, tokenHash: sha256('expired-invite-1234'), expiresAt: new Date(Date.now() - 1000) } });
    expect((await post('/api/auth/register', { email: invited.email, password: PASSWORD, invitationToken: 'expired-invite-1234' })).status).toBe(404);

    await t.db.userToken.create({ data: { userId: invited.id, type: UserTokenType.EMAIL_VERIFICATION, tokenHash: sha256('expired-verify-1234'), expiresAt: new Date(Date.now() - 1000) } });
    const res = await post('/api/auth/verify-email', { token: 'expired-verify-1234' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('TOKEN_EXPIRED');
    expect((await post('/api/auth/verify-email', {})).status).toBe(400);
  });

  it('resend-verification: generic answer, a new link that replaces the old one, 3 per hour per e-mail', async () => {
    const company = await createCompany(t.db);
    const email = `resend.${Date.now()}@${company.domain}`;
    await post('/api/auth/register', { email, password: PASSWORD, firstName: 'Re', lastName: 'Send' });
    const first = await t.sink.waitForTo(email);

    const unknown = await post('/api/auth/resend-verification', { email: `nobody.${Date.now()}@${company.domain}` });
    const known = await post('/api/auth/resend-verification', { email });
    expect(unknown.status).toBe(200);
    expect(known.status).toBe(200);
    expect(known.body.message).toBe(unknown.body.message);

    const second = await t.sink.waitFor((m) => m.to.includes(email) && tokenFromMail(m) !== tokenFromMail(first));
    expect((await post('/api/auth/verify-email', { token: tokenFromMail(first) })).status).toBe(400);

    await post('/api/auth/resend-verification', { email });
    await post('/api/auth/resend-verification', { email });
    const limited = await post('/api/auth/resend-verification', { email });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    void second;
  });
});
