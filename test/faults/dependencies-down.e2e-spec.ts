// Redis, PostgreSQL or SMTP down, on real servers of this file's own (test/helpers/fault-services.ts)
// that it really stops and restarts — one file, so that no other test sees them go:
// - requests (in-process app): answer fast and say so (503 + Retry-After) instead of hanging, keep
//   serving what does not need the missing server, recover by themselves;
// - processes (compiled api and worker): SIGTERM ends them within SHUTDOWN_GRACE_MS with exit code 0
//   whatever is down, naming what could not be closed; they start without a dependency and become
//   ready by themselves when it comes back.
import { Role } from '@prisma/client';
import { Queue } from 'bullmq';
import net from 'node:net';
import { startFaultServices, type FaultServices } from '../helpers/fault-services.js';
import { buildOnce, freePort, startProcess, type RunningProcess } from '../helpers/processes.js';
import { bearer, createUser, login, type TestUser } from '../helpers/fixtures.js';
import { randomIp, startTestApp, type TestContext } from '../helpers/test-app.js';

let services: FaultServices;
let ctx: TestContext;
let employee: TestUser;
let token: string;

beforeAll(async () => {
  void buildOnce().catch(() => undefined); // compiles while the rest starts; awaited (and reported) below
  services = await startFaultServices();
  Object.assign(process.env, { APP_DATABASE_URL: services.appUrl, SYSTEM_DATABASE_URL: services.systemUrl, REDIS_URL: services.redisUrl });
  ctx = await startTestApp();
  employee = await createUser(ctx.db, Role.EMPLOYEE);
  token = (await login(ctx.http, employee)).accessToken;
}, 120_000);

afterAll(async () => {
  await services?.start();
  await ctx?.close();
  await services?.close();
}, 240_000);

async function timed<T>(fn: () => Promise<T>): Promise<{ res: T; ms: number }> {
  const t0 = performance.now();
  const res = await fn();
  return { res, ms: performance.now() - t0 };
}

/** Polls until `fn` holds (the recovery is the app's own; the test only waits for it). */
async function eventually(fn: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Redis stopped', () => {
  // once the app has noticed (the first request after the stop may pay up to REDIS_WAIT_MS to find out)
  beforeAll(async () => {
    await services.stopRedis();
    await eventually(async () => (await ctx.http.get('/health/ready')).status === 503);
  });
  afterAll(async () => services.start());

  it('a request that does not need Redis still answers 200, fast (rate limiting fails open)', async () => {
    const { res, ms } = await timed(() => ctx.http.get('/api/auth/me').set(bearer(token)));
    expect(res.status).toBe(200);
    expect(ms).toBeLessThan(1000);
  });

  it('a request that needs Redis answers 503 SERVICE_UNAVAILABLE with Retry-After within a second', async () => {
    const { res, ms } = await timed(() => ctx.http.post('/api/auth/forgot-password').set('X-Forwarded-For', randomIp()).send({ email: employee.email }));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(ms).toBeLessThan(1000);
  });

  it('login, whose brute-force counters live in Redis, is refused with 503 rather than unlimited', async () => {
    const { res, ms } = await timed(() => ctx.http.post('/api/auth/login').set('X-Forwarded-For', randomIp()).send({ email: employee.email, password: employee.password }));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(ms).toBeLessThan(1000);
  });

  it('readiness names Redis as down', async () => {
    const res = await ctx.http.get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body.error?.redis?.status ?? res.body.details?.redis?.status).toBe('down');
  });
});

describe('Redis back', () => {
  it('everything recovers by itself', async () => {
    await eventually(async () => (await ctx.http.get('/health/ready')).status === 200);
    const res = await ctx.http.post('/api/auth/forgot-password').set('X-Forwarded-For', randomIp()).send({ email: employee.email });
    expect(res.status).toBe(200);
    await ctx.sink.waitFor((m) => m.to.includes(employee.email.toLowerCase()));
    expect((await login(ctx.http, employee)).accessToken).toBeTruthy();
  });
});

describe('PostgreSQL stopped', () => {
  beforeAll(async () => {
    await services.stopPostgres();
    await eventually(async () => (await ctx.http.get('/health/ready')).status === 503);
  });
  afterAll(async () => services.start());

  it('an authenticated read answers 503 SERVICE_UNAVAILABLE with Retry-After, fast', async () => {
    const { res, ms } = await timed(() => ctx.http.get('/api/auth/me').set(bearer(token)));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(ms).toBeLessThan(2000);
  });

  it('a login answers 503 too, and readiness names PostgreSQL', async () => {
    const res = await ctx.http.post('/api/auth/login').set('X-Forwarded-For', randomIp()).send({ email: employee.email, password: employee.password });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
    const ready = await ctx.http.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.error?.postgres?.status ?? ready.body.details?.postgres?.status).toBe('down');
  });
});

describe('PostgreSQL back', () => {
  it('everything recovers by itself', async () => {
    await eventually(async () => (await ctx.http.get('/health/ready')).status === 200);
    await eventually(async () => (await ctx.http.get('/api/auth/me').set(bearer(token))).status === 200);
  });
});

// ───────────────────────────── processes ─────────────────────────────
const GRACE_MS = 4000;
// Measured from outside, a process's exit also includes signal delivery and scheduling, which a loaded
// 2-core machine stretches by seconds; the grace period itself is checked on the process's own clock.
const OUTSIDE_SLACK_MS = 6000;
// Each test starts a process (a few seconds alone, much longer on a loaded machine).
const PROCESS_TEST_MS = 120_000;
let smtpPort: number;
let spawned: RunningProcess[] = [];

