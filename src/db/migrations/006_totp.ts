import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

// Authenticator apps (TOTP) and recovery codes. One app per account: its
// shared secret sealed with a key derived from SECRET_KEY
// (security/secret-box.ts), unconfirmed until the person types a code from
// it, and the last time step a code was accepted for, so no code works twice.
// Recovery codes are stored as SHA-256 hashes; a used one is deleted.

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('totp_apps')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // Null while the person has not yet typed a code from the app.
    .addColumn('confirmed_at', 'bigint')
    .addColumn('last_step', 'bigint')
    .execute();

  const table = db.schema.createTable('recovery_codes');
  await (dialect === 'postgres' ? table.addColumn('id', 'serial', (c) => c.primaryKey()) : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('recovery_codes_user_hash', ['user_id', 'code_hash'])
    .execute();
}
