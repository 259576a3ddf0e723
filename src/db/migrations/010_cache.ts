import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

// The cache in the app's own database (CACHE_URL=db://), like Django's
// database cache: no other server to run, shared by every app process.
// Keys are short (cache/cache.ts hashes long ones); expired rows are culled
// by time, soonest-expiring first when the table is over its size.

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('cache_entries')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cache_entries_expires_at').on('cache_entries').column('expires_at').execute();
}
