import type { Kysely } from 'kysely';

// Who hears of a notification through which channel (src/notifications/
// delivery.ts). A row only where the person chose: a missing row means the
// default of its event and channel (DEFAULT_OPT_INS), so new accounts need no
// rows and a changed default reaches everyone who never chose. In-app is
// always on and has no row. `sms_daily_counts`: texts sent to a person per
// UTC day (day = epoch ms / 86 400 000, floored), raised atomically at send
// time against SMS_DAILY_CAP. `email_digests`: a row while the person takes
// e-mail as one daily digest instead of a mail each; `due_at` is when the
// digest job already scheduled runs (null: none; the next notification
// schedules one, a day later).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notification_preferences')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // 'post_reply' | 'comment_reply' | 'mention'
    .addColumn('event', 'text', (c) => c.notNull())
    // 'push' | 'email' | 'sms'
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_preferences_pk', ['user_id', 'event', 'channel'])
    .execute();
  await db.schema
    .createTable('sms_daily_counts')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('sent', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('sms_daily_counts_pk', ['user_id', 'day'])
    .execute();
  await db.schema
    .createTable('email_digests')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('due_at', 'bigint')
    .execute();
}
