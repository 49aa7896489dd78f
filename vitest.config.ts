import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globals: true,
    root: './',
    include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    // Quarantined, with its own command, until it passes on main (README "Known failing tests"): the
    // cluster test (`npm run test:cluster`, issue 13). Not skipped silently: that command runs it as it is.
    exclude: [
      '**/node_modules/**',
      ...(process.env.CLUSTER_TEST ? [] : ['test/cluster/**']),
    ],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // each file boots its own app with its own Redis prefix and SMTP sink, so files may run in parallel
    fileParallelism: true,
    maxWorkers: 2,
  },
  oxc: {
    decorator: { legacy: true, emitDecoratorMetadata: true },
  },
});
