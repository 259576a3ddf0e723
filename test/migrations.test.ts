// Several app processes started at once on a new database (a deploy, a
// Procfile scaled to two) must all come up: the migrations run once, under a
// lock, and the others find them applied. Each Db here is its own connection,
// as each process would have.
import { Migrator, sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import { migrateToLatest, migrations } from '../src/db/migrate.js';
import { bestOrderOf } from './support/forum.js';
import { createTestDatabase } from './support/test-db.js';

/** Brings a new database to the schema as it was before migration `name`. */
async function migrateBefore(db: Db, name: string): Promise<void> {
  const before = Object.keys(migrations).filter((m) => m < name);
  const provider = { getMigrations: async () => Object.fromEntries(before.map((m) => [m, { up: (k: Kysely<unknown>) => migrations[m]!.up(k, db.dialect) }])) };
  expect((await new Migrator({ db: db.kysely, provider }).migrateToLatest()).error).toBeUndefined();
}

describe('migrations', () => {
  it('run once when three app processes start on a new database at the same moment', async () => {
    for (let round = 0; round < 3; round++) {
      const database = await createTestDatabase({ migrate: false });
      const dbs = [database.open(), database.open(), database.open()];
      try {
        const results = await Promise.all(dbs.map((db) => migrateToLatest(db)));
        const applied = results.map((r) => (r.results ?? []).map((m) => m.migrationName));
        expect(applied.flat()).toEqual(Object.keys(migrations));
        const tables = await dbs[0]!.kysely.introspection.getTables();
        expect(tables.map((t) => t.name)).toContain('users');
      } finally {
        await Promise.all(dbs.map((db) => db.close()));
        await database.drop();
      }
    }
  });

  it('004 makes passwords optional without losing a row anywhere (SQLite rebuilds users with foreign keys off)', async () => {
    const database = await createTestDatabase({ migrate: false });
    const db = database.open();
    try {
      // The forum as it was before 004, with an account that has a session, a group, a post and a comment.
      await migrateBefore(db, '004');
      const k = db.kysely;
      const user = await k.insertInto('users').values({ username: 'old', username_key: 'old', email: null, password_hash: 'h', created_at: 1 }).returning('id').executeTakeFirstOrThrow();
      await sql`insert into user_groups (user_id, group_id) select ${user.id}, id from groups where name = 'member'`.execute(k);
      // In SQL: the table has not its later columns yet (005's authenticated_at), which the typed schema requires.
      await sql`insert into sessions (id, user_id, csrf_token, created_at, last_seen_at, user_agent, ip) values ('s', ${user.id}, 't', 1, 1, '', '')`.execute(k);
      const post = await k.insertInto('posts').values({ author_id: user.id, title: 't', url: null, url_key: null, domain: null, text: '', text_html: '', created_at: 1, edited_at: null, deleted_at: null, hotness: 0, hidden_at: null, locked_at: null, pinned_at: null }).returning('id').executeTakeFirstOrThrow();
      await k.insertInto('comments').values({ post_id: post.id, author_id: user.id, parent_id: null, path: '.0001', depth: 0, text: 'c', text_html: 'c', created_at: 1, edited_at: null, deleted_at: null, hidden_at: null }).execute();
      // A deleted account's id is never handed out again.
      const gone = await k.insertInto('users').values({ username: 'gone', username_key: 'gone', email: null, password_hash: 'h', created_at: 1 }).returning('id').executeTakeFirstOrThrow();
      await k.deleteFrom('users').where('id', '=', gone.id).execute();

      await migrateToLatest(db);

      const count = async (table: 'sessions' | 'user_groups' | 'posts' | 'comments') => Number((await k.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      expect([await count('sessions'), await count('user_groups'), await count('posts'), await count('comments')]).toEqual([1, 1, 1, 1]);
      const fresh = await k.insertInto('users').values({ username: 'new', username_key: 'new', email: null, password_hash: null, created_at: 2 }).returning('id').executeTakeFirstOrThrow();
      expect(fresh.id).toBeGreaterThan(gone.id);
      // Constraints still hold: unique names, foreign keys (enforced again after the migration).
      await expect(k.insertInto('users').values({ username: 'OLD', username_key: 'old', email: null, password_hash: null, created_at: 3 }).execute()).rejects.toThrow();
      await expect(k.insertInto('sessions').values({ id: 'x', user_id: 9999, csrf_token: 't', created_at: 1, last_seen_at: 1, user_agent: '', ip: '', authenticated_at: 1 }).execute()).rejects.toThrow();
      await k.deleteFrom('users').where('id', '=', fresh.id).execute();
    } finally {
      await db.close();
      await database.drop();
    }
  });

  it('012 gives existing comments their stored "best" order, replies under their parents', async () => {
    const database = await createTestDatabase({ migrate: false });
    const db = database.open();
    try {
      await migrateBefore(db, '012');
      const k = db.kysely;
      const user = await k.insertInto('users').values({ username: 'old', username_key: 'old', email: null, password_hash: 'h', created_at: 1 }).returning('id').executeTakeFirstOrThrow();
      const post = await k.insertInto('posts').values({ author_id: user.id, title: 't', url: null, url_key: null, domain: null, text: '', text_html: '', created_at: 1, edited_at: null, deleted_at: null, hotness: 0, hidden_at: null, locked_at: null, pinned_at: null }).returning('id').executeTakeFirstOrThrow();
      // [path, parent's path, up, down], inserted out of path order.
      const tree: [string, string | null, number, number][] = [
        ['.0002', null, 3, 0],
        ['.0001', null, 0, 0],
        ['.0001.0002', '.0001', 5, 1],
        ['.0001.0001', '.0001', 1, 0],
        ['.0002.0001', '.0002', 0, 2],
        ['.0001.0002.0001', '.0001.0002', 2, 0],
        ['.0003', null, 3, 0],
      ];
      const ids = new Map<string, number>();
      for (const [path, parent, upvotes, downvotes] of tree) {
        const parentId = parent === null ? null : ids.get(parent)!;
        const { rows } = await sql<{ id: number }>`insert into comments (post_id, author_id, parent_id, path, depth, text, text_html, upvotes, downvotes, created_at)
          values (${post.id}, ${user.id}, ${parentId}, ${path}, ${path.split('.').length - 1}, 'c', 'c', ${upvotes}, ${downvotes}, 1) returning id`.execute(k);
        ids.set(path, rows[0]!.id);
      }

      await migrateToLatest(db);

      const rows = await k.selectFrom('comments').select(['id', 'parent_id', 'path', 'upvotes', 'downvotes']).orderBy('best_path').execute();
      expect(rows.map((r) => r.id)).toEqual(bestOrderOf(rows));
      expect(rows.map((r) => r.path)).toEqual(['.0002', '.0002.0001', '.0003', '.0001', '.0001.0002', '.0001.0002.0001', '.0001.0001']);
    } finally {
      await db.close();
      await database.drop();
    }
  });
});
