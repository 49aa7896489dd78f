// Presence (SPEC §5.4 W26): online while at least one socket of the user is connected (any namespace),
// announced only to users who share a non-cancelled consultation; presence:get for a page load.
import { ConsultationStatus, Role } from '@prisma/client';
import { Redis } from 'ioredis';
import type { Socket } from 'socket.io-client';
import { insertConsultation } from '../consultations/helpers.js';
import { createUser, signAccessToken, type TestUser } from '../helpers/fixtures.js';
import { barrier, emitAck, eventually, recordAll } from '../helpers/realtime.js';
import { connectSocket, nextEvent } from '../helpers/sockets.js';
import { startTestApp, type TestContext } from '../helpers/test-app.js';

// the whole suite shares 2 cores: a flow of several logins and sockets needs more than the default 30 s
const SLOW = 90_000;
let t: TestContext;
let redis: Redis;
const open: Socket[] = [];

beforeAll(async () => {
  t = await startTestApp({ env: { PRESENCE_TTL_SECONDS: '3' } });
  redis = new Redis(process.env.REDIS_URL!);
});
afterAll(async () => {
  for (const s of open) s.close();
  redis?.disconnect();
  await t?.close();
});

async function connect(user: TestUser, namespace = '/notifications'): Promise<Socket> {
  const s = await connectSocket(t.wsUrl, namespace, signAccessToken(user));
  open.push(s);
  return s;
}

const liveSockets = async (userId: string) => redis.zcount(`${t.redisPrefix}:presence:u:${userId}`, `(${Date.now()}`, '+inf');

it('announces online/offline to counterparts only, counts tabs on every namespace, and answers presence:get', async () => {
  const employee = await createUser(t.db, Role.EMPLOYEE);
  const practitioner = await createUser(t.db, Role.PRACTITIONER);
  const cancelledOnly = await createUser(t.db, Role.PRACTITIONER);
  const stranger = await createUser(t.db, Role.EMPLOYEE);
  await insertConsultation(t.db, employee, practitioner, { start: new Date(Date.now() + 86_400_000), format: 'AUDIO' });
  await insertConsultation(t.db, employee, cancelledOnly, { start: new Date(Date.now() + 2 * 86_400_000), status: ConsultationStatus.CANCELLED });

  const p = await connect(practitioner);
  const c = await connect(cancelledOnly);
  const s = await connect(stranger);
  const pLog = recordAll(p);
  const others = [c, s].map(recordAll);

  // the practitioner asks on page load: the employee is offline; the others are nobody it may ask about
  expect(await emitAck(p, 'presence:get', {})).toEqual({ ok: true, presence: [{ userId: employee.id, status: 'offline' }] });
  expect(await emitAck(p, 'presence:get', { userIds: [stranger.id, employee.id] })).toEqual({ ok: true, presence: [{ userId: employee.id, status: 'offline' }] });
  expect(await emitAck(s, 'presence:get', { userIds: [employee.id] })).toEqual({ ok: true, presence: [] });
  expect(await emitAck(c, 'presence:get')).toEqual({ ok: true, presence: [] });
  expect(await emitAck(p, 'presence:get', { userIds: ['nope'] })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
  expect(await emitAck(p, 'presence:get', { other: 1 })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });

  // first tab: online
  const online = nextEvent(p, 'presence:update');
  const tab1 = await connect(employee);
  expect(await online).toEqual({ userId: employee.id, status: 'online' });
  expect(await emitAck(p, 'presence:get', { userIds: [employee.id] })).toEqual({ ok: true, presence: [{ userId: employee.id, status: 'online' }] });
  // the employee sees the practitioner too (both directions)
  expect(await emitAck(tab1, 'presence:get', {})).toEqual({ ok: true, presence: [{ userId: practitioner.id, status: 'online' }] });

  // second tab, on another namespace: no new announcement; closing the first keeps the user online
  const tab2 = await connect(employee, '/audio-call');
  await eventually(async () => (await liveSockets(employee.id)) === 2);
  tab1.close();
  await eventually(async () => (await liveSockets(employee.id)) === 1);
  expect(await emitAck(p, 'presence:get', { userIds: [employee.id] })).toMatchObject({ presence: [{ status: 'online' }] });

  // last tab gone: offline
  const offline = nextEvent(p, 'presence:update');
  tab2.close();
  expect(await offline).toEqual({ userId: employee.id, status: 'offline' });

  await Promise.all([p, c, s].map(barrier));
  expect(pLog.events.filter((e) => e.event === 'presence:update').map((e) => e.payload.status)).toEqual(['online', 'offline']);
  for (const log of others) expect(log.events.filter((e) => e.event === 'presence:update')).toEqual([]);
}, SLOW);

it('a socket whose instance stops refreshing it (a crash) expires: a surviving instance announces offline', async () => {
  const employee = await createUser(t.db, Role.EMPLOYEE);
  const practitioner = await createUser(t.db, Role.PRACTITIONER);
  await insertConsultation(t.db, employee, practitioner, { start: new Date(Date.now() + 86_400_000) });
  const p = await connect(practitioner);
  // what a dead instance leaves behind: a socket entry nobody refreshes any more (PRESENCE_TTL_SECONDS=3)
  const identity = { userId: employee.id, email: '', role: 'EMPLOYEE', companyId: employee.companyId, employeeId: employee.employeeId, practitionerId: null };
  const expires = Date.now() + 1500;
  await redis.zadd(`${t.redisPrefix}:presence:u:${employee.id}`, expires, 'socket-of-a-dead-instance');
  await redis.zadd(`${t.redisPrefix}:presence:online`, expires, employee.id);
  await redis.set(`${t.redisPrefix}:presence:who:${employee.id}`, JSON.stringify(identity), 'PX', 60_000);
  expect(await emitAck(p, 'presence:get', {})).toEqual({ ok: true, presence: [{ userId: employee.id, status: 'online' }] });
  expect(await nextEvent(p, 'presence:update', (u) => u.userId === employee.id)).toEqual({ userId: employee.id, status: 'offline' });
  expect(await emitAck(p, 'presence:get', {})).toEqual({ ok: true, presence: [{ userId: employee.id, status: 'offline' }] });
}, SLOW);
