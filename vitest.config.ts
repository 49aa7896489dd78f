import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globals: true,
    root: './',
    include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    // the cluster test (nginx + two apis + a worker, restarts under load) runs with `npm run test:cluster`;
    // it is not yet reliable enough to gate every run (README, issue 13 note)
    exclude: ['**/node_modules/**', ...(process.env.CLUSTER_TEST ? [] : ['test/cluster/**'])],
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
