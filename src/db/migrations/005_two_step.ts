import { sql, type Kysely } from 'kysely';

// Two-step sign-in's session facts: when the person last proved who they are
// (sign-in, or confirming again before a sensitive change), and whether this
// session passed a second step (staff rights can be made to wait for one).

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('sessions')
    .addColumn('authenticated_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('sessions')
    .addColumn('second_step', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Sessions from before: proven when they began.
  await sql`update sessions set authenticated_at = created_at`.execute(db);
}
