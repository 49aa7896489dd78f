// Realtime scenario of `npm run bench` (issue 7): chat relay latency between two clients, on two api
// instances sharing Redis (Socket.IO Redis adapter) and on one instance, with an open-loop sender at
// RATE messages/s. Latency = from the sender's emit to the receiver's `chat:message:received`, on the
// bench's own clock (both clients live in this process). Each message is validated, rate limited,
// participant-checked, encrypted and persisted before the broadcast, as in production. `chat:typing`
// (nothing stored) is measured too: the transport's own share of the relay.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROOT, apiNodeFlags, apiProcessEnv, say } from '../common.mjs';

const TAG = 'bench:realtime';
const RATE = Number(process.env.BENCH_CHAT_RATE ?? 200); // messages per second
const SECONDS = Number(process.env.BENCH_CHAT_SECONDS ?? 10);
// warm-up of each scenario, same rate, not measured: V8 compiles the relay path's hot functions on its
// background threads during the first seconds of load; measured before that, the first scenario paid for it
// (on two cores, in CPU and in latency) and the later ones did not
const WARMUP_SECONDS = Number(process.env.BENCH_CHAT_WARMUP_SECONDS ?? 5);

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [utime, stime] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 13).map(Number);
    return ((utime + stime) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}
const CLK_TCK = 100; // USER_HZ on Linux

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
const round = (n) => Math.round(n * 100) / 100;

async function waitForHealth(url, ms = 60_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`api did not become healthy at ${url}`);
}

/** A consultation between employee i and a practitioner, on its own future day (no overlap), CONFIRMED. */
async function seedConsultations(systemUrl, fixtures, n) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: systemUrl });
  await client.connect();
  try {
    const ids = [];
    for (let i = 0; i < n; i++) {
      const e = fixtures.employees[fixtures.employees.length - 1 - i];
      const p = fixtures.practitioners[fixtures.practitioners.length - 1 - i];
      const start = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1 + i, 9, 0, 0));
      const end = new Date(start.getTime() + 50 * 60_000);
      const row = await client.query(
        `INSERT INTO consultations (id, company_id, employee_id, practitioner_id, scheduled_at, scheduled_end_at, blocked_until, duration, format, status, updated_at)
         SELECT gen_random_uuid(), u.company_id, emp.id, $2, $3, $4, $4, 50, 'VIDEO', 'CONFIRMED', now()
           FROM users u JOIN employees emp ON emp.user_id = u.id WHERE u.id = $1 RETURNING id`,
        [e.id, p.practitionerId, start, end],
      );
      ids.push({ consultationId: row.rows[0].id, employee: e, practitioner: p });
    }
    return ids;
  } finally {
    await client.end();
  }
}

function startApi({ port, wsPort, urls, redisUrl, prefix, secrets }) {
  // started as production starts it (npm start: the memory flags, MALLOC_ARENA_MAX)
  const child = spawn(process.execPath, [...apiNodeFlags(), path.join(ROOT, 'dist', 'src', 'main.js')], {
    cwd: ROOT,
    stdio: ['ignore', process.env.BENCH_REALTIME_LOGS ? 'inherit' : 'ignore', 'inherit'],
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(port),
      WS_PORT: String(wsPort),
      APP_DATABASE_URL: urls.appUrl,
      SYSTEM_DATABASE_URL: urls.systemUrl,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      ...secrets,
      ...apiProcessEnv(),
      WORKER_EMBEDDED: 'false',
      SWAGGER_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      THROTTLE_LIMIT: '100000000',
      // the per-user chat limit must not cut the load; one notification per consultation at most
      CHAT_MESSAGES_PER_10S: '1000000',
      CHAT_NOTIFY_COOLDOWN_SECONDS: '86400',
    },
  });
  return child;
}

async function connect(io, wsUrl, token) {
  const socket = io(`${wsUrl}/chat`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Open loop: RATE events/s for SECONDS; returns latencies (ms) and counts. */
async function measure({ sender, receiver, consultationId, kind, total = RATE * SECONDS }) {
  const sentAt = new Map();
  const latencies = [];
  // BENCH_CHAT_DUMP=<path prefix>: every measured event as [ms since the start, send time in µs on the monotonic
  // clock (that of --cpu-prof profiles and process.hrtime), latency ms], to find what ran during a slow one
  const dump = [];
  const sentMonotonicUs = new Map();
  let failed = 0;
  const failures = {};
  const event = kind === 'message' ? 'chat:message:received' : 'chat:typing';
  const onReceive = (payload) => {
    const seq = kind === 'message' ? Number(payload.content?.slice(6)) : payload.seq;
    const t0 = sentAt.get(seq);
    if (t0 === undefined) return;
    latencies.push(performance.now() - t0);
    if (process.env.BENCH_CHAT_DUMP) dump.push([Math.round(t0 - started), Number(sentMonotonicUs.get(seq)), Math.round((performance.now() - t0) * 100) / 100]);
    sentAt.delete(seq);
  };
  // typing carries no free field: the sequence rides on isTyping flips, matched in order
  let typingSeq = 0;
  const onTyping = () => onReceive({ seq: typingSeq++ });
  receiver.on(event, kind === 'message' ? onReceive : onTyping);
  const started = performance.now();
  let seq = 0;
  await new Promise((resolve) => {
    // wakes for each send only (a 2 ms interval woke the bench 500 times a second, on the cores it measures)
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE));
      while (seq < due) {
        const n = seq++;
        sentAt.set(n, performance.now());
        if (process.env.BENCH_CHAT_DUMP) sentMonotonicUs.set(n, process.hrtime.bigint() / 1000n);
        const payload = kind === 'message' ? { consultationId, content: `bench ${n}` } : { consultationId, isTyping: n % 2 === 0 };
        sender.timeout(10_000).emit(kind === 'message' ? 'chat:message' : 'chat:typing', payload, (err, reply) => {
          if (err || !reply?.ok) {
            failed++;
            const code = err ? 'ACK_TIMEOUT_10S' : reply?.error?.code ?? 'NO_ACK';
            failures[code] = (failures[code] ?? 0) + 1;
          }
        });
      }
      if (seq >= total) return resolve();
      setTimeout(tick, Math.max(0, started + ((seq + 1) * 1000) / RATE - performance.now()));
    };
    tick();
  });
  const sendSeconds = (performance.now() - started) / 1000;
  const deadline = Date.now() + 15_000;
  while (latencies.length + failed < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const elapsed = (performance.now() - started) / 1000;
  receiver.off(event);
  if (process.env.BENCH_CHAT_DUMP && total === RATE * SECONDS) fs.writeFileSync(`${process.env.BENCH_CHAT_DUMP}-${kind}-${Date.now()}.json`, JSON.stringify(dump));
  const sorted = latencies.sort((a, b) => a - b);
  return {
    sent: total,
    delivered: latencies.length,
    failed,
    failures,
    offeredPerSec: round(total / sendSeconds),
    deliveredPerSec: round(latencies.length / elapsed),
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1) ?? NaN),
  };
}

