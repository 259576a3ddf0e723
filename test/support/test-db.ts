import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type DatabaseOptions, type Db } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

export type TestDbKind = 'sqlite' | 'postgres';
export const testDbKind = (process.env.TEST_DB ?? 'sqlite') as TestDbKind;

export interface TestDatabase {
  url: string;
  /** Scratch directory for this database's app (data dir, secret). */
  dir: string;
  open(options?: Partial<DatabaseOptions>): Db;
  drop(): Promise<void>;
}

/** A new database of the project's kind, used by one test file: migrated, unless asked for a bare one. */
export async function createTestDatabase(options = { migrate: true }): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'charcha-test-'));
  let url: string;
  let dropDb = async () => {};
  if (testDbKind === 'postgres') {
    const adminUrl = inject('postgresUrl');
    const name = `charcha_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
    dropDb = async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      // Wait for the app's closed connections to be gone rather than killing
      // them (WITH (FORCE)): a killed backend's goodbye reaches a client that
      // is still closing, as an unhandled error.
      for (let i = 0; i < 100; i++) {
        const { rows } = await client.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (rows[0]?.n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    };
  } else {
    url = `sqlite:${join(dir, 'test.db')}`;
  }
  if (options.migrate) {
    const db = openDatabase(url);
    await migrateToLatest(db);
    await db.close();
  }
  return {
    url,
    dir,
    open: (options) => openDatabase(url, options),
    async drop() {
      await dropDb();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
