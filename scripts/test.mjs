#!/usr/bin/env node
// `npm test [-- <vitest args>]`: dependencies, Prisma client, a private PostgreSQL + Redis
// (scripts/services.mjs, instance "test"), a fresh migrated database, then Vitest. Ends with one line
// `N passed, N failed[, N skipped]` and exits non-zero if anything failed. The database is dropped and
// the servers this run started are stopped whatever happens.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureChromium, runsBrowserTest } from './chromium.mjs';
import { ROOT, ensureDependencies, hasPrisma, loadEnvFile, prisma, runChild, say, signalChild } from './common.mjs';

const TAG = 'test';
const REPORT = path.join(ROOT, '.data', 'test', 'vitest-report.json');
const userArgs = process.argv.slice(2);

let services = null;
let dbName = null;
let interrupted = null;
let cleaned = false;
let faultInstance = null;
let buildChild = null;
let chromium = null;

async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  if (buildChild && buildChild.exitCode === null) buildChild.kill();
  if (services && dbName) {
    await services.dropDatabase(dbName).catch((err) => say(TAG, `could not drop ${dbName}: ${err.message}`));
  }
  if (services) await services.stop().catch((err) => say(TAG, `could not stop services: ${err.message}`));
  // the fault tests' own servers, should a test have died before stopping them
  if (faultInstance) await faultInstance('fault').catch((err) => say(TAG, `could not stop the fault servers: ${err.message}`));
  if (faultInstance) await faultInstance('cluster').catch((err) => say(TAG, `could not stop the cluster servers: ${err.message}`));
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = signal;
    say(TAG, `${signal}: stopping`);
    // The running step (vitest, prisma) ends on the forwarded signal; the main flow then cleans up.
    signalChild(signal);
  });
}
const checkInterrupted = () => {
  if (interrupted) throw new Error(`interrupted by ${interrupted}`);
};

/** Test-only secrets, random per run, for whatever the suite does not set itself. */
function testSecretsEnv() {
  const hex = (n) => crypto.randomBytes(n).toString('hex');
  const env = {};
  const setDefault = (k, v) => {
    if (!process.env[k]) env[k] = v;
  };
  setDefault('JWT_SECRET', hex(32));
  setDefault('JWT_REFRESH_SECRET', hex(32));
  if (!process.env.ENCRYPTION_KEYS && !process.env.ENCRYPTION_KEY) {
    env.ENCRYPTION_KEYS = `v1:${hex(32)}`;
    setDefault('ENCRYPTION_KEY_CURRENT', 'v1');
  }
  setDefault('JITSI_SECRET', hex(24));
  setDefault('JOURNAL_TAG_KEY', hex(32));
  return env;
}

