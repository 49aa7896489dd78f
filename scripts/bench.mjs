#!/usr/bin/env node
// `npm run bench`: builds the api, starts it (production build, one process) on a fresh seeded database
// of the local test services, and measures with autocannon. Prints requests/s and p50/p99 latency per
// scenario, and the ratio of each authenticated, tenant-scoped scenario to the unauthenticated /health
// of the same run. Results also go to bench-results/latest.json. Loopback only; bounded in time.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, apiNodeFlags, apiProcessEnv, ensureDependencies, prisma, runChild, say } from './common.mjs';
import { apiEnv, apiNodeArgs, report, wanted } from './bench/perf.mjs';

const TAG = 'bench';
const DURATION = Number(process.env.BENCH_DURATION ?? 10); // seconds per scenario
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const PORT = Number(process.env.BENCH_PORT ?? 28080);
const WS_PORT = PORT + 1;
// `npm run bench -- reports` (or `http`, `realtime`, several): only those scenario groups; none = all
const SCENARIOS = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const wants = (group) => SCENARIOS.length === 0 || SCENARIOS.includes(group);

let services;
let dbName;
let api;

async function stopApi() {
  if (api && api.exitCode === null) {
    api.kill('SIGTERM');
    const exited = await Promise.race([new Promise((r) => api.once('exit', () => r(true))), new Promise((r) => setTimeout(() => r(false), 10_000).unref())]);
    if (!exited) {
      say(TAG, 'api did not stop within 10 s of SIGTERM: killing it');
      api.kill('SIGKILL');
    }
  }
}

async function cleanup() {
  await stopApi();
  if (services && dbName) await services.dropDatabase(dbName).catch(() => {});
  if (services) await services.stop().catch(() => {});
}

/**
 * VACUUM ANALYZE of the new bench database (its owner may vacuum its catalogs too), as a production database
 * long since is: otherwise autovacuum's first pass over it — catalogs, seeded tables — starts a minute in,
 * in the middle of whichever scenario runs then (seen in the realtime one: a 100 ms stall).
 */
async function steadyState(ownerUrl) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query('VACUUM (ANALYZE)');
  } finally {
    await client.end();
  }
}

/**
 * Bench data written straight into the database (system role): 50 validated practitioners open every
 * day 08:00–20:00 UTC, and 200 active employees of one validated company. Tokens are signed by
 * the bench itself (it chose JWT_SECRET), so no login and no rate limit is involved.
 */
async function seedDirectory(systemUrl) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: systemUrl });
  await client.connect();
  try {
    const company = (await client.query(
      `INSERT INTO companies (id, name, slug, email_domains, is_active, validated_at, updated_at)
       VALUES (gen_random_uuid(), 'Bench Corp', 'bench-corp', ARRAY['@bench.test'], true, now(), now()) RETURNING id`,
    )).rows[0].id;
    const employees = [];
    for (let i = 0; i < 200; i++) {
      const email = `employee${i}@bench.test`;
      const u = (await client.query(
        `INSERT INTO users (id, email, password_hash, role, is_active, email_verified, company_id, updated_at)
         VALUES (gen_random_uuid(), $1, '!', 'EMPLOYEE', true, true, $2, now()) RETURNING id`, [email, company],
      )).rows[0].id;
      await client.query(`INSERT INTO employees (id, user_id, company_id, first_name, last_name, updated_at) VALUES (gen_random_uuid(), $1, $2, 'Bench', $3, now())`, [u, company, `E${i}`]);
      employees.push({ id: u, email, role: 'EMPLOYEE', companyId: company });
    }
    const specialties = ['PSYCHOLOGUE_CLINICIEN', 'PSYCHOLOGUE_TRAVAIL', 'PSYCHIATRE', 'PSYCHOTHERAPEUTE', 'COACH_MENTAL'];
    const practitioners = [];
    for (let i = 0; i < 50; i++) {
      const email = `practitioner${i}@bench.test`;
      const u = (await client.query(
        `INSERT INTO users (id, email, password_hash, role, is_active, email_verified, updated_at)
         VALUES (gen_random_uuid(), $1, '!', 'PRACTITIONER', true, true, now()) RETURNING id`, [email],
      )).rows[0].id;
      const p = (await client.query(
        `INSERT INTO practitioners (id, user_id, first_name, last_name, title, specialty, languages, bio, experience, is_validated, validated_at, average_rating, timezone, updated_at)
         VALUES (gen_random_uuid(), $1, 'Bench', $2, 'Dr.', $3, ARRAY['fr', 'en'], 'Praticien de test.', $4, true, now(), $5, 'UTC', now()) RETURNING id`,
        [u, `P${i}`, specialties[i % specialties.length], i % 20, 3 + (i % 3)],
      )).rows[0].id;
      for (let d = 0; d < 7; d++) {
        await client.query(
          `INSERT INTO availabilities (id, practitioner_id, type, day_of_week, start_time, end_time, slot_duration, updated_at)
           VALUES (gen_random_uuid(), $1, 'RECURRING', $2, '08:00', '20:00', 50, now())`, [p, d],
        );
      }
      practitioners.push({ id: u, practitionerId: p, email, role: 'PRACTITIONER', companyId: null });
    }
    return { employees, practitioners };
  } finally {
    await client.end();
  }
}

