// The api and worker as real processes (compiled once per run), to test what only a process shows:
// signals, exit codes, start-up with a dependency missing.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const OUT = path.join(ROOT, '.data', 'fault', 'dist');

let built: Promise<void> | undefined;

/**
 * The compiled api and worker in .data/fault/dist (not dist/, which `npm run dev` may be using). `npm test`
 * compiles once, in the background while it prepares the database, and names a status file in
 * PROCESS_BUILD_STATUS: every test file waits for that one build instead of compiling into the same
 * folder at the same time. Run without it (vitest alone), the file compiles itself.
 */
// `_name`: the cluster test's former per-file copy; one build now serves every file.
export function buildOnce(_name?: string): Promise<void> {
  const status = process.env.PROCESS_BUILD_STATUS;
  built ??= status ? waitForBuild(status) : compile();
  return built;
}

function compile(): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
    const child = spawn(tsc, ['-p', 'tsconfig.build.json', '--outDir', OUT, '--tsBuildInfoFile', path.join(OUT, '.tsbuildinfo')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tsc exited ${code}:\n${out}`))));
  });
}

/** Resolves when test.mjs's build wrote `ok` to `file`, rejects with its output when it failed. */
function waitForBuild(file: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!fs.existsSync(file)) return false;
      const text = fs.readFileSync(file, 'utf8');
      if (text === '') return false; // (an older writer) created, not yet written
      if (text === 'ok') resolve();
      else reject(new Error(`the api build failed:\n${text}`));
      return true;
    };
    if (check()) return;
    const watcher = fs.watch(path.dirname(file), () => {
      if (check()) watcher.close();
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningProcess {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends `signal` and resolves with how it ended and how long it took. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  kill(): void;
}

/** Starts `node .data/fault/dist/src/<entry>.js` with `env` on top of the test process's environment. */
export function startProcess(entry: 'main' | 'worker', env: Record<string, string>, _name?: string): RunningProcess {
  const child = spawn(process.execPath, [path.join(OUT, 'src', `${entry}.js`)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  // a test process that ends without its afterAll (killed, crashed) takes its children with it
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    output: () => out,
    waitForOutput(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(out)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms; output:\n${out.slice(-3000)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 60_000) {
      const started = Date.now();
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return { ...result, ms: Date.now() - started };
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
