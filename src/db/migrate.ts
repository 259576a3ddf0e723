import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import type { Db, DialectName } from './database.js';
import { isDatabaseUnavailable } from './faults.js';
import * as forumCore from './migrations/001_forum_core.js';
import * as rolesModeration from './migrations/002_roles_moderation.js';
import * as email from './migrations/003_email.js';
import * as identities from './migrations/004_identities.js';
import * as twoStep from './migrations/005_two_step.js';
import * as totp from './migrations/006_totp.js';
import * as passkeys from './migrations/007_passkeys.js';
import * as phones from './migrations/008_phones.js';
import * as accountDeletion from './migrations/009_account_deletion.js';
import * as cache from './migrations/010_cache.js';
import * as sessionEpoch from './migrations/011_session_epoch.js';
import * as threadRead from './migrations/012_thread_read.js';
import * as outbox from './migrations/013_outbox.js';
import * as notifications from './migrations/014_notifications.js';
import * as pushSubscriptions from './migrations/015_push_subscriptions.js';
import * as delivery from './migrations/016_delivery.js';
import * as outboxRetention from './migrations/017_outbox_retention.js';

type DialectMigration = { up(db: Kysely<unknown>, dialect: DialectName): Promise<void> };

// Listed in code (not read from a folder) so the compiled build and the tests
// run the same migrations without a file-system lookup.
export const migrations: Record<string, DialectMigration> = {
  '001_forum_core': forumCore,
  '002_roles_moderation': rolesModeration,
  '003_email': email,
  '004_identities': identities,
  '005_two_step': twoStep,
  '006_totp': totp,
  '007_passkeys': passkeys,
  '008_phones': phones,
  '009_account_deletion': accountDeletion,
  '010_cache': cache,
  '011_session_epoch': sessionEpoch,
  '012_thread_read': threadRead,
  '013_outbox': outbox,
  '014_notifications': notifications,
  '015_push_subscriptions': pushSubscriptions,
  '016_delivery': delivery,
  '017_outbox_retention': outboxRetention,
};

/** How long a starting process waits for another one's migrations. */
const SQLITE_LOCK_WAIT_MS = 120_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Brings the schema up to date, once, however many processes start together.
 * PostgreSQL: Kysely's migrator holds an advisory lock and runs every step in
 * one transaction. SQLite: the whole run is one `BEGIN IMMEDIATE` transaction
 * (the database's write lock), so a second process waits, then finds the
 * steps applied; a failed step rolls back everything. Foreign keys are
 * off during that transaction and checked before it commits, as sqlite.org's
 * table-rebuild procedure asks (a rebuilt table's DROP would otherwise
 * cascade into every table that references it).
 */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const provider = {
    getMigrations: async (): Promise<Record<string, Migration>> =>
      Object.fromEntries(Object.entries(migrations).map(([name, m]) => [name, { up: (kysely: Kysely<unknown>) => m.up(kysely, db.dialect) }])),
  };
  const migrator = new Migrator({ db: db.kysely, provider });
  const result = db.dialect === 'sqlite' ? await underSqliteWriteLock(db.kysely, () => migrator.migrateToLatest()) : await migrator.migrateToLatest();
  // Kysely reports whatever a migration threw, not necessarily an Error.
  if (result.error) throw result.error instanceof Error ? result.error : new Error('migration failed', { cause: result.error });
  return result;
}

// SQLite has a single connection per Db, so raw BEGIN/COMMIT statements here
// frame every query the migrator makes on it.
async function underSqliteWriteLock<DB>(kysely: Kysely<DB>, run: () => Promise<MigrationResultSet>): Promise<MigrationResultSet> {
  // A no-op inside a transaction: switched off before BEGIN, back on after COMMIT.
  await sql`pragma foreign_keys = off`.execute(kysely);
  try {
    return await migrateInTransaction(kysely, run);
  } finally {
    await sql`pragma foreign_keys = on`.execute(kysely);
  }
}

async function migrateInTransaction<DB>(kysely: Kysely<DB>, run: () => Promise<MigrationResultSet>): Promise<MigrationResultSet> {
  const { rows } = await sql<{ timeout: number }>`pragma busy_timeout`.execute(kysely);
  const busyTimeout = rows[0]?.timeout ?? 0;
  // Wait for the lock without blocking: better-sqlite3 would wait synchronously.
  await sql`pragma busy_timeout = 0`.execute(kysely);
  try {
    for (const started = Date.now(); ; ) {
      try {
        await sql`begin immediate`.execute(kysely);
        break;
      } catch (error) {
        if (!isDatabaseUnavailable(error) || Date.now() - started > SQLITE_LOCK_WAIT_MS) throw error;
        await pause(50);
      }
    }
  } finally {
    await sql`pragma busy_timeout = ${sql.lit(busyTimeout)}`.execute(kysely);
  }
  let result: MigrationResultSet;
  try {
    result = await run();
    const broken = await sql<{ table: string; parent: string }>`pragma foreign_key_check`.execute(kysely);
    if (!result.error && broken.rows.length > 0) {
      const [first] = broken.rows;
      result = { ...result, error: new Error(`migration left rows of ${first!.table} pointing at missing ${first!.parent} rows`) };
    }
  } catch (error) {
    await sql`rollback`.execute(kysely);
    throw error;
  }
  await sql.raw(result.error ? 'rollback' : 'commit').execute(kysely);
  return result;
}