async function waitForHealth(url, ms = Number(process.env.BENCH_BOOT_MS ?? 180_000)) {
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
  say(TAG, `${name}: ${CONNECTIONS} connections, ${opts.amount ? `${opts.amount} requests` : `${opts.duration ?? DURATION} s`}`);
  const r = await autocannon({ connections: CONNECTIONS, ...(opts.amount ? {} : { duration: DURATION }), ...opts });
  if (r.non2xx) say(TAG, `${name}: ${r.non2xx} non-2xx answers (${JSON.stringify(r.statusCodeStats)})`);
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
  if (!process.env.BENCH_NO_BUILD && (await runChild('npm', ['run', 'build', '--silent'])) !== 0) throw new Error('build failed');
  const { ensureServices } = await import('./services.mjs');
  services = await ensureServices({ instance: 'test' });
  dbName = `huntzen_bench_${Date.now()}`;
  await services.createDatabase(dbName);
  const urls = services.urlsFor(dbName);
  const dbEnv = { DATABASE_URL: urls.ownerUrl, MIGRATE_DATABASE_URL: urls.ownerUrl, SYSTEM_DATABASE_URL: urls.systemUrl };
  await prisma(TAG, ['migrate', 'deploy'], dbEnv);
  await prisma(TAG, ['db', 'seed'], dbEnv);

  const hex = (n) => crypto.randomBytes(n).toString('hex');
  const jwtSecret = hex(32);
  const fixtures = await seedDirectory(urls.systemUrl);
  await steadyState(urls.ownerUrl);
  api = spawn(process.execPath, [...apiNodeFlags(), ...apiNodeArgs(ROOT), path.join(ROOT, 'dist', 'src', 'main.js')], {
    cwd: ROOT,
    stdio: ['ignore', process.env.BENCH_API_LOGS ? 'inherit' : 'ignore', 'inherit'],
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(PORT),
      WS_PORT: String(WS_PORT),
      APP_DATABASE_URL: urls.appUrl,
      SYSTEM_DATABASE_URL: urls.systemUrl,
      REDIS_URL: services.redisUrl,
      REDIS_PREFIX: `bench${Date.now()}`,
      JWT_SECRET: jwtSecret,
      JWT_REFRESH_SECRET: hex(32),
      ENCRYPTION_KEYS: `v1:${hex(32)}`,
      JITSI_SECRET: hex(24),
      JOURNAL_TAG_KEY: hex(32),
      WORKER_EMBEDDED: 'false',
      SWAGGER_ENABLED: 'false',
      LOG_LEVEL: process.env.BENCH_API_LOGS ? 'debug' : 'warn',
      // the global limiter stays on (its Redis round trip is part of the cost) but must not cut the load
      THROTTLE_LIMIT: '100000000',
      ...apiEnv,
      ...apiProcessEnv(),
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
  const { default: jwt } = await import('jsonwebtoken');
  const tokenFor = (u) => jwt.sign({ email: u.email, role: u.role, companyId: u.companyId }, jwtSecret, { algorithm: 'HS256', subject: u.id, expiresIn: 3600 });
  const employeeAuth = { authorization: `Bearer ${tokenFor(fixtures.employees[0])}` };
  const today = new Date().toISOString().slice(0, 10);
  const in30 = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10);

  // booking: every request takes the next (employee, practitioner, slot) so none collide (no 409 by design)
  const bookingTokens = fixtures.employees.map(tokenFor);
  let next = 0;
  const bookingRequest = {
    method: 'POST',
    path: '/api/consultations',
    setupRequest: (req) => {
      const i = next++;
      const day = 2 + Math.floor(i / 600);
      const hour = 8 + (Math.floor(i / 50) % 12);
      const at = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + day, hour, 0, 0));
      return {
        ...req,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bookingTokens[i % bookingTokens.length]}` },
        body: JSON.stringify({ practitionerId: fixtures.practitioners[i % fixtures.practitioners.length].practitionerId, scheduledAt: at.toISOString(), format: 'VIDEO' }),
      };
    },
  };

  await run(autocannon, 'warm-up', { url: `${base}/api/auth/me`, headers: auth, duration: 2 });
  const scenarios = [
    ['health', 'GET /health (unauthenticated)', { url: `${base}/health` }],
    ['baseline', 'baseline: one-row read, node-postgres, one round trip (physical ceiling)', { url: `${base}/api/bench/baseline`, headers: auth }],
    ['me', 'GET /api/auth/me (authenticated, tenant-scoped)', { url: `${base}/api/auth/me`, headers: auth }],
    ['search', `GET /api/practitioners/search (${fixtures.practitioners.length} validated practitioners)`, { url: `${base}/api/practitioners/search?availableWithin=7`, headers: employeeAuth }],
    ['slots', 'GET /api/availability/slots (31 days)', { url: `${base}/api/availability/slots?practitionerId=${fixtures.practitioners[0].practitionerId}&startDate=${today}&endDate=${in30}`, headers: employeeAuth }],
    ['booking', 'POST /api/consultations (CO1, distinct free slots)', { url: base, requests: [bookingRequest], amount: Number(process.env.BENCH_BOOKINGS ?? 600) }],
    ['mine', 'GET /api/consultations/mine (CO2)', { url: `${base}/api/consultations/mine`, headers: { authorization: `Bearer ${bookingTokens[0]}` } }],
  ];
  // groups (`npm run bench -- http reports realtime`), and within http the scenarios of BENCH_ONLY
  const results = [];
  if (wants('http')) for (const [key, name, opts] of scenarios) if (wanted(key)) results.push(await run(autocannon, name, opts));
  if (wants('reports') && !process.env.BENCH_SKIP_REPORTS) results.push(...(await (await import('./bench/reports.mjs')).benchReports({ base, systemUrl: urls.systemUrl, ownerUrl: urls.ownerUrl, adminUrl: services.pgAdminUrl, dbName, apiPid: api.pid, run, autocannon, tokenFor, connections: CONNECTIONS })).results);
  const baseline = results[0];
  for (const r of results) r.vsHealth = wants('http') ? +(r.requestsPerSec / baseline.requestsPerSec).toFixed(2) : null;

  console.log(`\nbookings created: ${next} requested`);
  console.log(`\n| scenario | req/s | p50 ms | p99 ms | ratio to /health | non-2xx |\n|---|---|---|---|---|---|`);
  for (const r of results) console.log(`| ${r.name} | ${r.requestsPerSec} | ${r.p50Ms} | ${r.p99Ms} | ${r.vsHealth} | ${r.non2xx} |`);
  if (wants('http')) report(results);
  fs.mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
  fs.writeFileSync(
    path.join(ROOT, 'bench-results', 'latest.json'),
    JSON.stringify({ at: new Date().toISOString(), node: process.version, connections: CONNECTIONS, durationSec: DURATION, results }, null, 2),
  );
  // the realtime scenario starts its own two instances: the http one, idle but for its garbage collector
  // (seen taking 90 ms of CPU in a burst on this 2-core machine), is not part of what it measures
  if (wants('realtime') && !process.env.BENCH_SKIP_REALTIME) await stopApi();
  if (wants('realtime') && !process.env.BENCH_SKIP_REALTIME) fs.writeFileSync(path.join(ROOT, 'bench-results', 'realtime.json'), JSON.stringify(await (await import('./bench/realtime.mjs')).runRealtimeBench({ urls, redisUrl: services.redisUrl, fixtures, basePort: PORT + 10 }), null, 2));
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
