// Scale-out, proven on real processes (issue 13): the repository's nginx configuration (nginx/) in front
// of two compiled api processes and one worker, on a PostgreSQL and Redis of this file's own
// (scripts/services.mjs instance "cluster", restarted here under load). Everything goes through nginx.
// Each scenario prints one summary line: `[cluster] <scenario>: requests sent N, failed N, messages
// sent N, lost N, jobs N, duplicates N`. `npm run test:cluster` runs this file alone.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient, Role } from '@prisma/client';
import { Queue } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { createOpenPractitioner, insertConsultation, slotAt } from '../consultations/helpers.js';
import { startFaultServices, type FaultServices } from '../helpers/fault-services.js';
import { bearer, createCompany, createUser, signAccessToken, type TestUser } from '../helpers/fixtures.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import { buildOnce, freePort, startProcess, type RunningProcess } from '../helpers/processes.js';
import { SmtpSink } from '../helpers/smtp-sink.js';
import { TEST_SECRETS } from '../helpers/test-app.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BUILD = 'cluster';
const JOB_LOCK_MS = 2000;
const SCENARIO_MS = 120_000;

let services: FaultServices;
let sink: SmtpSink;
let db: PrismaClient;
let nginx: Nginx;
const prefix = `c${randomBytes(3).toString('hex')}`;
const apis: { name: string; port: number; wsPort: number; proc?: RunningProcess }[] = [];
let worker: RunningProcess | undefined;
const everything: RunningProcess[] = [];
const sockets: Socket[] = [];
const summaries: string[] = [];

/** Progress notes, in .data/cluster/progress.log (vitest shows a test's output only when it ends). */
function note(msg: string): void {
  fs.mkdirSync(path.join(ROOT, '.data', 'cluster'), { recursive: true });
  fs.appendFileSync(path.join(ROOT, '.data', 'cluster', 'progress.log'), `${new Date().toISOString()} ${msg}\n`);
}

function summary(scenario: string, s: { requests?: number; failed?: number; messages?: number; lost?: number; jobs?: number; duplicates?: number; note?: string }): void {
  const line = `[cluster] ${scenario}: requests sent ${s.requests ?? 0}, failed ${s.failed ?? 0}, messages sent ${s.messages ?? 0}, lost ${s.lost ?? 0}, jobs ${s.jobs ?? 0}, duplicates ${s.duplicates ?? 0}${s.note ? ` (${s.note})` : ''}`;
  summaries.push(line);
  console.log(line);
}

