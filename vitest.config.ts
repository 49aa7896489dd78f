import { defineConfig } from 'vitest/config';

// Two groups, run one after the other in one `vitest run` (one report, one `N passed, N failed` line):
// 1. the suite: every unit and e2e file, two files at a time;
// 2. the cluster test (test/cluster, issue 13): nginx, two api processes, a worker, and a PostgreSQL and
//    Redis it restarts under load. Alone, once the suite is done: on a 2-core machine its rolling restart
//    and outages must not compete with other files for the CPU. `npm run test:cluster` runs it by itself.
export default defineConfig({
  test: {
    globals: true,
    root: './',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
          exclude: ['**/node_modules/**', 'test/cluster/**'],
          // each file boots its own app with its own Redis prefix and SMTP sink, so files may run in parallel
          fileParallelism: true,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.e2e-spec.ts'],
          exclude: ['**/node_modules/**'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
  oxc: {
    decorator: { legacy: true, emitDecoratorMetadata: true },
  },
});
