#!/usr/bin/env node
// Runs the project's Prisma CLI offline: no telemetry/update check, and a DATABASE_URL always set, because
// Prisma 6.19 falls back to downloading engines when it cannot read the schema (STACK_REPORT §6).
// Usage: node scripts/prisma.mjs <prisma args...>   (exit code passed through)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'prisma.cmd' : 'prisma');
if (!existsSync(bin)) {
  console.error(`prisma CLI not found at ${bin}; run npm install first`);
  process.exit(1);
}

const binDir = path.join(root, 'node_modules', '.bin');
const env = {
  ...process.env,
  // `prisma db seed` spawns `tsx prisma/seed.ts`: make local binaries resolvable outside `npm run` too.
  PATH: [binDir, process.env.PATH].filter(Boolean).join(path.delimiter),
  CHECKPOINT_DISABLE: '1',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  // Syntactically valid and never contacted: prisma.config.ts connects through MIGRATE_DATABASE_URL/DATABASE_URL.
  DATABASE_URL: process.env.DATABASE_URL || 'postgresql://unused@localhost:1/unused',
};

const child = spawn(bin, process.argv.slice(2), { cwd: root, env, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('error', (err) => {
  console.error(err.message);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  process.exit(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1));
});
