import { sql, type Kysely } from 'kysely';

// E-mail addresses proven by a link: when, and unique among verified ones
// whatever their case (a partial unique index, on SQLite and PostgreSQL
// alike). Unverified addresses may repeat: anyone can type any address.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('email_verified_at', 'bigint').execute();
  await sql`create unique index users_verified_email on users (lower(email)) where email_verified_at is not null`.execute(db);
}
