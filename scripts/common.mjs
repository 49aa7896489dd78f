// Helpers shared by scripts/dev.mjs and scripts/test.mjs. Node built-ins only: this runs before
// node_modules exists.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const isCI = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';

export const say = (tag, msg) => console.log(`[${tag}] ${msg}`);

/** First executable `cmd` on `envPath` (default PATH), or null. */
export function which(cmd, envPath = process.env.PATH ?? '') {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, cmd);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** Loads KEY=VALUE lines from a file into process.env without overriding what is already set. */
export function loadEnvFile(file) {
  const full = path.resolve(ROOT, file);
  if (!fs.existsSync(full)) return false;
  process.loadEnvFile(full);
  return true;
}

let current = null;

/**
 * Runs a command with inherited output; resolves with its exit code. With `group`, the command gets
 * its own process group: signals reach it only through signalChild (no double Ctrl-C), and whatever
 * it leaves behind (a test worker still busy) is terminated when it exits.
 */
export function runChild(cmd, args, { env = process.env, cwd = ROOT, group = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'], detached: group });
    current = { child, group };
    child.on('error', (err) => {
      console.error(`cannot run ${cmd}: ${err.message}`);
      current = null;
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      current = null;
      if (group) killGroup(child.pid, 'SIGTERM');
      resolve(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1));
    });
  });
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Sends a signal to the command currently run by runChild, if any. */
export function signalChild(signal) {
  if (!current || current.child.exitCode !== null) return;
  if (!current.group || !killGroup(current.child.pid, signal)) current.child.kill(signal);
}

/** `npm ci` (CI) or `npm install` when node_modules is missing or older than package-lock.json. */
export async function ensureDependencies(tag) {
  const lock = path.join(ROOT, 'package-lock.json');
  const installed = path.join(ROOT, 'node_modules', '.package-lock.json');
  let reason = null;
  if (!fs.existsSync(installed)) reason = 'node_modules is missing';
  else if (fs.existsSync(lock) && fs.statSync(lock).mtimeMs > fs.statSync(installed).mtimeMs) reason = 'package-lock.json changed';
  if (!reason) return;
  const args = isCI && fs.existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  say(tag, `${reason}: npm ${args[0]}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const code = await runChild(npm, args);
  if (code !== 0) throw new Error(`npm ${args[0]} failed (exit ${code})`);
}

export const hasPrisma = () =>
  fs.existsSync(path.join(ROOT, 'scripts', 'prisma.mjs')) && fs.existsSync(path.join(ROOT, 'prisma', 'schema.prisma'));

/** `node scripts/prisma.mjs <args>` (it supplies the offline Prisma env); throws on failure. */
export async function prisma(tag, args, extraEnv = {}) {
  say(tag, `prisma ${args.join(' ')}`);
  const code = await runChild(process.execPath, [path.join(ROOT, 'scripts', 'prisma.mjs'), ...args], { env: { ...process.env, ...extraEnv } });
  if (code !== 0) throw new Error(`prisma ${args.join(' ')} failed (exit ${code})`);
}

/**
 * V8 flags of the api process (package.json `start`, the Docker image and the benches use the same):
 * - a 1 MB young generation (semi-space) instead of 16 MB: about 30 MB less resident memory per process for
 *   more, cheap, scavenges (the http bench showed no slowdown: README, "Reports bench");
 * - an old space capped at 160 MB (the api lives at 50-60 MB): V8 collects instead of growing without end;
 * - bytecode and baseline code of functions not run for 2 full collections are dropped (instead of 5, and
 *   baseline code never): what ran once at boot (module bodies, decorators, Nest's wiring) stops occupying the
 *   heap; a function that runs again is recompiled lazily. About 7 MB less before an export.
 * API_NODE_FLAGS overrides them (space-separated; empty = none).
 */
export function apiNodeFlags() {
  const flags = process.env.API_NODE_FLAGS ?? '--max-semi-space-size=1 --max-old-space-size=160 --bytecode-old-age=2 --flush-baseline-code';
  return flags.split(/\s+/).filter(Boolean);
}

/**
 * Environment of the api process (read by glibc when the process starts, so it must be set by whoever
 * starts it):
 * - MALLOC_ARENA_MAX=2 instead of glibc's default of 8 arenas per core, one per thread that allocates
 *   (libuv's pool, V8's GC and compiler threads): about 6 MB less resident memory.
 * - MALLOC_MMAP_THRESHOLD_=131072: every block of 128 KiB or more is its own mapping, returned to the system
 *   when freed. By default glibc raises that threshold to the size of the largest block freed so far (up to
 *   32 MiB): after the first password hash (argon2id, a 19 MiB block) every later hash's block came from an
 *   arena and stayed resident after it, about 16 MB for the life of the process. Setting it also fixes the
 *   trim threshold (128 KiB), so freed memory at the top of the heap goes back too.
 * README, "Reports bench". An explicit value in the environment wins.
 */
export function apiProcessEnv() {
  return {
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
    MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '131072',
  };
}
