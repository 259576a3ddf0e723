import { defineConfig } from 'vitest/config';

// The suite runs twice over the database: once on SQLite, once on PostgreSQL.
// Pure unit tests (no database) run once, in the sqlite project.
// Files that touch the database: test/**, and src/**/*.db.test.ts.
const dbTests = ['test/**/*.test.ts', 'src/**/*.db.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['src/**/*.test.ts', ...dbTests],
          env: { TEST_DB: 'sqlite' },
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: dbTests,
          exclude: ['test/browser/**'],
          env: { TEST_DB: 'postgres' },
        },
      },
    ],
  },
});