async function eventually(fn: () => Promise<boolean> | boolean, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function env(extra: Record<string, string>): Record<string, string> {
  return {
    ...TEST_SECRETS,
    NODE_ENV: 'test',
    APP_DATABASE_URL: services.appUrl,
    SYSTEM_DATABASE_URL: services.systemUrl,
    REDIS_URL: services.redisUrl,
    REDIS_PREFIX: prefix,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    FRONTEND_URL: 'http://app.huntzen.test',
    WORKER_EMBEDDED: 'false',
    TRUST_PROXY: 'loopback',
    THROTTLE_LIMIT: '100000',
    SHUTDOWN_GRACE_MS: '10000',
    SHUTDOWN_DRAIN_MS: '5000',
    JOB_LOCK_MS: String(JOB_LOCK_MS),
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

async function startApi(i: number): Promise<void> {
  const api = apis[i];
  const proc = startProcess('main', env({ PORT: String(api.port), WS_PORT: String(api.wsPort), INSTANCE_ID: api.name }), BUILD);
  everything.push(proc);
  api.proc = proc;
  await eventually(async () => (await fetch(`http://127.0.0.1:${api.port}/health/ready`).catch(() => null))?.status === 200, 180_000, `${api.name} ready`).catch((e) => {
    throw new Error(`${e.message}\n${proc.output().slice(-3000)}`);
  });
}

async function startWorker(): Promise<void> {
  worker = startProcess('worker', env({ INSTANCE_ID: 'worker-1', LOG_LEVEL: 'info' }), BUILD);
  everything.push(worker);
  await worker.waitForOutput(/worker started/, 180_000);
}

/** A BullMQ queue of the cluster's Redis, quiet while Redis is down (its errors are the scenario's point). */
function queue(name: string): Queue {
  const q = new Queue(name, { connection: { url: services.redisUrl }, prefix: `${prefix}:bull` });
  q.on('error', () => undefined);
  return q;
}

// ───────────────────────── HTTP through nginx ─────────────────────────
interface Res {
  status: number;
  instance: string;
  body: any;
  headers: Headers;
}
/** One request through nginx (fetch's own keep-alive pool: like a browser's). Network errors are status 0. */
async function call(method: string, url: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Res> {
  try {
    const res = await fetch(`${nginx.url}${url}`, {
      method,
      headers: { ...(opts.token ? bearer(opts.token) : {}), ...(opts.body ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      body: opts.body ? JSON.stringify(opts.body) : undefined,
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (an nginx error page)
    }
    return { status: res.status, instance: res.headers.get('x-instance-id') ?? '', body, headers: res.headers };
  } catch (e) {
    return { status: 0, instance: '', body: String(e), headers: new Headers() };
  }
}

// ───────────────────────── Socket.IO through nginx ─────────────────────────
/** The api instance nginx pins a client address to (an Engine.IO handshake from that address). */
function socketInstanceFor(address: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: nginx.port, path: '/socket.io/?EIO=4&transport=polling', localAddress: address, agent: false }, (res) => {
      res.resume();
      resolve(String(res.headers['x-instance-id'] ?? ''));
    });
    req.on('error', reject);
  });
}

/** Loopback addresses that nginx pins to each api instance (sticky by client address). */
async function addressesPerInstance(): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (let i = 2; i < 200 && Object.keys(found).length < apis.length; i++) {
    const address = `127.0.${i}.${(i * 7) % 250 || 1}`;
    const instance = await socketInstanceFor(address);
    found[instance] ??= address;
  }
  if (Object.keys(found).length < apis.length) throw new Error(`nginx pinned every client address to ${Object.keys(found)}`);
  return found;
}

interface Tracked {
  socket: Socket;
  received: Map<string, unknown[]>;
  connects: number;
  disconnects: number;
}
function track(socket: Socket, events: string[]): Tracked {
  const t: Tracked = { socket, received: new Map(), connects: 0, disconnects: 0 };
  for (const e of events) t.received.set(e, []);
  for (const e of events) socket.on(e, (payload: unknown) => t.received.get(e)!.push(payload));
  socket.on('connect', () => t.connects++);
  socket.on('disconnect', () => t.disconnects++);
  return t;
}

/** A Socket.IO client through nginx from `address`, on one transport only, reconnecting by itself. */
async function connect(namespace: string, token: string, transport: 'websocket' | 'polling', address: string, events: string[]): Promise<Tracked> {
  const agent = new http.Agent({ localAddress: address, keepAlive: true });
  const socket = io(`${nginx.url}${namespace}`, {
    auth: { token },
    transports: [transport],
    upgrade: false,
    agent: agent as any,
    localAddress: address,
    forceNew: true,
    reconnection: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 1000,
    randomizationFactor: 0,
  } as any);
  sockets.push(socket);
  const tracked = track(socket, events);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  expect(socket.io.engine.transport.name).toBe(transport);
  return tracked;
}

// ───────────────────────── fixtures ─────────────────────────
let employees: TestUser[];
let practitioners: TestUser[];
let employeeTokens: string[];
let practitionerTokens: string[];
let chatConsultations: string[];
let slotCursor = 0;
let pendingConsultation: { id: string; start: Date; employeeEmail: string };

/** The next free hourly slot (practitioners are open round the clock, 50 min + 10 min buffer). */
function nextSlot(): Date {
  const n = slotCursor++;
  return slotAt(2 + Math.floor(n / 24), n % 24);
}

/** Books practitioner `i` for employee `i` (each employee books one practitioner: no self-conflict). */
async function book(i: number, idempotencyKey?: string, at = nextSlot()): Promise<Res & { at: Date }> {
  const res = await call('POST', '/api/consultations', {
    token: employeeTokens[i],
    body: { practitionerId: practitioners[i].practitionerId, scheduledAt: at.toISOString(), format: 'VIDEO' },
    headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {},
  });
  return { ...res, at };
}

const consultationOf = (n: any): string | undefined => /\/consultations\/([0-9a-f-]{36})/.exec(n?.linkUrl ?? '')?.[1];

/** Consultation ids of the practitioner's CONSULTATION_BOOKED notifications, read through the REST api. */
async function notifiedConsultations(i: number): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let page = 1; page < 50; page++) {
    const res = await call('GET', `/api/notifications?limit=100&page=${page}`, { token: practitionerTokens[i] });
    if (res.status !== 200) throw new Error(`GET /api/notifications: ${res.status}`);
    for (const n of res.body.notifications ?? res.body.data ?? []) if (n.type === 'CONSULTATION_BOOKED') ids.add(consultationOf(n)!);
    if ((res.body.notifications ?? res.body.data ?? []).length < 100) break;
  }
  return ids;
}

