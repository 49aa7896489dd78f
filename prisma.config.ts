import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { SafePrismaPgFactory } from './prisma/pg-adapter-fix.ts';

// The WASM schema engine arms a 10 s setTimeout that is never cleared -> ~10 s idle before exit on
// migrate dev/deploy/reset. Unref it (a really pending lock still holds the process via its pg socket).
if (process.env.PRISMA_UNREF_WASM_TIMERS !== '0') {
  const setTimeout0 = globalThis.setTimeout;
  globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
    const t = setTimeout0(fn, ms, ...rest);
    if (ms === 10_000) t.unref();
    return t;
  }) as typeof globalThis.setTimeout;
}

const MIGRATE_URL = process.env.MIGRATE_DATABASE_URL ?? process.env.DATABASE_URL!; // owner role, not huntzen_app

export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new SafePrismaPgFactory(MIGRATE_URL) as any,
  migrations: { path: path.join('prisma', 'migrations'), seed: 'tsx prisma/seed.ts' },
});
