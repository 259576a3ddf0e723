import type { CreateTableBuilder, Kysely } from 'kysely';
import type { DialectName } from '../database.js';

// One migration for both databases: only the auto-increment key differs.
export function withId(table: CreateTableBuilder<string, never>, dialect: DialectName) {
  return dialect === 'postgres'
    ? table.addColumn('id', 'serial', (c) => c.primaryKey())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await withId(db.schema.createTable('users'), dialect)
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('username_key', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text')
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('score', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('user_agent', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

  const votable = (table: CreateTableBuilder<string, never>) =>
    table
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('text_html', 'text', (c) => c.notNull())
      .addColumn('upvotes', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('downvotes', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('flags', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('child_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('edited_at', 'bigint')
      .addColumn('deleted_at', 'bigint');

  await votable(
    withId(db.schema.createTable('posts'), dialect)
      .addColumn('author_id', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('url', 'text')
      .addColumn('url_key', 'text')
      .addColumn('domain', 'text')
      .addColumn('num_comments', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('hotness', 'double precision', (c) => c.notNull()),
  ).execute();
  await db.schema.createIndex('posts_hotness').on('posts').columns(['hotness desc', 'id desc']).execute();
  await db.schema.createIndex('posts_newest').on('posts').columns(['created_at desc', 'id desc']).execute();
  await db.schema.createIndex('posts_url_key').on('posts').columns(['url_key', 'created_at']).execute();
  await db.schema.createIndex('posts_author').on('posts').columns(['author_id', 'created_at']).execute();

  await votable(
    withId(db.schema.createTable('comments'), dialect)
      .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id'))
      .addColumn('author_id', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('parent_id', 'integer', (c) => c.references('comments.id'))
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('depth', 'integer', (c) => c.notNull())
      // Two replies to one parent at the same moment can never share a place.
      .addUniqueConstraint('comments_post_path', ['post_id', 'path']),
  ).execute();
  await db.schema.createIndex('comments_author').on('comments').columns(['author_id', 'created_at']).execute();

  for (const [table, target, targetTable] of [
    ['post_votes', 'post_id', 'posts'],
    ['comment_votes', 'comment_id', 'comments'],
  ] as const) {
    await db.schema
      .createTable(table)
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn(target, 'integer', (c) => c.notNull().references(`${targetTable}.id`))
      .addColumn('direction', 'integer', (c) => c.notNull())
      .addColumn('flagged', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      // The seed's "index on the vote lookup": a viewer's votes on a page in one query.
      .addPrimaryKeyConstraint(`${table}_pk`, ['user_id', target])
      .execute();
    await db.schema.createIndex(`${table}_target`).on(table).column(target).execute();
  }
}