// ───────────────────────── steady load ─────────────────────────
interface Load {
  sent: number;
  failed: { op: string; status: number; body: string }[];
  unavailable: number;
  journalIds: string[];
  bookings: { practitioner: number; id: string }[];
  stop(): Promise<void>;
}
/**
 * `users` loops, each one request at a time (bounded, loopback): GET /api/auth/me, POST /api/journal
 * (committed rows, checked afterwards) and, every 4th request, a booking (which notifies the
 * practitioner: the "messages"). `allow503`: during a dependency outage, a 503 SERVICE_UNAVAILABLE is
 * the expected answer, not a failure.
 */
function startLoad(opts: { users?: number; allow503?: () => boolean } = {}): Load {
  let running = true;
  const load: Load = { sent: 0, failed: [], unavailable: 0, journalIds: [], bookings: [], stop: async () => undefined };
  const loop = async (u: number) => {
    for (let n = 0; running; n++) {
      const who = u % 2;
      const op = n % 4 === 3 ? 'book' : n % 2 === 0 ? 'me' : 'journal';
      load.sent++;
      let res: Res;
      let expected: number;
      if (op === 'me') {
        res = await call('GET', '/api/auth/me', { token: employeeTokens[who] });
        expected = 200;
      } else if (op === 'journal') {
        res = await call('POST', '/api/journal', { token: employeeTokens[who], body: { content: `load ${u}.${n}`, mood: 'GOOD' } });
        expected = 201;
        if (res.status === 201) load.journalIds.push(res.body.entry.id);
      } else {
        res = await book(who);
        expected = 201;
        if (res.status === 201) load.bookings.push({ practitioner: who, id: res.body.consultation.id });
      }
      if (res.status === expected) continue;
      if (res.status === 503 && res.body?.error?.code === 'SERVICE_UNAVAILABLE' && opts.allow503?.()) {
        load.unavailable++;
        continue;
      }
      load.failed.push({ op, status: res.status, body: JSON.stringify(res.body).slice(0, 300) });
    }
  };
  const loops = Array.from({ length: opts.users ?? 4 }, (_, u) => loop(u));
  load.stop = async () => {
    running = false;
    await Promise.all(loops);
  };
  return load;
}

/** Waits until the load has sent `n` more requests (progress, not time). */
const progressed = (load: Load, n: number, timeoutMs = 60_000) => {
  const target = load.sent + n;
  return eventually(() => load.sent >= target, timeoutMs, `${n} more requests`);
};

/** Every committed journal entry is still there, every booking reached its practitioner (pushed live or listed). */
async function verifyNothingLost(load: Load, live: Tracked[]): Promise<{ lost: number; liveCount: number; caughtUp: number; missingJournal: number }> {
  const rows = await db.journalEntry.count({ where: { id: { in: load.journalIds } } });
  const missingJournal = load.journalIds.length - rows;
  let lost = 0;
  let liveCount = 0;
  let caughtUp = 0;
  for (const i of [0, 1]) {
    const expected = load.bookings.filter((b) => b.practitioner === i).map((b) => b.id);
    const pushed = new Set((live[i].received.get('notification:new') ?? []).map(consultationOf));
    // the outbox and the worker deliver after the commit: wait until every booking is notified
    let listed = new Set<string>();
    await eventually(async () => {
      listed = await notifiedConsultations(i);
      return expected.every((id) => listed.has(id) || pushed.has(id));
    }, 90_000, 'every booking notified').catch(() => undefined); // the outbox sweep redelivers within about 60 s
    for (const id of expected) {
      if (pushed.has(id)) liveCount++;
      else if (listed.has(id)) caughtUp++;
      else lost++;
    }
  }
  return { lost, liveCount, caughtUp, missingJournal };
}