/**
 * Runs the scenario against two fresh api instances on the bench database. `fixtures` are the bench's
 * seeded users; `basePort` and the three next ports must be free.
 */
export async function runRealtimeBench({ urls, redisUrl, fixtures, basePort }) {
  const { io } = await import('socket.io-client');
  const { default: jwt } = await import('jsonwebtoken');
  const hex = (n) => crypto.randomBytes(n).toString('hex');
  const secrets = { JWT_SECRET: hex(32), JWT_REFRESH_SECRET: hex(32), ENCRYPTION_KEYS: `v1:${hex(32)}`, JITSI_SECRET: hex(24), JOURNAL_TAG_KEY: hex(32) };
  const prefix = `benchrt${Date.now()}`;
  const apis = [0, 1].map((i) => ({ port: basePort + 2 * i, wsPort: basePort + 2 * i + 1 }));
  const children = apis.map((a) => startApi({ ...a, urls, redisUrl, prefix, secrets }));
  const sockets = [];
  try {
    await Promise.all(apis.map((a) => waitForHealth(`http://127.0.0.1:${a.port}/health`)));
    const pairs = await seedConsultations(urls.systemUrl, fixtures, 4);
    const token = (u) => jwt.sign({ email: u.email, role: u.role, companyId: u.companyId }, secrets.JWT_SECRET, { algorithm: 'HS256', subject: u.id, expiresIn: 3600 });
    const ws = apis.map((a) => `http://127.0.0.1:${a.wsPort}`);
    const results = [];
    const layouts = [
      ['two instances', 1],
      ['one instance', 0],
    ];
    let pairIndex = 0;
    for (const [label, receiverInstance] of layouts) {
      for (const kind of ['message', 'typing']) {
        // BENCH_CHAT_ONLY=message-2,typing-1,…: only these scenarios (kind, instances)
        if (process.env.BENCH_CHAT_ONLY && !process.env.BENCH_CHAT_ONLY.split(',').includes(`${kind}-${receiverInstance ? 2 : 1}`)) {
          pairIndex++;
          continue;
        }
        const pair = pairs[pairIndex++];
        const sender = await connect(io, ws[0], token(pair.employee));
        const receiver = await connect(io, ws[receiverInstance], token(pair.practitioner));
        sockets.push(sender, receiver);
        for (const s of [sender, receiver]) {
          const reply = await s.timeout(10_000).emitWithAck('chat:join', { consultationId: pair.consultationId });
          if (!reply.ok) throw new Error(`chat:join refused: ${JSON.stringify(reply)}`);
        }
        // warm-up (connections, prepared statements, JIT)
        await measure({ sender, receiver, consultationId: pair.consultationId, kind, total: Math.round(RATE * WARMUP_SECONDS) }).catch(() => undefined);
        say(TAG, `${kind === 'message' ? 'chat:message' : 'chat:typing'}, ${label}: ${RATE}/s for ${SECONDS} s`);
        // the CPU each api instance spends per event (user + system, from /proc): steadier than latency on a
        // shared machine, where another process's load moves the percentiles but not this
        const cpu0 = children.map((c) => cpuMs(c.pid));
        const r = await measure({ sender, receiver, consultationId: pair.consultationId, kind });
        const cpuPerEventMs = children.map((c, i) => round((cpuMs(c.pid) - cpu0[i]) / r.sent));
        results.push({ scenario: `${kind === 'message' ? 'chat:message → chat:message:received' : 'chat:typing relay'} (${label})`, ...r, cpuPerEventMs });
      }
    }
    console.log(`\n| realtime scenario | offered msg/s | delivered msg/s | p50 ms | p99 ms | max ms | failed | CPU ms/event (sender's api, other api) |\n|---|---|---|---|---|---|---|---|`);
    for (const r of results) console.log(`| ${r.scenario} | ${r.offeredPerSec} | ${r.deliveredPerSec} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} | ${r.failed} ${r.failed ? JSON.stringify(r.failures) : ''} | ${r.cpuPerEventMs.join(', ')} |`);
    return results;
  } finally {
    for (const s of sockets) s.close();
    await Promise.all(
      children.map(
        (c) =>
          new Promise((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', resolve);
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
  }
}
