#!/usr/bin/env node
// `npm run dev [-- --watch]`: dependencies, Prisma client, a local PostgreSQL + Redis
// (scripts/services.mjs, instance "dev"), database huntzen_dev migrated and seeded, an SMTP sink that
// prints each e-mail, then the api with its embedded worker. Ctrl-C stops the api and the servers
// this command started.
//
// The api runs from a `nest build` (tsc): tsx/esbuild does not emit decorator metadata, so Nest's
// constructor injection by type would get `undefined` dependencies. `--watch` uses `nest start --watch`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, ensureDependencies, hasPrisma, loadEnvFile, prisma, runChild, say, signalChild } from './common.mjs';

const TAG = 'dev';
const DATA = path.join(ROOT, '.data', 'dev');
const DB_NAME = 'huntzen_dev';
const watch = process.argv.includes('--watch');

let services = null;
let sink = null;
let stopping = null;
let cleaned = false;

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (stopping) {
      say(TAG, 'second signal: killing the api');
      signalChild('SIGKILL');
      return;
    }
    stopping = signal;
    say(TAG, `${signal}: stopping`);
    signalChild(signal);
  });
}
const checkStopping = () => {
  if (stopping) throw new Error(`interrupted by ${stopping}`);
};

async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  if (sink) await new Promise((resolve) => sink.close(resolve));
  if (services) await services.stop().catch((err) => say(TAG, `could not stop services: ${err.message}`));
}

/** Secrets the api requires, generated once and kept in .data/dev/secrets.json (never committed),
 * so tokens and encrypted rows survive restarts. A value from the environment or .env wins. */
function applyDevSecrets() {
  const file = path.join(DATA, 'secrets.json');
  let saved = {};
  try {
    saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    // first run
  }
  const hex = (n) => crypto.randomBytes(n).toString('hex');
  const wanted = {
    JWT_SECRET: () => hex(32),
    JWT_REFRESH_SECRET: () => hex(32),
    ENCRYPTION_KEYS: () => `v1:${hex(32)}`,
    ENCRYPTION_KEY_CURRENT: () => 'v1',
    JITSI_SECRET: () => hex(24),
    JOURNAL_TAG_KEY: () => hex(32),
  };
  let changed = false;
  for (const [name, make] of Object.entries(wanted)) {
    if (!saved[name]) {
      saved[name] = make();
      changed = true;
    }
  }
  if (changed) {
    fs.mkdirSync(DATA, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
    say(TAG, `generated development secrets in ${path.relative(ROOT, file)}`);
  }
  const ownKeys = process.env.ENCRYPTION_KEYS || process.env.ENCRYPTION_KEY;
  for (const name of Object.keys(wanted)) {
    if (name.startsWith('ENCRYPTION_KEY') && ownKeys) continue; // keep the key ring and its "current" together
    if (!process.env[name]) process.env[name] = saved[name];
  }
}

/** In-process SMTP server that accepts everything and prints recipients, subject and links. */
async function startSmtpSink() {
  const [{ SMTPServer }, { simpleParser }] = await Promise.all([import('smtp-server'), import('mailparser')]);
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    banner: 'HuntZen dev mail sink',
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const to = [mail.to].flat().filter(Boolean).map((a) => a.text).join(', ');
          const body = `${mail.text ?? ''} ${mail.html || ''}`;
          const links = [...new Set(body.match(/https?:\/\/[^\s"'<>)]+/g) ?? [])];
          say('mail', `to ${to || '?'}: "${mail.subject ?? ''}"`);
          for (const link of links) say('mail', `  ${link}`);
          callback();
        })
        .catch((err) => callback(err));
    },
  });
  const listen = (port) =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve(server.server.address().port);
      });
    });
  const wanted = Number(process.env.SMTP_SINK_PORT || 2526);
  let port;
  try {
    port = await listen(wanted);
  } catch (err) {
    if (err.code !== 'EADDRINUSE') throw err;
    port = await listen(0);
    say(TAG, `port ${wanted} is busy: the mail sink uses ${port}`);
  }
  process.env.SMTP_HOST = '127.0.0.1';
  process.env.SMTP_PORT = String(port);
  process.env.SMTP_SECURE = 'false';
  say(TAG, `mail sink on smtp://127.0.0.1:${port}: e-mails are printed here, not sent`);
  return server;
}

