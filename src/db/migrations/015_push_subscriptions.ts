import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';
import { withId } from './001_forum_core.js';

// Web push: each browser a person turned notifications on in. The endpoint
// is the push service's address for that one browser, so it is unique: a
// browser that subscribes again under another account moves to it.
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await withId(db.schema.createTable('push_subscriptions'), dialect)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('endpoint', 'text', (c) => c.notNull().unique())
    // base64url, as PushSubscription.toJSON() gives them: the browser's P-256 key and auth secret.
    .addColumn('p256dh', 'text', (c) => c.notNull())
    .addColumn('auth', 'text', (c) => c.notNull())
    // "Firefox on Linux", from the User-Agent at subscribing.
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('push_subscriptions_user').on('push_subscriptions').column('user_id').execute();
}