function readCounts() {
  const report = JSON.parse(fs.readFileSync(REPORT, 'utf8'));
  return {
    passed: report.numPassedTests ?? 0,
    failed: report.numFailedTests ?? 0,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    // A file that failed to load or whose hooks threw has no failing test to count.
    brokenFiles: (report.testResults ?? []).filter(
      (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((t) => t.status === 'failed'),
    ).length,
  };
}

/**
 * Compiles the api and worker once into .data/fault/dist for the tests that run them as real processes
 * (test/helpers/processes.ts), in the background; writes `ok` or the compiler's output to the returned file.
 */
function startProcessBuild() {
  const out = path.join(ROOT, '.data', 'fault', 'dist');
  const status = path.join(ROOT, '.data', 'fault', `build-${process.pid}.status`);
  fs.mkdirSync(path.dirname(status), { recursive: true });
  fs.rmSync(status, { force: true });
  const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
  const child = spawn(tsc, ['-p', 'tsconfig.build.json', '--outDir', out, '--tsBuildInfoFile', path.join(out, '.tsbuildinfo')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  child.stderr.on('data', (d) => (text += d));
  // written whole then renamed: a test file watching the folder never reads a half-written status
  const publish = (content) => {
    fs.writeFileSync(`${status}.tmp`, content);
    fs.renameSync(`${status}.tmp`, status);
  };
  child.on('exit', (code) => publish(code === 0 ? 'ok' : `tsc exited ${code}:\n${text}`));
  child.on('error', (e) => publish(`tsc could not start: ${e.message}`));
  buildChild = child;
  return status;
}

async function main() {
  await ensureDependencies(TAG);
  checkInterrupted();
  if (loadEnvFile('.env.test')) say(TAG, 'loaded .env.test');

  const { ensureServices, isAlive, stopInstance } = await import('./services.mjs');
  faultInstance = stopInstance;
  const withPrisma = hasPrisma();
  if (!withPrisma) say(TAG, 'prisma/schema.prisma or scripts/prisma.mjs is missing: skipping prisma generate and migrate deploy');
  // Generating the client and starting the servers are independent: do both at once.
  const [generated, started] = await Promise.allSettled([
    withPrisma ? prisma(TAG, ['generate']) : Promise.resolve(),
    ensureServices({ instance: 'test' }),
  ]);
  if (started.status === 'fulfilled') services = started.value;
  if (started.status === 'rejected') throw started.reason;
  if (generated.status === 'rejected') throw generated.reason;
  checkInterrupted();
  // Debian's Chromium for the Swagger UI test, installed with apt-get if missing (after a redis-server install,
  // not beside it: one apt-get at a time), while the database is prepared and the build runs
  const chromiumReady = runsBrowserTest(userArgs) ? ensureChromium({ log: (msg) => say(TAG, msg) }) : Promise.resolve(null);

  await dropAbandonedDatabases(isAlive);
  dbName = `huntzen_test_${Date.now()}_${process.pid}`;
  await services.createDatabase(dbName);
  say(TAG, `database ${dbName} on ${services.pgHost}:${services.pgPort}, Redis ${services.redisUrl}`);
  const { ownerUrl, appUrl, systemUrl } = services.urlsFor(dbName);

  const buildStatus = startProcessBuild();
  if (withPrisma) await prisma(TAG, ['migrate', 'deploy'], { DATABASE_URL: ownerUrl, MIGRATE_DATABASE_URL: ownerUrl });
  checkInterrupted();

  chromium = await chromiumReady;
  checkInterrupted();

  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  fs.rmSync(REPORT, { force: true });
  const env = {
    ...process.env,
    ...testSecretsEnv(),
    NODE_ENV: 'test',
    DATABASE_URL: ownerUrl,
    MIGRATE_DATABASE_URL: ownerUrl,
    APP_DATABASE_URL: appUrl,
    SYSTEM_DATABASE_URL: systemUrl,
    REDIS_URL: services.redisUrl,
    TEST_SMTP: '1',
    CHECKPOINT_DISABLE: '1',
    PROCESS_BUILD_STATUS: buildStatus,
    ...(chromium?.path ? { CHROMIUM_PATH: chromium.path } : {}),
    ...(chromium?.reason ? { CHROMIUM_UNAVAILABLE: chromium.reason } : {}),
  };
  const vitest = path.join(ROOT, 'node_modules', '.bin', 'vitest');
  // With no filter, an empty suite is not an error; with one, matching nothing should fail loudly.
  const args = ['run', ...(userArgs.length ? [] : ['--passWithNoTests']), '--reporter=default', '--reporter=json', `--outputFile.json=${REPORT}`, ...userArgs];
  say(TAG, `vitest ${args.join(' ')}`);
  const code = await runChild(vitest, args, { env, group: true });

  let counts = { passed: 0, failed: 0, skipped: 0, brokenFiles: 0 };
  let reportError = null;
  try {
    counts = readCounts();
  } catch (err) {
    reportError = err;
  }
  const ok = code === 0 && !reportError && counts.failed === 0 && counts.brokenFiles === 0 && !interrupted;
  return { ok, code, counts, reportError };
}

let result;
try {
  result = await main();
} catch (err) {
  console.error(`[${TAG}] ${err.message}`);
  result = { ok: false, counts: { passed: 0, failed: 0, skipped: 0, brokenFiles: 0 }, setupError: err };
}
await cleanup();

const { counts } = result;
if (result.reportError) say(TAG, `no Vitest report (${result.reportError.message}); vitest exited ${result.code}`);
else if (!result.setupError && counts.brokenFiles > 0) say(TAG, `${counts.brokenFiles} test file(s) failed outside a test: load error or hook (see above)`);
else if (!result.setupError && result.code !== 0 && counts.failed === 0) say(TAG, `vitest exited ${result.code}`);
if (result.setupError) say(TAG, 'the suite did not run: setup failed (see above)');
if (chromium?.reason) say(TAG, `Swagger UI browser test skipped: Chromium could not be installed: ${chromium.reason}`);
console.log(`${counts.passed} passed, ${counts.failed} failed${counts.skipped > 0 ? `, ${counts.skipped} skipped` : ''}`);
process.exit(interrupted ? (interrupted === 'SIGINT' ? 130 : 143) : result.ok ? 0 : 1);

/** Test databases of runs that were killed before they could clean up (their pid is gone). */
async function dropAbandonedDatabases(isAlive) {
  if (!['127.0.0.1', 'localhost', '::1'].includes(services.pgHost)) return; // pids mean nothing on another host
  const { rows } = await services.query("SELECT datname FROM pg_database WHERE datname LIKE 'huntzen\\_test\\_%'");
  for (const { datname } of rows) {
    const m = /^huntzen_test_(\d+)_(\d+)$/.exec(datname);
    if (!m || Date.now() - Number(m[1]) < 60_000) continue;
    if (!isAlive(Number(m[2]))) {
      say(TAG, `dropping ${datname}, left by an interrupted run`);
      await services.dropDatabase(datname).catch(() => {});
    }
  }
}
