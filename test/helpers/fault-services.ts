// PostgreSQL and Redis of their own for the fault tests (scripts/services.mjs, instance "fault"): these
// tests stop and restart them, which the servers shared by every other test file must never see.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

interface Services {
  redisUrl: string;
  urlsFor(db: string): { ownerUrl: string; appUrl: string; systemUrl: string };
  createDatabase(name: string): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  kill(name: 'pg' | 'redis'): Promise<void>;
  stop(): Promise<void>;
}
type ServicesModule = { ensureServices(o: { instance: string }): Promise<Services> };

const load = (): Promise<ServicesModule> => import(pathToFileURL(path.join(ROOT, 'scripts', 'services.mjs')).href);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

export interface FaultServices {
  appUrl: string;
  systemUrl: string;
  redisUrl: string;
  stopRedis(): Promise<void>;
  stopPostgres(): Promise<void>;
  /** Starts whatever is stopped (same ports, same data). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A private PostgreSQL (fresh migrated database) and Redis that the test may stop and restart. */
export async function startFaultServices(instance: 'fault' | 'cluster' = 'fault'): Promise<FaultServices> {
  const { ensureServices } = await load();
  let services = await ensureServices({ instance });
  const dbName = `huntzen_${instance}_${Date.now()}_${process.pid}`;
  await services.createDatabase(dbName);
  const { ownerUrl, appUrl, systemUrl } = services.urlsFor(dbName);
  await run(process.execPath, ['scripts/prisma.mjs', 'migrate', 'deploy'], { ...process.env, DATABASE_URL: ownerUrl, MIGRATE_DATABASE_URL: ownerUrl });
  return {
    appUrl,
    systemUrl,
    redisUrl: services.redisUrl,
    stopRedis: () => services.kill('redis'),
    stopPostgres: () => services.kill('pg'),
    async start() {
      services = await ensureServices({ instance });
    },
    async close() {
      services = await ensureServices({ instance });
      await services.dropDatabase(dbName).catch(() => undefined);
      await services.kill('redis');
      await services.kill('pg');
    },
  };
}
