import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';
import { withId } from './001_forum_core.js';

// In-app notifications: a reply to one's post or comment, an @mention. Each
// is written in the transaction of the comment that causes it, with the
// recipient's unread count on their `users` row, which the session lookup
// reads anyway (no query per page for the header's count).
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await withId(db.schema.createTable('notifications'), dialect)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // 'post_reply' | 'comment_reply' | 'mention'
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id'))
    .addColumn('comment_id', 'integer', (c) => c.notNull().references('comments.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('read_at', 'bigint')
    .execute();
  // A person's list, newest first, and their unread ones.
  await db.schema.createIndex('notifications_user').on('notifications').columns(['user_id', 'id']).execute();
  await db.schema.alterTable('users').addColumn('unread_notifications', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
