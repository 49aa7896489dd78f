import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globals: true,
    root: './',
    include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    // Quarantined, each with its own command, until they pass on main (README "Known failing tests"):
    // the cluster test (`npm run test:cluster`, issue 13) and the Swagger UI browser test (`npm run
    // test:browser`, issue 12). Not skipped silently: both commands run them as they are.
    exclude: [
      '**/node_modules/**',
      ...(process.env.CLUSTER_TEST ? [] : ['test/cluster/**']),
      ...(process.env.BROWSER_TEST ? [] : ['test/contract/swagger-ui.e2e-spec.ts']),
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
