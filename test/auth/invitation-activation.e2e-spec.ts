// Issue 10 item 4 over HTTP: an invitation never resets the password of an activated account, and invited
// accounts (no password of their own yet) are activated by their invitation only — never by a
// verification link.
import { Role, UserTokenType } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { randomToken, sha256 } from '../../src/common/security/tokens.js';
import { bearer, createCompany, createUser, PASSWORD, signAccessToken, TestCompany, TestUser } from '../helpers/fixtures.js';
import { tokenFromMail } from '../helpers/smtp-sink.js';
import { randomIp, startTestApp, TestContext } from '../helpers/test-app.js';

const OTHER_PASSWORD = 'Takeover-Passw0rd!';

describe('invitations and e-mail verification of invited accounts (issue 10 item 4)', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  const post = (path: string, body: object) => t.http.post(path).set('X-Forwarded-For', randomIp()).send(body);

  /** E2 as HR of `company`: the invited user and the token of its invitation e-mail. */
  async function invite(company: TestCompany, rh: TestUser) {
    const email = `invited.${randomUUID().slice(0, 8)}@${company.domain}`;
    const res = await t.http.post('/api/employees').set('X-Forwarded-For', randomIp()).set(bearer(signAccessToken(rh))).send({ email, firstName: 'Iris', lastName: 'Invitée' });
    expect(res.status).toBe(201);
    const user = await t.db.user.findUniqueOrThrow({ where: { email } });
    return { email, user, token: tokenFromMail(await t.sink.waitForTo(email, 'invitation')) };
  }

  /** A token as a flow of an earlier version (or a leaked inviter) left it in the database. */
  async function mintToken(userId: string, type: UserTokenType): Promise<string> {
    const token = randomToken();
    await t.db.userToken.create({ data: { userId, type, tokenHash: sha256(token), expiresAt: new Date(Date.now() + 3600_000) } });
    return token;
  }

  it('a second invitation for an activated account answers 409 ALREADY_ACTIVE, on both routes, and the password stays', async () => {
    const company = await createCompany(t.db);
    const rh = await createUser(t.db, Role.ADMIN_RH, { company });
    const { email, user, token } = await invite(company, rh);
    const spare = await mintToken(user.id, UserTokenType.INVITATION);
    expect((await post('/api/employees/activate', { token, password: PASSWORD })).status).toBe(200);
    const activated = await t.db.user.findUniqueOrThrow({ where: { id: user.id } });

    const again = await post('/api/employees/activate', { token: spare, password: OTHER_PASSWORD });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_ACTIVE');
    const viaRegister = await post('/api/auth/register', { email, password: OTHER_PASSWORD, invitationToken: spare });
    expect(viaRegister.status).toBe(409);
    expect(viaRegister.body.error.code).toBe('ALREADY_ACTIVE');

    const after = await t.db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.passwordHash).toBe(activated.passwordHash);
    expect(after.passwordChangedAt).toEqual(activated.passwordChangedAt);
    expect((await post('/api/auth/login', { email, password: OTHER_PASSWORD })).status).toBe(401);
    expect((await post('/api/auth/login', { email, password: PASSWORD })).status).toBe(200);
  });

  it('an account activated some other way (here: switched off after activation) cannot be taken over by an invitation', async () => {
    const company = await createCompany(t.db);
    const employee = await createUser(t.db, Role.EMPLOYEE, { company, active: false });
    const spare = await mintToken(employee.id, UserTokenType.INVITATION);
    const res = await post('/api/employees/activate', { token: spare, password: OTHER_PASSWORD });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ALREADY_ACTIVE');
    expect(await t.db.user.findUniqueOrThrow({ where: { id: employee.id } })).toMatchObject({ isActive: false, passwordChangedAt: null });
    expect((await t.db.userToken.findUniqueOrThrow({ where: { tokenHash: sha256(spare) } })).usedAt).toBeNull();
  });

  it('resend-verification sends nothing to an invited account, with the same answer as for anyone', async () => {
    const company = await createCompany(t.db);
    const rh = await createUser(t.db, Role.ADMIN_RH, { company });
    const { email, user } = await invite(company, rh);
    const unknown = await post('/api/auth/resend-verification', { email: `nobody.${randomUUID().slice(0, 8)}@${company.domain}` });
    const res = await post('/api/auth/resend-verification', { email });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(unknown.body);
    expect(await t.db.userToken.count({ where: { userId: user.id, type: UserTokenType.EMAIL_VERIFICATION } })).toBe(0);

    // the same request for a self-registered, unverified account does send (the test can fail)
    const registered = await createUser(t.db, Role.EMPLOYEE, { company, active: false, verified: false });
    expect((await post('/api/auth/resend-verification', { email: registered.email })).body).toEqual(unknown.body);
    await t.sink.waitForTo(registered.email);
    expect(await t.db.userToken.count({ where: { userId: registered.id, type: UserTokenType.EMAIL_VERIFICATION } })).toBe(1);
    expect(t.sink.mails.filter((m) => m.to.includes(email)).map((m) => m.links.some((l) => l.includes('/verify-email')))).toEqual([false]);
  });

  it('verify-email refuses an invited account (409 INVITATION_PENDING) even where verification activates, and the invitation still works', async () => {
    const company = await createCompany(t.db, { autoApproveEmployees: true });
    const rh = await createUser(t.db, Role.ADMIN_RH, { company });
    const { email, user, token } = await invite(company, rh);
    const verification = await mintToken(user.id, UserTokenType.EMAIL_VERIFICATION);

    const res = await post('/api/auth/verify-email', { token: verification });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('INVITATION_PENDING');
    expect(await t.db.user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({ isActive: false, emailVerified: false, passwordHash: '!' });

    expect((await post('/api/employees/activate', { token, password: PASSWORD })).status).toBe(200);
    expect((await post('/api/auth/login', { email, password: PASSWORD })).status).toBe(200);
  });

  it('a self-registered account is still verified (and auto-approved) by its link', async () => {
    const company = await createCompany(t.db, { autoApproveEmployees: true });
    const registered = await createUser(t.db, Role.EMPLOYEE, { company, active: false, verified: false });
    const res = await post('/api/auth/verify-email', { token: await mintToken(registered.id, UserTokenType.EMAIL_VERIFICATION) });
    expect(res.status).toBe(200);
    expect(res.body.isActive).toBe(true);
  });
});