/** Prints the URLs once the api answers /health (any status: /health may be 503 while warming up). */
async function announceWhenUp(port, wsPort) {
  const deadline = Date.now() + 10 * 60_000;
  while (!stopping && !cleaned && Date.now() < deadline) {
    try {
      await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
      say(TAG, `api ready: http://localhost:${port}/health  http://localhost:${port}/api/docs  sockets ws://localhost:${wsPort}`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function main() {
  await ensureDependencies(TAG);
  if (loadEnvFile('.env')) say(TAG, 'loaded .env');
  applyDevSecrets();
  checkStopping();

  const { ensureServices } = await import('./services.mjs');
  const withPrisma = hasPrisma();
  if (!withPrisma) say(TAG, 'prisma/schema.prisma or scripts/prisma.mjs is missing: skipping generate, migrate and seed');
  const [generated, started] = await Promise.allSettled([
    withPrisma ? prisma(TAG, ['generate']) : Promise.resolve(),
    ensureServices({ instance: 'dev' }),
  ]);
  if (started.status === 'fulfilled') services = started.value;
  if (started.status === 'rejected') throw started.reason;
  if (generated.status === 'rejected') throw generated.reason;
  checkStopping();

  if (await services.ensureDatabase(DB_NAME)) say(TAG, `created database ${DB_NAME}`);
  const { ownerUrl, appUrl, systemUrl } = services.urlsFor(DB_NAME);
  Object.assign(process.env, {
    NODE_ENV: 'development',
    WORKER_EMBEDDED: process.env.WORKER_EMBEDDED || 'true',
    APP_DATABASE_URL: appUrl,
    SYSTEM_DATABASE_URL: systemUrl,
    MIGRATE_DATABASE_URL: ownerUrl,
    REDIS_URL: services.redisUrl,
  });
  if (withPrisma) {
    const ownerEnv = { DATABASE_URL: ownerUrl, MIGRATE_DATABASE_URL: ownerUrl };
    await prisma(TAG, ['migrate', 'deploy'], ownerEnv);
    checkStopping();
    if (fs.existsSync(path.join(ROOT, 'prisma', 'seed.ts'))) await prisma(TAG, ['db', 'seed'], ownerEnv);
    else say(TAG, 'prisma/seed.ts is missing: no demo accounts');
    checkStopping();
  }
  process.env.DATABASE_URL = appUrl; // the api itself connects as huntzen_app / huntzen_system only

  if (!process.env.SMTP_HOST) sink = await startSmtpSink();
  checkStopping();

  const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);
  const port = Number(process.env.PORT || 3000);
  const wsPort = Number(process.env.WS_PORT || 3001);
  say(TAG, `PostgreSQL ${services.pgHost}:${services.pgPort}/${DB_NAME}, Redis ${services.redisUrl}`);
  if (watch) {
    say(TAG, 'nest start --watch');
    void announceWhenUp(port, wsPort);
    return runChild(bin('nest'), ['start', '--watch', '--preserveWatchOutput'], { group: true });
  }
  say(TAG, 'nest build');
  const built = await runChild(bin('nest'), ['build'], { group: true });
  if (built !== 0) throw new Error(`nest build failed (exit ${built})`);
  checkStopping();
  say(TAG, 'starting the api (node dist/src/main.js)');
  void announceWhenUp(port, wsPort);
  return runChild(process.execPath, ['--enable-source-maps', path.join(ROOT, 'dist', 'src', 'main.js')], { group: true });
}

let code;
try {
  code = await main();
  if (!stopping) say(TAG, `the api exited (code ${code})`);
} catch (err) {
  console.error(`[${TAG}] ${err.message}`);
  code = 1;
}
await cleanup();
process.exit(stopping ? 0 : code);
