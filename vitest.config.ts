import { defineConfig } from 'vitest/config';
import { findPostgresBin } from './test/support/postgres-cluster.js';

// The suite runs over both databases: every test that touches one runs on
// SQLite and again on PostgreSQL. Pure unit tests run once.
const dbTests = ['test/**/*.test.ts', 'src/**/*.db.test.ts'];
const postgresAvailable = Boolean(process.env.TEST_POSTGRES_URL || findPostgresBin());
if (!postgresAvailable) {
  if (process.env.CI) throw new Error('CI needs PostgreSQL: install it (apt-get install postgresql) or set TEST_POSTGRES_URL');
  console.warn('\n⚠ PostgreSQL not found: the postgres half of the suite is SKIPPED. Install postgresql or set TEST_POSTGRES_URL.\n');
}

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
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
                exclude: ['test/browser/**'],
                env: { TEST_DB: 'postgres' },
                globalSetup: ['test/support/global-setup.ts'],
              },
            },
          ]
        : []),
    ],
  },
});
