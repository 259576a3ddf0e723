import { sql, type CreateTableBuilder, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

// Roles and moderation: account flags, groups and permissions (as Django's
// auth models), moderation state on posts and comments, flag reasons, and
// the public moderation log. The catalogue and the three groups are written
// here as they were at this version; later migrations add to them.

const PERMISSIONS: [codename: string, name: string][] = [
  ['forum.view_post', 'Can view discussions'],
  ['forum.add_post', 'Can start discussions'],
  ['forum.change_post', 'Can edit any discussion'],
  ['forum.delete_post', 'Can delete any discussion'],
  ['forum.view_comment', 'Can view comments'],
  ['forum.add_comment', 'Can comment'],
  ['forum.change_comment', 'Can edit any comment'],
  ['forum.delete_comment', 'Can delete any comment'],
  ['forum.add_vote', 'Can vote'],
  ['forum.add_flag', 'Can flag'],
  ['forum.view_flags', 'Can see flags and the moderation queue'],
  ['forum.hide_post', 'Can hide and restore discussions'],
  ['forum.hide_comment', 'Can hide and restore comments'],
  ['forum.lock_post', 'Can lock and unlock discussions'],
  ['forum.pin_post', 'Can pin and unpin discussions'],
  ['accounts.view_user', 'Can view users in the admin'],
  ['accounts.add_user', 'Can add users'],
  ['accounts.change_user', 'Can change users and their groups'],
  ['accounts.delete_user', 'Can delete users'],
  ['accounts.ban_user', 'Can ban and unban users'],
  ['accounts.view_group', 'Can view groups and permissions'],
  ['accounts.change_group', 'Can change groups and their permissions'],
];

const MEMBER = ['forum.view_post', 'forum.view_comment', 'forum.add_post', 'forum.add_comment', 'forum.add_vote', 'forum.add_flag'];
const MODERATOR = [
  ...MEMBER,
  'forum.view_flags',
  'forum.hide_post',
  'forum.hide_comment',
  'forum.lock_post',
  'forum.pin_post',
  'forum.change_post',
  'forum.delete_post',
  'forum.change_comment',
  'forum.delete_comment',
  'accounts.ban_user',
  'accounts.view_user',
];
const GROUPS: [name: string, codenames: string[]][] = [
  ['member', MEMBER],
  ['moderator', MODERATOR],
  ['admin', PERMISSIONS.map(([codename]) => codename)],
];

function withId(table: CreateTableBuilder<string, never>, dialect: DialectName) {
  return dialect === 'postgres'
    ? table.addColumn('id', 'serial', (c) => c.primaryKey())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const addColumns = async (table: string, columns: [name: string, type: 'integer' | 'bigint' | 'text', notNullDefault?: number][]) => {
    for (const [name, type, fallback] of columns) {
      await db.schema
        .alterTable(table)
        .addColumn(name, type, (c) => (fallback === undefined ? c : c.notNull().defaultTo(fallback)))
        .execute();
    }
  };
  await addColumns('users', [
    ['is_active', 'integer', 1],
    ['is_staff', 'integer', 0],
    ['is_superuser', 'integer', 0],
    ['banned_at', 'bigint'],
    // Null with banned_at set: banned until unbanned.
    ['banned_until', 'bigint'],
    ['ban_reason', 'text'],
  ]);
  for (const table of ['posts', 'comments']) {
    // flags_reviewed: the flag count a moderator last reviewed; only flags beyond it hold an item back.
    await addColumns(table, [
      ['hidden_at', 'bigint'],
      ['flags_reviewed', 'integer', 0],
    ]);
  }
  await addColumns('posts', [
    ['locked_at', 'bigint'],
    ['pinned_at', 'bigint'],
  ]);
  await db.schema.createIndex('posts_pinned').on('posts').column('pinned_at').execute();
  for (const table of ['post_votes', 'comment_votes']) await addColumns(table, [['flag_reason', 'text']]);

  await withId(db.schema.createTable('permissions'), dialect)
    .addColumn('codename', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .execute();
  await withId(db.schema.createTable('groups'), dialect)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .execute();
  const link = (table: string, left: [string, string], right: [string, string]) =>
    db.schema
      .createTable(table)
      .addColumn(left[0], 'integer', (c) => c.notNull().references(`${left[1]}.id`).onDelete('cascade'))
      .addColumn(right[0], 'integer', (c) => c.notNull().references(`${right[1]}.id`).onDelete('cascade'))
      .addPrimaryKeyConstraint(`${table}_pk`, [left[0], right[0]])
      .execute();
  await link('group_permissions', ['group_id', 'groups'], ['permission_id', 'permissions']);
  await link('user_groups', ['user_id', 'users'], ['group_id', 'groups']);
  await link('user_permissions', ['user_id', 'users'], ['permission_id', 'permissions']);
  // Who holds a group or a permission (the admin's "who holds it" lists).
  await db.schema.createIndex('user_groups_group').on('user_groups').column('group_id').execute();
  await db.schema.createIndex('user_permissions_permission').on('user_permissions').column('permission_id').execute();

  await withId(db.schema.createTable('moderation_log'), dialect)
    .addColumn('moderator_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'integer', (c) => c.notNull())
    // What the item was when acted on (a title, a comment's opening words, a username): it may change or go later.
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('moderation_log_newest').on('moderation_log').columns(['created_at desc', 'id desc']).execute();

  const q = db as Kysely<{
    permissions: { id?: number; codename: string; name: string };
    groups: { id?: number; name: string };
    group_permissions: { group_id: number; permission_id: number };
    user_groups: { user_id: number; group_id: number };
  }>;
  await q
    .insertInto('permissions')
    .values(PERMISSIONS.map(([codename, name]) => ({ codename, name })))
    .execute();
  for (const [name, codenames] of GROUPS) {
    const group = await q.insertInto('groups').values({ name }).returning('id').executeTakeFirstOrThrow();
    await q
      .insertInto('group_permissions')
      .columns(['group_id', 'permission_id'])
      .expression((eb) => eb.selectFrom('permissions').select([sql.lit(group.id!).as('group_id'), 'id']).where('codename', 'in', codenames))
      .execute();
  }
  // Everyone who signed up before roles existed keeps what they could do: they are members.
  await sql`insert into user_groups (user_id, group_id) select users.id, groups.id from users, groups where groups.name = 'member'`.execute(db);
}
