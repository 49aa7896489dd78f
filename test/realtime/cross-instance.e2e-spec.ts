// Two api processes on the same PostgreSQL and Redis (as behind nginx): a call signal, a presence change
// and an account change cross from instance A to instance B; an instance killed with SIGKILL ends its
// calls and its users' presence through the expiries alone.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient, Role } from '@prisma/client';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { insertConsultation } from '../consultations/helpers.js';
import { bearer, createUser, signAccessToken } from '../helpers/fixtures.js';
import { buildOnce, freePort, startProcess, type RunningProcess } from '../helpers/processes.js';
import { disconnected, emitAck, eventually } from '../helpers/realtime.js';
import { SmtpSink } from '../helpers/smtp-sink.js';
import { connectSocket, nextEvent } from '../helpers/sockets.js';
import { TEST_SECRETS } from '../helpers/test-app.js';

interface Instance {
  proc: RunningProcess;
  http: string;
  ws: string;
}

const prefix = `x${randomBytes(4).toString('hex')}`;
let db: PrismaClient;
let sink: SmtpSink;
let a: Instance;
let b: Instance;
const sockets: Socket[] = [];

async function startApi(): Promise<Instance> {
  const [port, wsPort] = [await freePort(), await freePort()];
  const proc = startProcess('main', {
    ...TEST_SECRETS,
    NODE_ENV: 'test',
    APP_DATABASE_URL: process.env.APP_DATABASE_URL!,
    SYSTEM_DATABASE_URL: process.env.SYSTEM_DATABASE_URL!,
    REDIS_URL: process.env.REDIS_URL!,
    REDIS_PREFIX: prefix, // shared: the two instances are one deployment
    PORT: String(port),
    WS_PORT: String(wsPort),
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    FRONTEND_URL: 'http://app.huntzen.test',
    WORKER_EMBEDDED: 'false',
    THROTTLE_LIMIT: '1000',
    PRESENCE_TTL_SECONDS: '3',
    LOG_LEVEL: 'warn',
  });
  const http = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(`${http}/health`).catch(() => null))?.status === 200, 90_000);
  return { proc, http, ws: `http://127.0.0.1:${wsPort}` };
}

beforeAll(async () => {
  sink = new SmtpSink();
  await sink.start();
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.SYSTEM_DATABASE_URL!, max: 2 }) });
  await buildOnce();
  [a, b] = await Promise.all([startApi(), startApi()]);
}, 400_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await Promise.all([a, b].map((i) => i?.proc.stop('SIGTERM', 20_000)));
  await db?.$disconnect();
  await sink?.stop();
}, 60_000);

async function on(instance: Instance, namespace: string, token: string): Promise<Socket> {
  const s = await connectSocket(instance.ws, namespace, token);
  sockets.push(s);
  return s;
}

async function audioPair() {
  const employee = await createUser(db, Role.EMPLOYEE);
  const practitioner = await createUser(db, Role.PRACTITIONER);
  const c = await insertConsultation(db, employee, practitioner, { start: new Date(Date.now() + 5 * 60_000), format: 'AUDIO' });
  return { employee, practitioner, consultationId: c.id };
}

it('a call started on A rings on B; accept, offer, answer, ICE and end cross both ways', async () => {
  const { employee, practitioner, consultationId } = await audioPair();
  const e = await on(a, '/audio-call', signAccessToken(employee));
  const p = await on(b, '/audio-call', signAccessToken(practitioner));

  const incoming = nextEvent(p, 'call:incoming');
  expect(await emitAck(e, 'call:initiate', { consultationId })).toEqual({ ok: true, status: 'calling' });
  expect(await incoming).toEqual({ consultationId, callerId: employee.id });
  const accepted = nextEvent(e, 'call:accepted');
  expect(await emitAck(p, 'call:accept', { consultationId })).toEqual({ ok: true, status: 'accepted' });
  expect(await accepted).toEqual({ consultationId, calleeId: practitioner.id });

  const offer = { type: 'offer', sdp: 'v=0\r\n' };
  const gotOffer = nextEvent(p, 'webrtc:offer');
  expect(await emitAck(e, 'webrtc:offer', { consultationId, offer })).toMatchObject({ ok: true });
  expect(await gotOffer).toEqual({ consultationId, offer });
  const gotAnswer = nextEvent(e, 'webrtc:answer');
  await emitAck(p, 'webrtc:answer', { consultationId, answer: { type: 'answer', sdp: 'v=0\r\n' } });
  expect((await gotAnswer).answer.type).toBe('answer');
  const gotIce = nextEvent(p, 'webrtc:ice-candidate');
  await emitAck(e, 'webrtc:ice-candidate', { consultationId, candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 1 typ host' } });
  expect((await gotIce).candidate.candidate).toContain('candidate:1');

  const ended = nextEvent(p, 'call:ended');
  e.close(); // the caller's tab closes on A: B hears of it
  expect(await ended).toEqual({ consultationId });
});

it('a presence change on A reaches the counterpart on B', async () => {
  const { employee, practitioner } = await audioPair();
  const p = await on(b, '/notifications', signAccessToken(practitioner));
  const online = nextEvent(p, 'presence:update');
  const e = await on(a, '/notifications', signAccessToken(employee));
  expect(await online).toEqual({ userId: employee.id, status: 'online' });
  expect(await emitAck(p, 'presence:get', {})).toEqual({ ok: true, presence: [{ userId: employee.id, status: 'online' }] });
  const offline = nextEvent(p, 'presence:update');
  e.close();
  expect(await offline).toEqual({ userId: employee.id, status: 'offline' });
});

it('a password change on A closes the socket on B, and B refuses the old token', async () => {
  const user = await createUser(db, Role.EMPLOYEE);
  const older = signAccessToken(user, { iatOffsetSec: -5 });
  const onB = [await on(b, '/notifications', older), await on(b, '/audio-call', older)];
  const closed = onB.map((s) => disconnected(s, 60_000));
  const session = await fetch(`${a.http}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '10.9.9.9' },
    body: JSON.stringify({ email: user.email, password: user.password }),
  }).then((r) => r.json());
  const res = await fetch(`${a.http}/api/users/me/password`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', ...bearer(session.accessToken) },
    body: JSON.stringify({ currentPassword: user.password, newPassword: 'N3w-Passw0rd!x' }),
  });
  expect(res.status).toBe(200);
  for (const reason of await Promise.all(closed)) expect(reason).toBe('io server disconnect');
  await expect(connectSocket(b.ws, '/notifications', older)).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
});

it('an instance killed with SIGKILL: the survivor ends its calls and announces its users offline (expiries)', async () => {
  const { employee, practitioner, consultationId } = await audioPair();
  const eCall = await on(b, '/audio-call', signAccessToken(employee));
  const pCall = await on(a, '/audio-call', signAccessToken(practitioner));
  const pNotif = await on(a, '/notifications', signAccessToken(practitioner));
  const incoming = nextEvent(pCall, 'call:incoming');
  await emitAck(eCall, 'call:initiate', { consultationId });
  await incoming;
  expect(await emitAck(pCall, 'call:accept', { consultationId })).toMatchObject({ ok: true });

  const ended = nextEvent(pCall, 'call:ended', () => true, 20_000);
  const offline = nextEvent(pNotif, 'presence:update', (u) => u.userId === employee.id && u.status === 'offline', 20_000);
  b.proc.kill(); // no disconnect is ever processed for the employee's socket
  expect(await ended).toEqual({ consultationId });
  expect(await offline).toEqual({ userId: employee.id, status: 'offline' });
}, 60_000);
