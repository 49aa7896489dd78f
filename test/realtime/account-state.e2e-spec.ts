// Sockets follow account state: a password change or reset, logout everywhere, an employee's
// deactivation or deletion and a company's suspension close the user's sockets on every namespace,
// and the old token cannot open a new one.
import { Role } from '@prisma/client';
import type { Socket } from 'socket.io-client';
import { bearer, createCompany, createUser, login, signAccessToken, type TestUser } from '../helpers/fixtures.js';
import { disconnected, emitAck } from '../helpers/realtime.js';
import { tokenFromMail } from '../helpers/smtp-sink.js';
import { connectSocket } from '../helpers/sockets.js';
import { randomIp, startTestApp, type TestContext } from '../helpers/test-app.js';

// the whole suite shares 2 cores: a flow of several logins and sockets needs more than the default 30 s
const SLOW = 90_000;
let t: TestContext;
const open: Socket[] = [];

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  for (const s of open) s.close();
  await t?.close();
});

/** One socket per namespace for `token`. */
async function socketsOf(token: string): Promise<Socket[]> {
  const out = [await connectSocket(t.wsUrl, '/notifications', token), await connectSocket(t.wsUrl, '/audio-call', token)];
  open.push(...out);
  return out;
}

async function expectAllClosed(sockets: Socket[], token: string, code = 'UNAUTHORIZED'): Promise<void> {
  for (const reason of await Promise.all(sockets.map((s) => disconnected(s)))) expect(['io server disconnect', 'already']).toContain(reason);
  await expect(connectSocket(t.wsUrl, '/notifications', token)).rejects.toMatchObject({ data: { code } });
}

it('a password change closes every socket of the user; the new token connects', async () => {
  const user = await createUser(t.db, Role.EMPLOYEE);
  const { accessToken } = await login(t.http, user);
  const sockets = await socketsOf(accessToken);
  // an access token from an earlier second: the change invalidates it (the new pair is from this second)
  const older = signAccessToken(user, { iatOffsetSec: -5 });
  sockets.push(...(await socketsOf(older)));
  const res = await t.http.put('/api/users/me/password').set(bearer(accessToken)).send({ currentPassword: user.password, newPassword: 'N3w-Passw0rd!x' });
  expect(res.status).toBe(200);
  await expectAllClosed(sockets, older);
  const fresh = await connectSocket(t.wsUrl, '/notifications', res.body.accessToken);
  open.push(fresh);
  expect(fresh.connected).toBe(true);
}, SLOW);

it('a password reset closes every socket of the user', async () => {
  const user = await createUser(t.db, Role.PRACTITIONER);
  const token = signAccessToken(user, { iatOffsetSec: -5 });
  const sockets = await socketsOf(token);
  await t.http.post('/api/auth/forgot-password').set('X-Forwarded-For', randomIp()).send({ email: user.email });
  const resetToken = tokenFromMail(await t.sink.waitForTo(user.email, 'Réinitialisation'));
  const res = await t.http.post('/api/auth/reset-password').set('X-Forwarded-For', randomIp()).send({ token: resetToken, newPassword: 'N3w-Passw0rd!x' });
  expect(res.status).toBe(200);
  await expectAllClosed(sockets, token);
}, SLOW);

it('logout everywhere closes every socket; logging out one session keeps them', async () => {
  const user = await createUser(t.db, Role.EMPLOYEE);
  const a = await login(t.http, user);
  const [keep] = await socketsOf(a.accessToken);
  const one = await t.http.post('/api/auth/logout').set(bearer(a.accessToken)).send({ refreshToken: a.refreshToken });
  expect(one.status).toBe(200);
  expect((await emitAck(keep, 'presence:get', {})).ok).toBe(true);

  const b = await login(t.http, user);
  const sockets = await socketsOf(b.accessToken);
  const all = await t.http.post('/api/auth/logout').set(bearer(b.accessToken)).send({});
  expect(all.status).toBe(200);
  for (const reason of await Promise.all([keep, ...sockets].map((s) => disconnected(s)))) expect(['io server disconnect', 'already']).toContain(reason);
}, SLOW);

it("an employee's deactivation or deletion by HR closes their sockets", async () => {
  const company = await createCompany(t.db);
  const hr = await createUser(t.db, Role.ADMIN_RH, { company });
  const hrToken = (await login(t.http, hr)).accessToken;
  for (const [method, suffix] of [['put', '/deactivate'], ['delete', '']] as const) {
    const employee: TestUser = await createUser(t.db, Role.EMPLOYEE, { company });
    const token = signAccessToken(employee);
    const sockets = await socketsOf(token);
    const res = await t.http[method](`/api/employees/${employee.employeeId}${suffix}`).set(bearer(hrToken));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await expectAllClosed(sockets, token);
  }
}, SLOW);

it("a company's suspension closes the sockets of all its users; they cannot reconnect (COMPANY_INACTIVE)", async () => {
  const company = await createCompany(t.db);
  const admin = await createUser(t.db, Role.ADMIN_HUNTZEN);
  const e1 = await createUser(t.db, Role.EMPLOYEE, { company });
  const hr = await createUser(t.db, Role.ADMIN_RH, { company });
  const outsider = await createUser(t.db, Role.EMPLOYEE);
  const sockets = [...(await socketsOf(signAccessToken(e1))), await connectSocket(t.wsUrl, '/notifications', signAccessToken(hr))];
  const unaffected = await connectSocket(t.wsUrl, '/notifications', signAccessToken(outsider));
  open.push(...sockets.slice(-1), unaffected);
  const res = await t.http.put(`/api/companies/${company.id}/suspend`).set(bearer(signAccessToken(admin)));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await expectAllClosed(sockets, signAccessToken(e1), 'COMPANY_INACTIVE');
  expect((await emitAck(unaffected, 'presence:get', {})).ok).toBe(true);
  expect(unaffected.connected).toBe(true);
}, SLOW);