async function processEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    NODE_ENV: 'test',
    APP_DATABASE_URL: services.appUrl,
    SYSTEM_DATABASE_URL: services.systemUrl,
    REDIS_URL: services.redisUrl,
    REDIS_PREFIX: `f${process.pid}${Date.now() % 100000}`,
    PORT: String(await freePort()),
    WS_PORT: String(await freePort()),
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtpPort),
    WORKER_EMBEDDED: 'false',
    SHUTDOWN_GRACE_MS: String(GRACE_MS),
    ...extra,
  };
}

async function startApi(extra: Record<string, string> = {}) {
  const env = await processEnv(extra);
  const proc = startProcess('main', env);
  spawned.push(proc);
  const base = `http://127.0.0.1:${env.PORT}`;
  await eventually(async () => (await fetch(`${base}/health`).catch(() => null))?.status === 200, 90_000);
  return { proc, base, env };
}

async function startWorker(extra: Record<string, string> = {}) {
  const env = await processEnv(extra);
  const proc = startProcess('worker', env);
  spawned.push(proc);
  await proc.waitForOutput(/worker started/, 90_000);
  return { proc, env };
}

function expectCleanExit(result: { code: number | null; signal: NodeJS.Signals | null; ms: number }, output: string) {
  expect(result, output.slice(-2000)).toMatchObject({ code: 0, signal: null });
  const own = /stopped in (\d+) ms/.exec(output);
  expect(own, output.slice(-2000)).not.toBeNull();
  expect(Number(own![1])).toBeLessThanOrEqual(GRACE_MS + 1000); // the deadline timer fires late on a loaded machine
  expect(result.ms).toBeLessThan(GRACE_MS + OUTSIDE_SLACK_MS);
}

describe('processes', () => {
  beforeAll(async () => {
    smtpPort = ctx.sink.port;
    await buildOnce();
  }, 300_000); // tsc of the whole api: ~15 s alone, minutes on a loaded machine
  afterEach(async () => {
    for (const p of spawned) p.kill();
    spawned = [];
    await services.start();
  }, PROCESS_TEST_MS);

  it('the api stops within the grace period with exit 0 while Redis is down, naming what it could not close', async () => {
    const { proc } = await startApi();
    await services.stopRedis();
    const result = await proc.stop('SIGTERM');
    expectCleanExit(result, proc.output());
    expect(proc.output()).toMatch(/not closed cleanly: .*redis/i);
  }, PROCESS_TEST_MS);

  it('the api stops within the grace period with exit 0 while PostgreSQL is down', async () => {
    const { proc } = await startApi();
    await services.stopPostgres();
    expectCleanExit(await proc.stop('SIGTERM'), proc.output());
  }, PROCESS_TEST_MS);

  it('the worker stops within the grace period with exit 0 while Redis is down', async () => {
    const { proc } = await startWorker();
    await services.stopRedis();
    const result = await proc.stop('SIGTERM');
    expectCleanExit(result, proc.output());
    expect(proc.output()).toMatch(/not closed cleanly: .*redis/i);
  }, PROCESS_TEST_MS);

  it('the worker stops within the grace period with exit 0 while PostgreSQL is down', async () => {
    const { proc } = await startWorker();
    await services.stopPostgres();
    expectCleanExit(await proc.stop('SIGTERM'), proc.output());
  }, PROCESS_TEST_MS);

  it('the worker stops within the grace period while its SMTP server hangs mid-send', async () => {
    // accepts connections and never greets: the e-mail job is stuck in the SMTP handshake
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const { proc, env } = await startWorker({ SMTP_PORT: String((silent.address() as net.AddressInfo).port) });
      const queue = new Queue('email', { connection: { url: services.redisUrl }, prefix: `${env.REDIS_PREFIX}:bull` });
      const connected = new Promise<void>((r) => silent.once('connection', () => r()));
      await queue.add('password-changed', { to: 'someone@example.test', template: 'password-changed', data: {} });
      await connected;
      const result = await proc.stop('SIGTERM');
      await queue.close();
      expectCleanExit(result, proc.output());
      expect(proc.output()).toMatch(/not closed cleanly: .*worker email/);
    } finally {
      silent.close();
    }
  }, PROCESS_TEST_MS);

  it('the api starts while Redis is down: alive, not ready (naming Redis), ready by itself once Redis is back', async () => {
    await services.stopRedis();
    const { base } = await startApi();
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(503);
    const body = await ready.json();
    expect(body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(body.details).toMatchObject({ redis: { status: 'down' }, postgres: { status: 'up' } });
    await services.start();
    await eventually(async () => (await fetch(`${base}/health/ready`)).status === 200);
  }, PROCESS_TEST_MS);

  it('the api starts while PostgreSQL is down: alive, not ready (naming PostgreSQL), ready by itself once it is back', async () => {
    await services.stopPostgres();
    const { base } = await startApi();
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).details).toMatchObject({ postgres: { status: 'down' }, redis: { status: 'up' } });
    await services.start();
    await eventually(async () => (await fetch(`${base}/health/ready`)).status === 200);
  }, PROCESS_TEST_MS);

  it('the worker starts while Redis is down and processes jobs once Redis is back', async () => {
    await services.stopRedis();
    const { env } = await startWorker();
    await services.start();
    const queue = new Queue('email', { connection: { url: services.redisUrl }, prefix: `${env.REDIS_PREFIX}:bull` });
    try {
      await queue.add('password-changed', { to: 'back.again@example.test', template: 'password-changed', data: {} });
      await ctx.sink.waitFor((m) => m.to.includes('back.again@example.test'), 30_000);
    } finally {
      await queue.close();
    }
  }, PROCESS_TEST_MS);
});
