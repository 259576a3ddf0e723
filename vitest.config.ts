import { defineConfig } from 'vitest/config';
import { findPostgresBin } from './test/support/postgres-cluster.js';

// The suite runs over both databases: every test that touches one runs on
// SQLite and again on PostgreSQL. Pure unit tests run once, and so do the
// files whose outcome cannot depend on the database: the browser (an app on
// SQLite behind Chromium), security headers, and rate limits (kept in memory
// or Redis, never in the database).
const dbTests = ['test/**/*.test.ts', 'src/**/*.db.test.ts'];
const databaseIndependent = ['test/browser/**', 'test/headers.test.ts', 'test/rate-limits.test.ts', 'test/rate-limits-redis.test.ts', 'test/shutdown.test.ts', 'test/workers.test.ts'];
const postgresAvailable = Boolean(process.env.TEST_POSTGRES_URL || findPostgresBin());
if (!postgresAvailable) {
  if (process.env.CI) throw new Error('CI needs PostgreSQL: install it (apt-get install postgresql) or set TEST_POSTGRES_URL');
  console.warn('\n⚠ PostgreSQL not found: the postgres half of the suite is SKIPPED. Install postgresql or set TEST_POSTGRES_URL.\n');
}

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A worker runs its files one after another in one module graph instead of
    // importing the app afresh for each (that import was about half the CPU
    // time of the suite). Safe while no test mocks modules or changes
    // process.env, and modules keep no state between apps; each project has
    // its own workers, so TEST_DB never changes under a loaded module.
    isolate: false,
    // Vitest's default on two cores is one worker; much of a test waits on
    // PostgreSQL, Chromium or a child server, so two fill the machine better.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'sqlite', include: ['src/**/*.test.ts', ...dbTests], env: { TEST_DB: 'sqlite' } },
      },
      ...(postgresAvailable
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: dbTests,
                exclude: databaseIndependent,
                env: { TEST_DB: 'postgres' },
                globalSetup: ['test/support/global-setup.ts'],
              },
            },
          ]
        : []),
    ],
  },
});
