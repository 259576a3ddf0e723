// Several app processes started at once on a new database (a deploy, a
// Procfile scaled to two) must all come up: the migrations run once, under a
// lock, and the others find them applied. Each Db here is its own connection,
// as each process would have.
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/db/migrate.js';
import { createTestDatabase } from './support/test-db.js';

describe('migrations', () => {
  it('run once when three app processes start on a new database at the same moment', async () => {
    for (let round = 0; round < 3; round++) {
      const database = await createTestDatabase({ migrate: false });
      const dbs = [database.open(), database.open(), database.open()];
      try {
        const results = await Promise.all(dbs.map((db) => migrateToLatest(db)));
        const applied = results.map((r) => (r.results ?? []).map((m) => m.migrationName));
        expect(applied.flat()).toEqual(['001_forum_core', '002_roles_moderation', '003_email']);
        const tables = await dbs[0]!.kysely.introspection.getTables();
        expect(tables.map((t) => t.name)).toContain('users');
      } finally {
        await Promise.all(dbs.map((db) => db.close()));
        await database.drop();
      }
    }
  });
});
