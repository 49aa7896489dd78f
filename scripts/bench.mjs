#!/usr/bin/env node
// `npm run bench`: builds the api, starts it (production build, one process) on a fresh seeded database
// of the local test services, and measures with autocannon. Prints requests/s and p50/p99 latency per
// scenario, and the ratio of each authenticated, tenant-scoped scenario to the unauthenticated /health
// of the same run. Results also go to bench-results/latest.json. Loopback only; bounded in time.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, ensureDependencies, prisma, runChild, say } from './common.mjs';

const TAG = 'bench';
const DURATION = Number(process.env.BENCH_DURATION ?? 10); // seconds per scenario
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const PORT = Number(process.env.BENCH_PORT ?? 38080);
const WS_PORT = PORT + 1;

let services;
let dbName;
let api;

async function cleanup() {
  if (api && api.exitCode === null) {
    api.kill('SIGTERM');
    const exited = await Promise.race([new Promise((r) => api.once('exit', () => r(true))), new Promise((r) => setTimeout(() => r(false), 10_000).unref())]);
    if (!exited) {
      say(TAG, 'api did not stop within 10 s of SIGTERM: killing it');
      api.kill('SIGKILL');
    }
  }
  if (services && dbName) await services.dropDatabase(dbName).catch(() => {});
  if (services) await services.stop().catch(() => {});
}

async function waitForHealth(url, ms = 30_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`api did not become healthy at ${url}`);
}

async function run(autocannon, name, opts) {
  say(TAG, `${name}: ${CONNECTIONS} connections, ${DURATION} s`);
  const r = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts });
  const ok = r.non2xx === 0 && r.errors === 0;
  return {
    name,
    requestsPerSec: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    ok,
  };
}

async function main() {
  await ensureDependencies(TAG);
  await prisma(TAG, ['generate']);
  if ((await runChild('npm', ['run', 'build', '--silent'])) !== 0) throw new Error('build failed');
  const { ensureServices } = await import('./services.mjs');
  services = await ensureServices({ instance: 'test' });
  dbName = `huntzen_bench_${Date.now()}`;
  await services.createDatabase(dbName);
  const urls = services.urlsFor(dbName);
  const dbEnv = { DATABASE_URL: urls.ownerUrl, MIGRATE_DATABASE_URL: urls.ownerUrl, SYSTEM_DATABASE_URL: urls.systemUrl };
  await prisma(TAG, ['migrate', 'deploy'], dbEnv);
  await prisma(TAG, ['db', 'seed'], dbEnv);

  const hex = (n) => crypto.randomBytes(n).toString('hex');
  api = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'main.js')], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(PORT),
      WS_PORT: String(WS_PORT),
      APP_DATABASE_URL: urls.appUrl,
      SYSTEM_DATABASE_URL: urls.systemUrl,
      REDIS_URL: services.redisUrl,
      REDIS_PREFIX: `bench${Date.now()}`,
      JWT_SECRET: hex(32),
      JWT_REFRESH_SECRET: hex(32),
      ENCRYPTION_KEYS: `v1:${hex(32)}`,
      JITSI_SECRET: hex(24),
      WORKER_EMBEDDED: 'false',
      SWAGGER_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      // the global limiter stays on (its Redis round trip is part of the cost) but must not cut the load
      THROTTLE_LIMIT: '100000000',
    },
  });
  const base = `http://127.0.0.1:${PORT}`;
  await waitForHealth(`${base}/health`);

  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'marc.dupont@techcorp.com', password: 'Employee2025!' }),
  });
  if (!login.ok) throw new Error(`seeded employee cannot log in: ${login.status} ${await login.text()}`);
  const { accessToken } = await login.json();
  const auth = { authorization: `Bearer ${accessToken}` };

  const { default: autocannon } = await import('autocannon');
  await run(autocannon, 'warm-up', { url: `${base}/api/auth/me`, headers: auth, duration: 2 });
  const results = [
    await run(autocannon, 'GET /health (unauthenticated)', { url: `${base}/health` }),
    await run(autocannon, 'GET /api/auth/me (authenticated, tenant-scoped)', { url: `${base}/api/auth/me`, headers: auth }),
  ];
  const baseline = results[0];
  for (const r of results) r.vsHealth = +(r.requestsPerSec / baseline.requestsPerSec).toFixed(2);

  console.log(`\n| scenario | req/s | p50 ms | p99 ms | ratio to /health | non-2xx |\n|---|---|---|---|---|---|`);
  for (const r of results) console.log(`| ${r.name} | ${r.requestsPerSec} | ${r.p50Ms} | ${r.p99Ms} | ${r.vsHealth} | ${r.non2xx} |`);
  fs.mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
  fs.writeFileSync(
    path.join(ROOT, 'bench-results', 'latest.json'),
    JSON.stringify({ at: new Date().toISOString(), node: process.version, connections: CONNECTIONS, durationSec: DURATION, results }, null, 2),
  );
  if (results.some((r) => !r.ok)) throw new Error('some requests failed during the benchmark (see non-2xx)');
}

main()
  .then(() => cleanup())
  .catch(async (e) => {
    console.error(`[${TAG}] ${e.message}`);
    await cleanup();
    process.exit(1);
  });
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => cleanup().then(() => process.exit(130)));
