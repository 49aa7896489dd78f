// Debian's Chromium for the Swagger UI browser test (test/contract/swagger-ui.e2e-spec.ts, driven by
// playwright-core). scripts/test.mjs calls ensureChromium in the background while it migrates and builds:
// when /usr/bin/chromium is missing it installs the `chromium` package with apt-get (non-interactive, as
// root, unless NO_APT_INSTALL), like scripts/services.mjs does for redis-server. Node built-ins only.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { which } from './common.mjs';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The file whose presence under test/ needs Chromium. */
export const BROWSER_TEST_FILE = 'test/contract/swagger-ui.e2e-spec.ts';

/** Whether a Vitest run with these arguments includes the browser test (no file filter, or one it matches). */
export function runsBrowserTest(vitestArgs) {
  const filters = [];
  for (let i = 0; i < vitestArgs.length; i++) {
    const a = vitestArgs[i];
    if (a === '-t' || a === '--testNamePattern' || a === '--project' || a === '--config' || a === '-c') i++;
    else if (!a.startsWith('-')) filters.push(a.replace(/^\.\//, ''));
  }
  return filters.length === 0 || filters.some((f) => BROWSER_TEST_FILE.includes(f));
}

/** Runs a command to completion, appending its output to logFile; rejects on a non-zero exit. */
function run(what, cmd, args, { env, logFile, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const collect = (chunk) => fs.appendFileSync(logFile, chunk);
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${what} could not start: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${what} failed (${signal ? `killed by ${signal}` : `exit ${code}`})`));
    });
  });
}

/**
 * The Chromium binary the browser test should use: `{ path }`, or `{ reason }` saying why there is none.
 * CHROMIUM_PATH, when set, is used as given (never installed over). Otherwise /usr/bin/chromium, installed
 * with `apt-get update && apt-get install -y chromium` when missing and root may use apt-get.
 * `options` exist for the test of this function: another binary path, apt-get, uid and PATH.
 */
export async function ensureChromium({
  logFile = path.join(ROOT, '.data', 'test', 'logs', 'apt-chromium.log'),
  log = () => {},
  env = process.env,
  bin = env.CHROMIUM_PATH || DEFAULT_CHROMIUM,
  aptGet = which('apt-get', env.PATH ?? ''),
  isRoot = typeof process.getuid === 'function' && process.getuid() === 0,
  timeoutMs = 900_000,
} = {}) {
  if (fs.existsSync(bin)) return { path: bin };
  if (env.CHROMIUM_PATH) return { reason: `CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist` };
  const cannot = !isRoot ? 'not root, so apt-get cannot install it' : env.NO_APT_INSTALL ? 'NO_APT_INSTALL is set' : !aptGet ? 'apt-get is not available' : null;
  if (cannot) return { reason: `${bin} is missing and ${cannot} (apt-get install -y chromium, or set CHROMIUM_PATH)` };

  log(`${bin} is missing: installing Debian's chromium with apt-get in the background (log: ${logFile})`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  // another apt-get (redis-server, nginx, a parallel run) may hold the lock: wait for it rather than fail
  const lockWait = ['-o', 'DPkg::Lock::Timeout=300'];
  try {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    await run('apt-get update', aptGet, ['-qq', ...lockWait, 'update'], { env: aptEnv, logFile, timeoutMs });
    await run('apt-get install chromium', aptGet, ['-y', '-qq', ...lockWait, 'install', 'chromium'], { env: aptEnv, logFile, timeoutMs });
  } catch (err) {
    return { reason: `${err.message} (see ${logFile})` };
  }
  if (!fs.existsSync(bin)) return { reason: `apt-get install chromium did not provide ${bin} (see ${logFile})` };
  log(`installed ${bin}`);
  return { path: bin };
}
