// `charcha seed --demo` makes a forum that reads like one, and a second run adds nothing.
import { describe, expect, it } from 'vitest';
import { buildServices } from '../src/services.js';
import { DEMO_PASSWORD, DEMO_THREAD_TITLE, seedDemo } from '../src/forum/demo.js';
import { useTestApp } from './support/app.js';

describe('demo data', () => {
  const t = useTestApp();
  const open = () => (now: () => number) => buildServices(t().db, t().config, now, t().app.log);
  const NOW = Date.UTC(2026, 10, 25, 12);

  it('seeds members, real-looking discussions with threads of several depths, and the long thread', async () => {
    const result = await seedDemo(open(), { posts: 12, threadComments: 60, now: NOW });
    expect(result.added).toBe(true);
    const { db } = t();

    const thread = await db.kysely.selectFrom('posts').selectAll().where('id', '=', result.longThreadId).executeTakeFirstOrThrow();
    expect(thread.title).toBe(DEMO_THREAD_TITLE);
    expect(thread.num_comments).toBe(60);

    const posts = await db.kysely.selectFrom('posts').select(['title', 'url', 'text', 'text_html', 'created_at']).where('id', '!=', result.longThreadId).execute();
    expect(posts).toHaveLength(12);
    // Titles are sentences, not word salad or numbered copies; links and Markdown texts both appear.
    expect(new Set(posts.map((p) => p.title)).size).toBe(12);
    for (const p of posts) {
      expect(p.title).toMatch(/^[A-Z]/);
      expect(p.title).not.toMatch(/\(\d+\)$/);
    }
    expect(posts.filter((p) => p.url).length).toBeGreaterThan(3);
    expect(posts.some((p) => /<(code|table|ul|blockquote)>/.test(p.text_html))).toBe(true);
    // Spread over time, none in the future.
    const times = posts.map((p) => p.created_at);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(12 * 3_600_000);
    expect(Math.max(...times)).toBeLessThanOrEqual(NOW);

    const depths = await db.kysely
      .selectFrom('comments')
      .select('depth')
      .distinct()
      .where('post_id', '!=', result.longThreadId)
      .execute();
    expect(depths.length).toBeGreaterThanOrEqual(2);

    expect(await t().services.accounts.authenticate(result.users[0]!, DEMO_PASSWORD)).toBeTruthy();
  });

  it('adds nothing on a second run and names the thread it made before', async () => {
    const count = async () => {
      const { db } = t();
      const [posts, comments, users] = await Promise.all([
        db.kysely.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
        db.kysely.selectFrom('comments').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
        db.kysely.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return [Number(posts.n), Number(comments.n), Number(users.n)];
    };
    const before = await count();
    const first = await t().db.kysely.selectFrom('posts').select('id').where('title', '=', DEMO_THREAD_TITLE).executeTakeFirstOrThrow();
    const again = await seedDemo(open(), { posts: 12, threadComments: 60, now: NOW + 3_600_000 });
    expect(again).toMatchObject({ added: false, longThreadId: first.id });
    expect(await count()).toEqual(before);
  });
});
