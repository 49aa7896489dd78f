import { Role } from '@prisma/client';
import { generate } from 'otplib';
import { sha256 } from '../../src/common/security/tokens.js';
import { bearer, createUser, login, PASSWORD, signAccessToken } from '../helpers/fixtures.js';
import { tokenFromMail } from '../helpers/smtp-sink.js';
import { randomIp, startTestApp, TestContext } from '../helpers/test-app.js';

/** A TOTP code for the step `steps` away from now (±1 step is accepted; each code is single-use). */
const totp = (secret: string, steps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

describe('A5/A6 password reset, I7 change password, A9–A11 TOTP 2FA, I6 preferences', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  const post = (path: string, body: object, ip = randomIp()) => t.http.post(path).set('X-Forwarded-For', ip).send(body);

  describe('forgot / reset password (US-1.5)', () => {
    it('never reveals whether the account exists and mails a 1 h single-use link', async () => {
      const user = await createUser(t.db, Role.EMPLOYEE);
      const unknown = await post('/api/auth/forgot-password', { email: `ghost.${Date.now()}@nowhere.test` });
      const known = await post('/api/auth/forgot-password', { email: user.email });
      expect(unknown.status).toBe(200);
      expect(known.status).toBe(200);
      expect(known.body).toEqual(unknown.body);

      const mail = await t.sink.waitForTo(user.email, 'Réinitialisation');
      const link = mail.links.find((l) => l.includes('/reset-password'))!;
      expect(link.startsWith('http://app.huntzen.test/reset-password?token=')).toBe(true);
      const row = await t.db.userToken.findUniqueOrThrow({ where: { tokenHash: sha256(tokenFromMail(mail)) } });
      const minutes = (row.expiresAt.getTime() - Date.now()) / 60_000;
      expect(minutes).toBeGreaterThan(59);
      expect(minutes).toBeLessThanOrEqual(60);
    });

    it('resets: new password works, old one fails, all refresh tokens and older access tokens die, confirmation mail; the link is single-use', async () => {
      const user = await createUser(t.db, Role.EMPLOYEE);
      const session = await login(t.http, user);
      const oldAccess = signAccessToken(user, { iatOffsetSec: -5 });
      await post('/api/auth/forgot-password', { email: user.email });
      const token = tokenFromMail(await t.sink.waitForTo(user.email, 'Réinitialisation'));

      const weak = await post('/api/auth/reset-password', { token, newPassword: 'weak' });
      expect(weak.status).toBe(400);
      expect(weak.body.error.details.some((d: { field: string }) => d.field === 'newPassword')).toBe(true);

      const res = await post('/api/auth/reset-password', { token, newPassword: 'Brand-New-Passw0rd!' });
      expect(res.status).toBe(200);
      expect((await post('/api/auth/login', { email: user.email, password: PASSWORD })).status).toBe(401);
      expect((await post('/api/auth/login', { email: user.email, password: 'Brand-New-Passw0rd!' })).status).toBe(200);
      expect((await post('/api/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401);
      expect((await t.http.get('/api/auth/me').set(bearer(oldAccess))).status).toBe(401);
      await t.sink.waitForTo(user.email, 'réinitialisé');
      const audit = await t.db.auditLog.findFirst({ where: { userId: user.id, action: 'UPDATE' } });
      expect(audit?.details).toEqual({ event: 'PASSWORD_RESET' });

      const again = await post('/api/auth/reset-password', { token, newPassword: 'Another-Passw0rd!' });
      expect([again.status, again.body.error.code]).toEqual([400, 'TOKEN_INVALID']);
    });

    it('refuses an expired reset link (400 TOKEN_EXPIRED) and a garbage one (400)', async () => {
      const user = await createUser(t.db, Role.EMPLOYEE);
      await t.db.userToken.create({ data: { userId: user.id, type: 'PASSWORD_RESET', tokenHash: sha256('expired-reset-token-1'), expiresAt: new Date(Date.now() - 1) } });
      const res = await post('/api/auth/reset-password', { token: 'expired-reset-token-1', newPassword: 'Brand-New-Passw0rd!' });
      expect([res.status, res.body.error.code]).toEqual([400, 'TOKEN_EXPIRED']);
      expect((await post('/api/auth/reset-password', { token: 'garbage-garbage-garbage', newPassword: 'Brand-New-Passw0rd!' })).status).toBe(400);
      // a verification token is not a reset token
      await t.db.userToken.create({ data: { userId: user.id, type: 'EMAIL_VERIFICATION', tokenHash: sha256('verification-token-1'), expiresAt: new Date(Date.now() + 60_000) } });
      expect((await post('/api/auth/reset-password', { token: 'verification-token-1', newPassword: 'Brand-New-Passw0rd!' })).status).toBe(400);
    });

    it('limits forgot-password to 3 per hour per e-mail (from any IP)', async () => {
      const user = await createUser(t.db, Role.EMPLOYEE);
      for (let i = 0; i < 3; i++) expect((await post('/api/auth/forgot-password', { email: user.email })).status).toBe(200);
      const limited = await post('/api/auth/forgot-password', { email: user.email });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(3500);
      expect((await post('/api/auth/forgot-password', { email: `other.${Date.now()}@x.test` })).status).toBe(200);
    });
  });

  describe('change password (I7)', () => {
    it('needs the current password (403), a different new one (400), then revokes other sessions and returns a new pair', async () => {
      const user = await createUser(t.db, Role.ADMIN_RH);
      const current = await login(t.http, user);
      const other = await login(t.http, user);
      const olderAccess = signAccessToken(user, { iatOffsetSec: -10 });

      const wrong = await t.http.put('/api/users/me/password').set(bearer(current.accessToken)).send({ currentPassword: 'Nope-Passw0rd!', newPassword: 'Changed-Passw0rd!' });
      expect([wrong.status, wrong.body.error.code]).toEqual([403, 'PASSWORD_INVALID']);
      const same = await t.http.put('/api/users/me/password').set(bearer(current.accessToken)).send({ currentPassword: PASSWORD, newPassword: PASSWORD });
      expect([same.status, same.body.error.code]).toEqual([400, 'PASSWORD_REUSED']);
      const weak = await t.http.put('/api/users/me/password').set(bearer(current.accessToken)).send({ currentPassword: PASSWORD, newPassword: 'short' });
      expect(weak.status).toBe(400);

      const res = await t.http.put('/api/users/me/password').set(bearer(current.accessToken)).send({ currentPassword: PASSWORD, newPassword: 'Changed-Passw0rd!' });
      expect(res.status).toBe(200);
      expect((await t.http.get('/api/auth/me').set(bearer(res.body.accessToken))).status).toBe(200);
      expect((await post('/api/auth/refresh', { refreshToken: other.refreshToken })).status).toBe(401);
      expect((await post('/api/auth/refresh', { refreshToken: res.body.refreshToken })).status).toBe(200);
      expect((await t.http.get('/api/auth/me').set(bearer(olderAccess))).status).toBe(401);
      await t.sink.waitForTo(user.email, 'mot de passe a été modifié');
    });

    it('locks after 5 wrong current passwords (per user, 15 min): the 6th answers 429 even when right', async () => {
      const user = await createUser(t.db, Role.EMPLOYEE);
      const auth = bearer((await login(t.http, user)).accessToken);
      for (let i = 1; i <= 5; i++) {
        const wrong = await t.http.put('/api/users/me/password').set(auth).send({ currentPassword: `Nope-Passw0rd${i}!`, newPassword: 'Changed-Passw0rd!' });
        expect([wrong.status, wrong.body.error.code]).toEqual([403, 'PASSWORD_INVALID']);
      }
      const locked = await t.http.put('/api/users/me/password').set(auth).send({ currentPassword: PASSWORD, newPassword: 'Changed-Passw0rd!' });
      expect([locked.status, locked.body.error.code]).toEqual([429, 'RATE_LIMITED']);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(14 * 60);
      // another user is not affected
      const other = await createUser(t.db, Role.EMPLOYEE);
      const ok = await t.http.put('/api/users/me/password').set(bearer((await login(t.http, other)).accessToken)).send({ currentPassword: PASSWORD, newPassword: 'Changed-Passw0rd!' });
      expect(ok.status).toBe(200);
    });
  });

  describe('TOTP 2FA (US-12.1)', () => {
    it('runs the whole cycle: setup, verify, login with MFA_REQUIRED / MFA_INVALID / single-use codes, backup codes, disable', async () => {
      const user = await createUser(t.db, Role.EMPLOYEE);
      const s = await login(t.http, user);
      const auth = bearer(s.accessToken);

      const setup = await t.http.post('/api/auth/2fa/setup').set(auth);
      expect(setup.status).toBe(200);
      expect(setup.body.qrCodeUrl).toMatch(/^data:image\/png;base64,/);
      expect(setup.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\/HuntZen%20Care:/);
      expect(setup.body.backupCodes).toHaveLength(10);
      expect(new Set(setup.body.backupCodes).size).toBe(10);
      const { secret, backupCodes } = setup.body as { secret: string; backupCodes: string[] };

      const stored = await t.db.user.findUniqueOrThrow({ where: { id: user.id } });
      expect(stored.twoFactorEnabled).toBe(false);
      expect(stored.twoFactorSecret).not.toContain(secret); // encrypted at rest
      const codes = await t.db.twoFactorBackupCode.findMany({ where: { userId: user.id } });
      expect(codes).toHaveLength(10);
      expect(JSON.stringify(codes)).not.toContain(backupCodes[0]);
      // nothing is active yet: login needs no code
      expect((await post('/api/auth/login', { email: user.email, password: PASSWORD })).status).toBe(200);

      const bad = await t.http.post('/api/auth/2fa/verify').set(auth).send({ code: '000000' === (await totp(secret)) ? '111111' : '000000' });
      expect([bad.status, bad.body.error.code]).toEqual([400, 'MFA_INVALID']);
      expect((await t.http.post('/api/auth/2fa/verify').set(auth).send({ code: '12ab56' })).status).toBe(400);
      const ok = await t.http.post('/api/auth/2fa/verify').set(auth).send({ code: await totp(secret, -1) });
      expect(ok.status).toBe(200);
      expect(ok.body.twoFactorEnabled).toBe(true);
      await t.sink.waitForTo(user.email, 'Double authentification activée');
      expect((await t.http.post('/api/auth/2fa/setup').set(auth)).status).toBe(409);

      const noCode = await post('/api/auth/login', { email: user.email, password: PASSWORD });
      expect([noCode.status, noCode.body.error.code]).toEqual([401, 'MFA_REQUIRED']);
      const wrongCode = await post('/api/auth/login', { email: user.email, password: PASSWORD, mfaCode: '999999' === (await totp(secret)) ? '888888' : '999999' });
      expect([wrongCode.status, wrongCode.body.error.code]).toEqual([401, 'MFA_INVALID']);
      const code = await totp(secret, 0);
      expect((await post('/api/auth/login', { email: user.email, password: PASSWORD, mfaCode: code })).status).toBe(200);
      const replay = await post('/api/auth/login', { email: user.email, password: PASSWORD, mfaCode: code });
      expect([replay.status, replay.body.error.code]).toEqual([401, 'MFA_INVALID']);

      expect((await post('/api/auth/login', { email: user.email, password: PASSWORD, mfaCode: backupCodes[0] })).status).toBe(200);
      expect((await post('/api/auth/login', { email: user.email, password: PASSWORD, mfaCode: backupCodes[0] })).status).toBe(401);
      expect((await post('/api/auth/login', { email: user.email, password: PASSWORD, mfaCode: backupCodes[1].replace('-', '').toLowerCase() })).status).toBe(200);

      const wrongPassword = await t.http.post('/api/auth/2fa/disable').set(auth).send({ password: 'Wrong-Passw0rd!', code: await totp(secret, 1) });
      expect([wrongPassword.status, wrongPassword.body.error.code]).toEqual([403, 'PASSWORD_INVALID']);
      const wrongDisableCode = await t.http.post('/api/auth/2fa/disable').set(auth).send({ password: PASSWORD, code: code });
      expect([wrongDisableCode.status, wrongDisableCode.body.error.code]).toEqual([400, 'MFA_INVALID']);
      const disabled = await t.http.post('/api/auth/2fa/disable').set(auth).send({ password: PASSWORD, code: await totp(secret, 1) });
      expect(disabled.status).toBe(200);
      expect(await t.db.twoFactorBackupCode.count({ where: { userId: user.id } })).toBe(0);
      expect((await t.db.user.findUniqueOrThrow({ where: { id: user.id } })).twoFactorSecret).toBeNull();
      expect((await post('/api/auth/login', { email: user.email, password: PASSWORD })).status).toBe(200);
      expect((await t.http.post('/api/auth/2fa/disable').set(auth).send({ password: PASSWORD, code: '123456' })).body.error.code).toBe('MFA_NOT_ENABLED');

      const events = (await t.db.auditLog.findMany({ where: { userId: user.id, action: 'UPDATE' } })).map((a) => (a.details as { event: string }).event);
      expect(events).toEqual(expect.arrayContaining(['TWO_FACTOR_ENABLED', 'TWO_FACTOR_DISABLED']));
      expect(JSON.stringify(await t.db.auditLog.findMany({ where: { userId: user.id } }))).not.toContain(secret);
    });

    it('locks the account for 15 min after 5 wrong codes, counted across login (from any IP), /2fa/verify and /2fa/disable; a right code clears the count', async () => {
      const user = await createUser(t.db, Role.EMPLOYEE);
      const auth = bearer((await login(t.http, user)).accessToken);
      const { secret } = (await t.http.post('/api/auth/2fa/setup').set(auth)).body as { secret: string };
      const wrong = async () => ((await totp(secret)) === '000000' ? '111111' : '000000');
      // /2fa/verify: 4 wrong codes, then the right one clears them
      for (let i = 0; i < 4; i++) expect((await t.http.post('/api/auth/2fa/verify').set(auth).send({ code: await wrong() })).status).toBe(400);
      expect((await t.http.post('/api/auth/2fa/verify').set(auth).send({ code: await totp(secret, -1) })).status).toBe(200);

      // 3 wrong codes at login, each from another IP, and 2 at /2fa/disable: the 5 fill the budget
      for (let i = 0; i < 3; i++) {
        const res = await post('/api/auth/login', { email: user.email, password: PASSWORD, mfaCode: await wrong() });
        expect([res.status, res.body.error.code]).toEqual([401, 'MFA_INVALID']);
      }
      for (let i = 0; i < 2; i++) {
        const res = await t.http.post('/api/auth/2fa/disable').set(auth).send({ password: PASSWORD, code: await wrong() });
        expect([res.status, res.body.error.code]).toEqual([400, 'MFA_INVALID']);
      }
      const atLogin = await post('/api/auth/login', { email: user.email, password: PASSWORD, mfaCode: await totp(secret, 0) });
      expect([atLogin.status, atLogin.body.error.code]).toEqual([429, 'RATE_LIMITED']);
      expect(Number(atLogin.headers['retry-after'])).toBeGreaterThan(14 * 60);
      const atDisable = await t.http.post('/api/auth/2fa/disable').set(auth).send({ password: PASSWORD, code: await totp(secret, 1) });
      expect([atDisable.status, atDisable.body.error.code]).toEqual([429, 'RATE_LIMITED']);
      // a wrong password is still answered as such (the lock is checked with the code); the account stays protected
      expect((await post('/api/auth/login', { email: user.email, password: 'Wrong-Passw0rd!' })).status).toBe(401);
      expect((await t.db.user.findUniqueOrThrow({ where: { id: user.id } })).twoFactorEnabled).toBe(true);
    });

    it('verify before setup is a 400 MFA_SETUP_REQUIRED; 2FA routes need authentication', async () => {
      const user = await createUser(t.db, Role.PRACTITIONER);
      const s = await login(t.http, user);
      const res = await t.http.post('/api/auth/2fa/verify').set(bearer(s.accessToken)).send({ code: '123456' });
      expect([res.status, res.body.error.code]).toEqual([400, 'MFA_SETUP_REQUIRED']);
      expect((await t.http.post('/api/auth/2fa/setup')).status).toBe(401);
    });
  });

  describe('notification preferences (I6)', () => {
    it('defaults to everything on, stores changes per type, validates types', async () => {
      const user = await createUser(t.db, Role.EMPLOYEE);
      const auth = bearer((await login(t.http, user)).accessToken);
      const initial = await t.http.get('/api/users/me/notification-preferences').set(auth);
      expect(initial.status).toBe(200);
      expect(initial.body.preferences.every((p: { inApp: boolean; email: boolean }) => p.inApp && p.email)).toBe(true);

      const put = await t.http.put('/api/users/me/notification-preferences').set(auth).send({ preferences: [{ type: 'CONSULTATION_REMINDER_1H', email: false }] });
      expect(put.status).toBe(200);
      expect(put.body.preferences.find((p: { type: string }) => p.type === 'CONSULTATION_REMINDER_1H')).toEqual({ type: 'CONSULTATION_REMINDER_1H', inApp: true, email: false });

      const bad = await t.http.put('/api/users/me/notification-preferences').set(auth).send({ preferences: [{ type: 'NOPE', email: 'yes' }] });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['preferences.0.type', 'preferences.0.email']));
    });
  });
});
