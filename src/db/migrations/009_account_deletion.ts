import type { Kysely } from 'kysely';

// A deleted account keeps its row, so its posts, comments and votes stay
// where they are; the row itself is emptied of personal data
// (AccountService.deleteAccount) and marked here.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('deleted_at', 'bigint').execute();
}