// ───────────────────────── setup / teardown ─────────────────────────
beforeAll(async () => {
  note('setup');
  const build = buildOnce(BUILD);
  build.catch(() => undefined);
  sink = new SmtpSink();
  await sink.start();
  services = await startFaultServices('cluster');
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: services.systemUrl, max: 3 }) });
  for (const name of ['api-1', 'api-2']) apis.push({ name, port: await freePort(), wsPort: await freePort() });
  nginx = await startNginx({ port: await freePort(), restPorts: apis.map((a) => a.port), wsPorts: apis.map((a) => a.wsPort), dir: path.join(ROOT, '.data', 'cluster', 'nginx') });
  await build;
  note('built');
  await Promise.all([startApi(0), startApi(1), startWorker()]);
  note('processes started');

  const company = await createCompany(db);
  employees = [await createUser(db, Role.EMPLOYEE, { company }), await createUser(db, Role.EMPLOYEE, { company })];
  practitioners = [await createOpenPractitioner(db, { allDay: true, bufferTime: 10 }), await createOpenPractitioner(db, { allDay: true, bufferTime: 10 })];
  employeeTokens = employees.map((u) => signAccessToken(u, { expiresInSec: 3600 }));
  // for the PostgreSQL outage: a consultation whose reminder is queued while the database is down
  const other = await createUser(db, Role.EMPLOYEE, { company });
  const start = new Date(Date.now() + 5 * 3600_000);
  const c = await insertConsultation(db, other, await createOpenPractitioner(db), { start, status: 'CONFIRMED' });
  pendingConsultation = { id: c.id, start, employeeEmail: other.email.toLowerCase() };
  practitionerTokens = practitioners.map((u) => signAccessToken(u, { expiresInSec: 3600 }));
  // for the chat crossing: one consultation per employee/practitioner pair, two days ahead
  chatConsultations = [];
  for (const i of [0, 1]) chatConsultations.push((await insertConsultation(db, employees[i], practitioners[i], { start: slotAt(40 + i, 9), status: 'CONFIRMED' })).id);
}, 600_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  for (const p of everything) p.kill();
  await nginx?.stop().catch(() => undefined);
  await db?.$disconnect().catch(() => undefined);
  await services?.close().catch(() => undefined);
  await sink?.stop().catch(() => undefined);
  if (summaries.length) console.log(summaries.join('\n'));
}, 120_000);

