import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

// Sign in with a provider: the identities a provider vouches for, each bound
// to one account; and accounts without a password (users.password_hash
// nullable), for people who only ever sign in with a provider.

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect === 'postgres') await sql`alter table users alter column password_hash drop not null`.execute(db);
  else await dropSqliteNotNull(db, 'users', 'password_hash');

  const table = db.schema.createTable('identities');
  await (dialect === 'postgres' ? table.addColumn('id', 'serial', (c) => c.primaryKey()) : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()))
    .addColumn('provider', 'text', (c) => c.notNull())
    // The provider's stable id of the person ("sub"; GitHub's numeric user id): e-mails and names change.
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // The address the provider gave at the last sign-in, shown in settings.
    .addColumn('email', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('identities_provider_subject', ['provider', 'subject'])
    .execute();
  await db.schema.createIndex('identities_user').on('identities').column('user_id').execute();
}

/**
 * SQLite cannot drop a NOT NULL constraint in place: sqlite.org's rebuild
 * (lang_altertable.html, "Making Other Kinds Of Table Schema Changes"). The
 * new table is the stored CREATE TABLE with that one constraint removed, so
 * columns other migrations added come along unchanged. migrate.ts runs this
 * with foreign keys off (the DROP would cascade into sessions, groups…) and
 * checks them before committing.
 */
async function dropSqliteNotNull(db: Kysely<unknown>, tableName: string, column: string): Promise<void> {
  const schema = await sql<{ type: string; sql: string }>`select type, sql from sqlite_master where tbl_name = ${tableName} and sql is not null`.execute(db);
  const create = schema.rows.find((r) => r.type === 'table')?.sql ?? '';
  const columnDef = new RegExp(`("${column}"\\s+\\w+)\\s+not null`, 'i');
  const header = new RegExp(`^create table "?${tableName}"?`, 'i');
  if (!columnDef.test(create) || !header.test(create)) throw new Error(`${tableName}.${column}: unexpected schema, cannot rebuild: ${create}`);
  const rebuilt = create.replace(columnDef, '$1').replace(header, `create table "${tableName}_new"`);
  const { rows: sequence } = await sql<{ seq: number }>`select seq from sqlite_sequence where name = ${tableName}`.execute(db);

  await sql.raw(rebuilt).execute(db);
  await sql.raw(`insert into "${tableName}_new" select * from "${tableName}"`).execute(db);
  await sql.raw(`drop table "${tableName}"`).execute(db);
  await sql.raw(`alter table "${tableName}_new" rename to "${tableName}"`).execute(db);
  // Indexes and triggers went with the old table; the unique constraints' own indexes come with the new one.
  for (const row of schema.rows) if (row.type === 'index' || row.type === 'trigger') await sql.raw(row.sql).execute(db);
  // AUTOINCREMENT's high-water mark: ids of deleted accounts are never handed out again.
  if (sequence[0]) await sql`update sqlite_sequence set seq = ${sequence[0].seq} where name = ${tableName}`.execute(db);
}
