// Two people replying to the same comment at the same moment get different
// places in the tree, and concurrent votes leave exact counters — with one
// app process, and with two processes sharing one database (on SQLite, one file).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import { testConfig } from './support/app.js';
import { HttpClient, startServerProcess, type ServerProcess } from './support/server-process.js';
import { createTestDatabase, type TestDatabase } from './support/test-db.js';

async function expectConsistentThread(db: Db, postId: number, parentId: number, replies: number) {
  const rows = await db.kysely.selectFrom('comments').select(['path', 'parent_id']).where('post_id', '=', postId).execute();
  const paths = rows.map((r) => r.path);
  expect(new Set(paths).size).toBe(paths.length);
  expect(rows.filter((r) => r.parent_id === parentId)).toHaveLength(replies);
  const post = await db.kysely.selectFrom('posts').select('num_comments').where('id', '=', postId).executeTakeFirstOrThrow();
  expect(post.num_comments).toBe(rows.length);
  const parent = await db.kysely.selectFrom('comments').select(['child_count', 'path']).where('id', '=', parentId).executeTakeFirstOrThrow();
  expect(parent.child_count).toBe(replies);
  const childPaths = rows.filter((r) => r.parent_id === parentId).map((r) => r.path).sort();
  expect(childPaths).toEqual(Array.from({ length: replies }, (_, i) => `${parent.path}.${String(i + 1).padStart(4, '0')}`));
}

describe('two app processes sharing one database', () => {
  let database: TestDatabase;
  let servers: ServerProcess[] = [];
  let db: Db;

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = testConfig(database);
    const env = { DATABASE_URL: database.url, SECRET_KEY: config.secretKey, DATA_DIR: database.dir, DEBUG_QUERIES: 'false' };
    servers = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    db = database.open();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await db?.close();
    await database?.drop();
  });

  it('give concurrent replies distinct paths and keep counters exact', async () => {
    const [a, b] = servers.map((s) => s.origin) as [string, string];
    const author = new HttpClient();
    await author.signup(a, 'threadstarter');
    const created = await author.post(a, '/start-discussion/', { title: 'Race me', text: 'go' });
    const postId = Number(/\/discuss\/(\d+)\//.exec(created.headers.get('location')!)![1]);
    await author.get(a, `/discuss/${postId}/`);
    const parent = await author.post(a, `/discuss/${postId}/`, { text: 'reply to me, all at once' });
    const parentId = Number(/#c(\d+)/.exec(parent.headers.get('location')!)![1]);

    const people = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const client = new HttpClient();
        await client.signup(i % 2 ? a : b, `racer${i}`);
        return client;
      }),
    );
    const replies = await Promise.all(
      people.flatMap((client, i) =>
        [0, 1, 2].map((j) => client.post((i + j) % 2 ? a : b, `/comments/${parentId}/reply/`, { text: `reply ${i}.${j}` })),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 303));
    await expectConsistentThread(db, postId, parentId, people.length * 3);

    const votes = await Promise.all(
      people.flatMap((client, i) =>
        ['upvote', 'downvote', 'upvote', 'flag'].map((action, j) => client.post((i + j) % 2 ? a : b, `/api/posts/${postId}/${action}`, action === 'flag' ? { reason: 'spam' } : {})),
      ),
    );
    expect(votes.map((r) => r.status)).toEqual(votes.map(() => 303));
    const rows = await db.kysely.selectFrom('post_votes').selectAll().where('post_id', '=', postId).execute();
    const post = await db.kysely.selectFrom('posts').select(['upvotes', 'downvotes', 'flags']).where('id', '=', postId).executeTakeFirstOrThrow();
    expect(post).toEqual({
      upvotes: rows.filter((r) => r.direction === 1).length,
      downvotes: rows.filter((r) => r.direction === -1).length,
      flags: rows.filter((r) => r.flagged === 1).length,
    });
    expect(post.flags).toBe(people.length);
  });
});
