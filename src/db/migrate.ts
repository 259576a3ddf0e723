import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import type { Db, DialectName } from './database.js';
import * as forumCore from './migrations/001_forum_core.js';

type DialectMigration = { up(db: Kysely<unknown>, dialect: DialectName): Promise<void> };

// Listed in code (not read from a folder) so the compiled build and the tests
// run the same migrations without a file-system lookup.
const migrations: Record<string, DialectMigration> = {
  '001_forum_core': forumCore,
};

export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const provider = {
    async getMigrations(): Promise<Record<string, Migration>> {
      return Object.fromEntries(
        Object.entries(migrations).map(([name, m]) => [
          name,
          {
            // Kysely wraps PostgreSQL migrations in a transaction but not
            // SQLite ones: wrap those ourselves so a failed step leaves nothing half-done.
            up: (kysely: Kysely<unknown>) =>
              kysely.isTransaction ? m.up(kysely, db.dialect) : kysely.transaction().execute((trx) => m.up(trx, db.dialect)),
          },
        ]),
      );
    },
  };
  const migrator = new Migrator({ db: db.kysely, provider });
  const result = await migrator.migrateToLatest();
  // Kysely reports whatever a migration threw, not necessarily an Error.
  if (result.error) throw result.error instanceof Error ? result.error : new Error('migration failed', { cause: result.error });
  return result;
}
