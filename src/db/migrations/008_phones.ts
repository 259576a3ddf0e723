import type { Kysely } from 'kysely';

// Text-message codes: a person's verified phone (E.164), whether it gets
// sign-in codes, and the one-time codes sent to it. A number is stored in
// `phones` only once a code sent to it came back; until then it waits in its
// `sms_codes` row. One live code per person and purpose (the primary key):
// sending a new one replaces, and so voids, the one before.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('phones')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'bigint', (c) => c.notNull())
    // 1: the second step of sign-in may be a code texted to this phone.
    .addColumn('sign_in_codes', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('sms_codes')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // 'verify-phone' or 'sign-in': a code is good only for what it was sent for.
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    // HMAC of the code under SECRET_KEY: a copy of the table alone gives no code away.
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('sms_codes_pk', ['user_id', 'purpose'])
    .execute();
}
