#!/usr/bin/env node
// Regenerates the evidence behind src/common/errors/unavailable.captured.json: drives app-like Prisma
// traffic (the app's PrismaPg options; batch and interactive transactions, raw and model queries) against the
// PostgreSQL of scripts/services.mjs instance "cluster" (CLUSTER_PG_PORT) while it is stopped (fast, then
// immediate), down and starting, and prints every distinct error shape with what unreachableDependency
// answers (from the compiled .data/fault/dist: run `npm test -- test/faults` or tsc first). Writes
// .data/capture/shapes.json. Usage: `ROUNDS=4 node scripts/capture-pg-errors.mjs` (as root: pg_ctl runs as postgres).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import util from 'node:util';
import fs from 'node:fs';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { ensureServices } = await import(pathToFileURL(path.join(ROOT, 'scripts/services.mjs')).href);
const { PrismaClient } = await import('@prisma/client');
const { PrismaPg } = await import('@prisma/adapter-pg');
const { unreachableDependency } = await import(pathToFileURL(path.join(ROOT, '.data/fault/dist/src/common/errors/unavailable.js')).href);

let services = await ensureServices({ instance: 'cluster' });
const dbName = `huntzen_capture_${Date.now()}`;
await services.createDatabase(dbName);
const { ownerUrl, appUrl, systemUrl } = services.urlsFor(dbName);
const r = spawnSync(process.execPath, ['scripts/prisma.mjs', 'migrate', 'deploy'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: ownerUrl, MIGRATE_DATABASE_URL: ownerUrl }, encoding: 'utf8' });
if (r.status !== 0) throw new Error(r.stdout + r.stderr);
// the app's options (src/infra/prisma/prisma.service.ts), on a pool of our own to count its clients at the end
const { default: pg } = await import('pg');
const pool = new pg.Pool({ connectionString: systemUrl, max: 10, connectionTimeoutMillis: 4000 });
const db = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: { maxWait: 6000, timeout: 15000 } });
await db.$queryRaw`SELECT 1`;

const shapes = new Map();
function shape(o, depth = 0) {
  if (!o || typeof o !== 'object' || depth > 3) return o;
  const out = { ctor: o.constructor?.name, name: o.name, code: o.code, message: String(o.message ?? '').slice(0, 160) };
  for (const k of ['kind', 'originalCode', 'originalMessage', 'errno', 'syscall', 'severity', 'clientVersion', 'meta']) if (o[k] !== undefined) out[k] = o[k];
  if (o.cause) out.cause = shape(o.cause, depth + 1);
  return out;
}
function raw(o, depth = 0) {
  if (!o || typeof o !== 'object' || depth > 4) return o;
  const out = { $class: o.constructor?.name };
  for (const k of Object.getOwnPropertyNames(o)) if (k !== 'stack') out[k] = k === 'cause' ? raw(o[k], depth + 1) : o[k];
  return out;
}
function record(op, phase, e) {
  const s = shape(e);
  const verdict = unreachableDependency(e);
  const key = JSON.stringify({ s: { ...s, message: s.message.replace(/\d+/g, 'N') }, verdict });
  const prev = shapes.get(key);
  if (prev) prev.n++;
  else shapes.set(key, { op, phase, verdict, n: 1, shape: s, inspect: util.inspect(e, { depth: 4 }).slice(0, 3000), raw: raw(e) });
}
let phase = 'up';
let crashes = 0;
process.on('uncaughtException', (e) => { crashes++; record('UNCAUGHT', phase, e); });
let running = true;
const ops = {
  batch: () => db.$transaction([db.$executeRaw`SELECT set_config('app.user_id', 'x', true)`, db.user.count()]),
  interactive: () => db.$transaction(async (tx) => { await tx.$executeRaw`SELECT set_config('app.user_id', 'x', true)`; await tx.$queryRaw`SELECT pg_sleep(0.05)::text AS s`; return tx.user.count(); }),
  slowraw: () => db.$queryRaw`SELECT pg_sleep(0.2)::text AS s`,
  slowexec: () => db.$executeRaw`SELECT pg_sleep(0.2)`,
  batchslow: () => db.$transaction([db.$executeRaw`SELECT set_config('app.user_id', 'x', true)`, db.$queryRaw`SELECT pg_sleep(0.1)::text AS s`, db.user.count()]),
  model: () => db.user.findFirst(),
};
const loops = [];
const only = process.env.OPS ? process.env.OPS.split(',') : null; // e.g. OPS=interactive,batch
for (const [op, fn] of Object.entries(ops).filter(([op]) => !only || only.includes(op))) for (let k = 0; k < 3; k++) loops.push((async () => { while (running) { try { await fn(); } catch (e) { record(op, phase, e); } await new Promise((r) => setImmediate(r)); } })());
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round++) {
  await pause(1500);
  phase = 'stopping';
  if (round % 2 === 1) { const r2 = spawnSync('runuser', ['-u', 'postgres', '--', fs.readdirSync('/usr/lib/postgresql').map((v) => `/usr/lib/postgresql/${v}/bin/pg_ctl`)[0], '-D', path.join(ROOT, '.data/cluster/pg15'), '-m', 'immediate', '-w', 'stop'], { encoding: 'utf8' }); console.error('immediate', r2.status, r2.stderr); await services.kill('pg'); }
  else await services.kill('pg');
  phase = 'down';
  await pause(1500);
  phase = 'starting';
  services = await ensureServices({ instance: 'cluster' });
  phase = 'up';
}
await pause(2000);
running = false;
await Promise.all(loops);
console.log('uncaught:', crashes);
fs.mkdirSync(path.join(ROOT, '.data/capture'), { recursive: true });
fs.writeFileSync(path.join(ROOT, '.data/capture/shapes.json'), JSON.stringify([...shapes.values()].map((v) => ({ op: v.op, phase: v.phase, verdict: v.verdict, n: v.n, raw: v.raw })), null, 1));
for (const v of shapes.values()) {
  console.log(`=== ${v.verdict ?? 'NULL (500)'}  op=${v.op} phase=${v.phase} n=${v.n}\n${JSON.stringify(v.shape, null, 1)}\n--- inspect:\n${v.inspect}\n`);
}
// clients still checked out once every loop has stopped were never released (a leak takes a pool slot for good)
console.log(`pool right after: total ${pool.totalCount}, idle ${pool.idleCount} → checked out ${pool.totalCount - pool.idleCount}`);
await pause(Number(process.env.SETTLE_MS ?? 20_000)); // past the transaction timeout (15 s)
console.log(`pool: total ${pool.totalCount}, idle ${pool.idleCount}, waiting ${pool.waitingCount} → checked out ${pool.totalCount - pool.idleCount}`);
await Promise.race([db.$disconnect(), new Promise((r) => setTimeout(r, 5000))]);
await services.dropDatabase(dbName).catch(() => {});
await services.stop();
process.exit(0); // a leaked client keeps the pool (and the process) alive