// ───────────────────────── scenarios ─────────────────────────
describe('cluster: nginx in front of two api processes and a worker', () => {
  it('REST spreads over both instances', async () => {
    const res = await Promise.all(Array.from({ length: 12 }, () => call('GET', '/api/auth/me', { token: employeeTokens[0] })));
    expect(res.map((r) => r.status)).toEqual(Array(12).fill(200));
    const seen = new Set(res.map((r) => r.instance));
    expect([...seen].sort()).toEqual(['api-1', 'api-2']);
    summary('spread', { requests: res.length, failed: res.filter((r) => r.status !== 200).length, note: `instances ${[...seen].sort().join(', ')}` });
  });

  it('rate limits hold across instances (login failures per IP counted in Redis)', async () => {
    const ip = `203.0.113.${1 + (Date.now() % 200)}`;
    const results: Res[] = [];
    for (let i = 0; i < 7; i++) {
      results.push(await call('POST', '/api/auth/login', { body: { email: employees[1].email, password: 'Wrong-Passw0rd!' }, headers: { 'X-Forwarded-For': ip } }));
    }
    const statuses = results.map((r) => r.status);
    // LOGIN_MAX_FAILURES_PER_IP = 5: five refusals spread over both instances, then blocked wherever it lands
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(new Set(results.slice(0, 5).map((r) => r.instance)).size).toBe(2);
    expect(new Set(results.slice(5).map((r) => r.instance)).size).toBe(2);
    summary('rate limit', { requests: results.length, failed: 0, note: `statuses ${statuses.join(' ')}` });
  });

  it('idempotency holds across instances: one consultation for one key, whichever instance answers', async () => {
    const key = `cluster-${randomUUID()}`;
    const at = nextSlot();
    const first = await book(0, key, at);
    expect(first.status).toBe(201);
    const again = await Promise.all([book(0, key, at), book(0, key, at), book(0, key, at)]);
    const all = [first, ...again];
    expect(all.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(new Set(all.map((r) => r.body.consultation.id)).size).toBe(1);
    expect(new Set(all.map((r) => r.instance)).size).toBe(2);
    expect(again.every((r) => r.headers.get('idempotent-replayed') === 'true')).toBe(true);
    expect(await db.consultation.count({ where: { employeeId: employees[0].employeeId!, scheduledAt: at } })).toBe(1);
    summary('idempotency', { requests: all.length, failed: 0, duplicates: (await db.consultation.count({ where: { employeeId: employees[0].employeeId!, scheduledAt: at } })) - 1 });
  });

  // Real-time crossings: an event caused by a REST request served by one instance reaches a client held
  // by the other, over each transport. One row per kind of event: adding one (a chat message, a call
  // signal) is one more entry in CROSSINGS.
  interface Crossing {
    name: string;
    namespace: string;
    event: string;
    /** The recipient's token (practitioner i) and the REST request that causes the event, returning its id. */
    recipientToken(i: number): string;
    /** What the recipient does once connected (e.g. join a chat room), acknowledged. */
    ready?(socket: Socket, i: number): Promise<void>;
    cause(i: number): Promise<{ instance: string; id: string }>;
    matches(payload: any, id: string): boolean;
  }
  const CROSSINGS: Crossing[] = [
    {
      name: 'notification',
      namespace: '/notifications',
      event: 'notification:new',
      recipientToken: (i) => practitionerTokens[i],
      async cause(i) {
        const res = await book(i);
        expect(res.status).toBe(201);
        return { instance: res.instance, id: res.body.consultation.id };
      },
      matches: (payload, id) => consultationOf(payload) === id,
    },
    {
      name: 'chat message',
      namespace: '/chat',
      event: 'chat:message:received',
      recipientToken: (i) => practitionerTokens[i],
      async ready(socket, i) {
        const reply = await socket.timeout(20_000).emitWithAck('chat:join', { consultationId: chatConsultations[i] });
        expect(reply).toMatchObject({ ok: true });
      },
      async cause(i) {
        const res = await call('POST', `/api/chat/${chatConsultations[i]}/messages`, { token: employeeTokens[i], body: { content: `bonjour ${randomUUID()}` } });
        expect(res.status).toBe(201);
        return { instance: res.instance, id: res.body.message?.id ?? res.body.id };
      },
      matches: (payload, id) => (payload as { id?: string })?.id === id,
    },
  ];

  it('Socket.IO through nginx over WebSocket and over long-polling (sticky); events cross instances', async () => {
    const pinned = await addressesPerInstance(); // { 'api-1': address, 'api-2': address }
    let messages = 0;
    for (const crossing of CROSSINGS) {
      for (const [i, transport] of [[0, 'websocket'], [1, 'polling']] as const) {
        for (const holder of ['api-1', 'api-2']) {
          const client = await connect(crossing.namespace, crossing.recipientToken(i), transport, pinned[holder], [crossing.event]);
          await crossing.ready?.(client.socket, i);
          // polling: every request of the session reached the instance holding it, or the session would break
          expect(await socketInstanceFor(pinned[holder])).toBe(holder);
          // cause it until a request was served by the other instance (round robin: at most a few)
          for (let tries = 0; tries < 4; tries++) {
            const { instance, id } = await crossing.cause(i);
            messages++;
            await eventually(() => client.received.get(crossing.event)!.some((p) => crossing.matches(p, id)), 20_000, `${crossing.name} over ${transport}`);
            if (instance !== holder) break;
            expect(tries).toBeLessThan(3);
          }
          expect(client.socket.io.engine.transport.name).toBe(transport);
          client.socket.close();
        }
      }
    }
    summary('sockets', { requests: messages, failed: 0, messages, lost: 0, note: `${CROSSINGS.map((c) => c.name).join(', ')} over websocket and polling, held by each instance` });
  }, SCENARIO_MS);

  it('rolling restart under steady load: SIGTERM each api in turn; no failed request, sockets reconnect, nothing lost', async () => {
    const pinned = await addressesPerInstance();
    const live = [
      await connect('/notifications', practitionerTokens[0], 'websocket', pinned['api-1'], ['notification:new']),
      await connect('/notifications', practitionerTokens[1], 'polling', pinned['api-2'], ['notification:new']),
    ];
    const load = startLoad();
    try {
      await progressed(load, 40);
      for (let i = 0; i < apis.length; i++) {
        note(`rolling: SIGTERM ${apis[i].name} (sent ${load.sent}, failed ${load.failed.length})`);
        const stopped = await apis[i].proc!.stop('SIGTERM', 30_000);
        note(`rolling: ${apis[i].name} stopped ${JSON.stringify(stopped)} (sent ${load.sent}, failed ${JSON.stringify(load.failed)})`);
        expect(stopped, apis[i].proc!.output().slice(-2000)).toMatchObject({ code: 0, signal: null });
        await progressed(load, 20); // served by the other instance alone
        await startApi(i);
        // as a real rolling deployment does: the next instance stops only once the proxy sends traffic
        // to this one again (nginx keeps a failed upstream out for its fail_timeout, 5 s)
        await eventually(async () => (await call('GET', '/api/auth/me', { token: employeeTokens[0] })).instance === apis[i].name, 30_000, `nginx routes to ${apis[i].name} again`);
        note(`rolling: ${apis[i].name} back (sent ${load.sent}, failed ${load.failed.length})`);
        await progressed(load, 40);
      }
    } finally {
      await load.stop();
    }
    note(`rolling: load stopped (sent ${load.sent}, failed ${load.failed.length})`);
    await eventually(() => live.every((t) => t.socket.connected), 30_000, 'sockets reconnected');
    note('rolling: sockets connected');
    const { lost, liveCount, caughtUp, missingJournal } = await verifyNothingLost(load, live);
    summary('rolling restart', {
      requests: load.sent,
      failed: load.failed.length,
      messages: load.bookings.length,
      lost: lost + missingJournal,
      note: `${liveCount} pushed live, ${caughtUp} read after reconnecting; socket reconnects ${live.map((t) => t.connects - 1).join('/')}`,
    });
    for (const t of live) t.socket.close();
    expect(load.failed).toEqual([]);
    expect(live.every((t) => t.connects >= 2)).toBe(true); // each socket's instance restarted once
    expect([lost, missingJournal]).toEqual([0, 0]);
    expect(load.bookings.length).toBeGreaterThan(0);
  }, 480_000); // an api process starts in seconds, in a minute on a loaded 2-core machine

  it('worker SIGKILLed mid-job: the job is retried and its e-mail sent exactly once', async () => {
    const company = await createCompany(db);
    const employee = await createUser(db, Role.EMPLOYEE, { company });
    const practitioner = await createOpenPractitioner(db);
    const start = new Date(Date.now() + 3 * 3600_000);
    const c = await insertConsultation(db, employee, practitioner, { start, status: 'CONFIRMED' });
    const recipients = [employee.email.toLowerCase(), practitioner.email.toLowerCase()];
    const isReminder = (m: { to: string[]; subject: string }) => recipients.some((r) => m.to.includes(r));
    const hold = sink.hold(isReminder);
    const reminders = queue('reminders');
    const email = queue('email');
    try {
      await reminders.add('1h', { consultationId: c.id, kind: '1h', scheduledAt: start.toISOString() }, { jobId: `reminder-${c.id}-1h`, attempts: 3, backoff: { type: 'fixed', delay: 500 } });
      await hold.firstHeld; // the worker is in the middle of sending a reminder e-mail
      const killed = await worker!.stop('SIGKILL');
      expect(killed.signal).toBe('SIGKILL');
      hold.release();
      await startWorker();
      for (const r of recipients) await sink.waitFor((m) => m.to.includes(r), 30_000);
      // everything settled: no e-mail job left waiting, running or retrying
      await eventually(async () => {
        const n = await email.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return n.waiting + n.active + n.delayed + n.prioritized === 0;
      }, 30_000, 'email queue drained');
      const delivered = recipients.map((r) => sink.mails.filter((m) => m.to.includes(r)).length);
      const notifications = await db.notification.count({ where: { userId: { in: [employee.id, practitioner.id] }, type: 'CONSULTATION_REMINDER_1H' } });
      summary('worker SIGKILL', { jobs: 1 + recipients.length, messages: delivered.reduce((a, b) => a + b, 0), lost: delivered.filter((n) => n === 0).length, duplicates: delivered.reduce((a, n) => a + Math.max(0, n - 1), 0) + Math.max(0, notifications - 2), note: `${hold.held.length} delivery cut mid-send, then retried` });
      expect(hold.held.length).toBeGreaterThanOrEqual(1);
      expect(delivered).toEqual([1, 1]);
      expect(notifications).toBe(2);
    } finally {
      hold.release();
      await reminders.close();
      await email.close();
    }
  }, SCENARIO_MS);

  for (const dependency of ['Redis', 'PostgreSQL'] as const) {
    it(`${dependency} restarted under load: 503 while down, recovers by itself, nothing committed lost, queued jobs resume`, async () => {
      const pinned = await addressesPerInstance();
      const live = [
        await connect('/notifications', practitionerTokens[0], 'websocket', pinned['api-1'], ['notification:new']),
        await connect('/notifications', practitionerTokens[1], 'polling', pinned['api-2'], ['notification:new']),
      ];
      const email = queue('email');
      const reminders = queue('reminders');
      const to = `queued.${randomUUID().slice(0, 8)}@example.test`;
      let down = false;
      const load = startLoad({ allow503: () => down });
      let jobs = 0;
      let parked: { id?: string } = {};
      try {
        await progressed(load, 30);
        // a job queued before the outage, due later: it must survive a Redis restart (append-only file)
        parked = await email.add('password-changed', { to, template: 'password-changed', data: {} }, { delay: 3_600_000, attempts: 5, backoff: { type: 'fixed', delay: 500 } });
        jobs++;
        down = true;
        note(`${dependency}: stopping (sent ${load.sent}, failed ${load.failed.length})`);
        if (dependency === 'Redis') await services.stopRedis();
        else await services.stopPostgres();
        note(`${dependency}: stopped`);
        // both instances notice (readiness), and the load meets the outage
        await eventually(async () => {
          const states = await Promise.all(apis.map((a) => fetch(`http://127.0.0.1:${a.port}/health/ready`).then((r) => r.status, () => 0)));
          return states.every((s) => s === 503);
        }, 30_000, 'both instances not ready');
        note(`${dependency}: both instances not ready (sent ${load.sent}, 503 ${load.unavailable})`);
        if (dependency === 'PostgreSQL') {
          await eventually(() => load.unavailable >= 5, 30_000, '503 answers under load');
          // queued while the database is down: the reminder fails, is retried, and goes through once it is back
          const c = pendingConsultation;
          await reminders.add('1h', { consultationId: c.id, kind: '1h', scheduledAt: c.start.toISOString() }, { jobId: `reminder-${c.id}-1h`, attempts: 90, backoff: { type: 'fixed', delay: 1000 } });
          jobs++;
          await services.start();
          await sink.waitFor((m) => m.to.includes(c.employeeEmail), 60_000);
        } else {
          await progressed(load, 20); // requests served while Redis is down (most need no Redis: 2xx)
          await services.start();
        }
        note(`${dependency}: restarted (sent ${load.sent}, 503 ${load.unavailable}, failed ${JSON.stringify(load.failed.slice(0, 3))})`);
        await eventually(async () => (await Promise.all(apis.map((a) => fetch(`http://127.0.0.1:${a.port}/health/ready`).then((r) => r.status, () => 0)))).every((s) => s === 200), 60_000, 'ready again');
        note(`${dependency}: ready again`);
        down = false;
        await progressed(load, 30);
      } finally {
        await load.stop();
      }
      // the job parked before the outage is still there and runs when due (promoted: due now)
      const parkedJob = await email.getJob(parked.id!);
      expect(parkedJob?.data.to, 'the delayed job survived the restart').toBe(to);
      await parkedJob!.promote();
      await sink.waitFor((m) => m.to.includes(to), 30_000);
      await eventually(() => live.every((t) => t.socket.connected), 30_000, 'sockets connected');
      const { lost, liveCount, caughtUp, missingJournal } = await verifyNothingLost(load, live);
      const duplicates = sink.mails.filter((m) => m.to.includes(to)).length - 1;
      await email.close();
      await reminders.close();
      for (const t of live) t.socket.close();
      summary(`${dependency} restart`, {
        requests: load.sent,
        failed: load.failed.length,
        messages: load.bookings.length,
        lost: lost + missingJournal,
        jobs,
        duplicates,
        note: `${load.unavailable} answered 503 while down; ${liveCount} pushed live, ${caughtUp} read later`,
      });
      expect(load.failed).toEqual([]);
      expect([lost, missingJournal, duplicates]).toEqual([0, 0, 0]);
    }, 480_000);
  }
});

