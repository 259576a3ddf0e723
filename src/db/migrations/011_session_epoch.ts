import type { Kysely } from 'kysely';

// A per-user counter that sessions kept outside the sessions table (the
// encrypted cookie, Redis) carry from their start: raising it ends every one
// of them at once (logout of a cookie session, sign out others, password
// change or reset, a ban, account deletion).

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('session_epoch', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
