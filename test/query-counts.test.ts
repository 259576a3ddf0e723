// A page costs a fixed number of queries, whatever the thread's size.
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAST_SEEN_RESOLUTION_MS } from '../src/accounts/sessions.js';
import { useTestApp } from './support/app.js';
import { queryCount, withoutToken } from './support/browser-session.js';
import { member } from './support/forum.js';
import { family } from '../src/cache/changes.js';

const PAGE_BUDGET = 5;
const SESSION_LOOKUP = 1;

describe('queries per page', () => {
  const t = useTestApp();
  let smallThread = 0;
  let bigThread = 0;

  beforeAll(async () => {
    const { services } = t();
    const users = await Promise.all(['reader_a', 'reader_b', 'reader_c'].map((name) => services.accounts.signup({ username: name, password: 'a-long-enough-secret' })));
    const thread = async (title: string, size: number) => {
      const created = await services.posts.create(await services.accounts.actor(users[0]!.id), { title, text: 'x' });
      if (!created.created) throw new Error('not created');
      const ids: number[] = [];
      for (let i = 0; i < size; i++) {
        const parentId = i % 3 === 0 ? undefined : ids[Math.floor(ids.length / 2)];
        const { comment } = await services.comments.add({ postId: created.post.id, parentId, author: await services.accounts.actor(users[i % 3]!.id), text: `comment ${i}` });
        ids.push(comment.id);
        if (i % 4 === 0 && comment.author_id !== users[1]!.id) await services.votes.apply('comment', comment.id, await services.accounts.actor(users[1]!.id), 'upvote');
      }
      return created.post.id;
    };
    smallThread = await thread('Small', 10);
    bigThread = await thread('Big', 1000);
  }, 120_000);

  it(`stay within ${PAGE_BUDGET} for a visitor, on a 10- and a 1,000-comment thread alike`, async () => {
    const count = async (url: string) => {
      const response = await t().app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      return queryCount(response);
    };
    const front = await count('/');
    expect(front).toBeLessThanOrEqual(PAGE_BUDGET);
    const small = await count(`/discuss/${smallThread}/`);
    const big = await count(`/discuss/${bigThread}/`);
    expect(big).toBeLessThanOrEqual(PAGE_BUDGET);
    expect(big).toBe(small);
    expect(await count(`/discuss/${bigThread}/?sort=old&page=2`)).toBe(big);
  });

  it('send a 1,000-comment page in under 60 KB, from the cache to a visitor and made afresh for a member', async () => {
    const reader = await member(t().app);
    for (const encoding of ['br', 'gzip']) {
      const headers = { 'accept-encoding': encoding };
      const visitor = await t().app.inject({ method: 'GET', url: `/discuss/${bigThread}/`, headers });
      const signedIn = await reader.get(`/discuss/${bigThread}/`, headers);
      for (const response of [visitor, signedIn]) {
        expect(response.headers['content-encoding']).toBe(encoding);
        expect(response.rawPayload.length).toBeLessThan(60 * 1024);
      }
    }
  });

  it('send a member the same 1,000-comment page in gzip parts as in one piece, their votes and own comments in place', async () => {
    const { services, db } = t();
    const reader = await member(t().app);
    const readerId = (await services.accounts.requireByUsername(reader.username)).id;
    const onPage = await db.kysely.selectFrom('comments').select('id').where('post_id', '=', bigThread).orderBy('id').limit(300).execute();
    for (const { id } of [onPage[5]!, onPage[150]!, onPage[290]!]) await reader.fetchJson(`/api/comments/${id}/upvote`);
    await services.comments.add({ postId: bigThread, author: await services.accounts.actor(readerId), text: 'My own words in a long thread' });
    for (const sort of ['', '?sort=old']) {
      const whole = await reader.get(`/discuss/${bigThread}/${sort}`);
      const parts = await reader.get(`/discuss/${bigThread}/${sort}`, { 'accept-encoding': 'gzip' });
      expect(parts.headers['content-encoding']).toBe('gzip');
      expect(withoutToken(gunzipSync(parts.rawPayload).toString())).toBe(withoutToken(whole.body));
      expect(whole.body.match(/aria-label="Upvote" aria-pressed="true"/g)?.length).toBeGreaterThanOrEqual(sort ? 1 : 3);
    }
  });

  it('find the page of a comment behind a permalink in 2 queries, on a 10- and a 1,000-comment thread alike', async () => {
    const { db } = t();
    const lastOf = async (postId: number) =>
      (await db.kysely.selectFrom('comments').select('id').where('post_id', '=', postId).orderBy('id', 'desc').executeTakeFirstOrThrow()).id;
    const count = async (id: number) => {
      const response = await t().app.inject({ method: 'GET', url: `/comments/${id}/` });
      expect(response.statusCode).toBe(302);
      return queryCount(response);
    };
    const big = await count(await lastOf(bigThread));
    expect(big).toBe(2); // the comment, then the thread's ordering columns
    expect(await count(await lastOf(smallThread))).toBe(big);
  });

  it(`add only the session lookup for a signed-in reader, and write "last seen" at most once a minute`, async () => {
    const reader = await member(t().app);
    const services = () => t().services;
    await reader.fetchJson(`/api/posts/${bigThread}/upvote`);
    const front = await reader.get('/');
    expect(queryCount(front)).toBeLessThanOrEqual(PAGE_BUDGET + SESSION_LOOKUP);
    // The first reader after a change makes the thread's shared page; the next ones only read their own votes.
    t().clock.advance(1);
    await services().changes.announce(family.post(smallThread), family.post(bigThread));
    const made = queryCount(await reader.get(`/discuss/${bigThread}/`));
    expect(made).toBeLessThanOrEqual(PAGE_BUDGET + SESSION_LOOKUP);
    const small = queryCount(await reader.get(`/discuss/${smallThread}/`));
    expect(small).toBe(made);
    const big = await reader.get(`/discuss/${bigThread}/`);
    expect(big.body).toContain('aria-label="Upvote" aria-pressed="true"');
    expect(queryCount(big)).toBe(SESSION_LOOKUP + 1);

    t().clock.advance(LAST_SEEN_RESOLUTION_MS + 1);
    expect(queryCount(await reader.get(`/discuss/${bigThread}/`))).toBe(queryCount(big) + 1);
    expect(queryCount(await reader.get(`/discuss/${bigThread}/`))).toBe(queryCount(big));
  });

  it('keep the admin screens at a fixed count, however many users and grants there are', async () => {
    const root = await member(t().app, 'root');
    const { services } = t();
    await services.admin.makeSuperuser((await services.accounts.requireByUsername(root.username)).id);
    const rootId = (await services.accounts.requireByUsername(root.username)).id;
    // The session lookup, then each page's own: five series; users with their groups; user, groups, direct grants, all groups; three matrix reads; five holder reads.
    const budgets: [string, number][] = [
      ['/admin/', 5],
      ['/admin/users/?q=e', 1],
      [`/admin/users/${rootId}/`, 4],
      ['/admin/groups/', 3],
      ['/admin/permissions/', 5],
    ];
    const counts = async () => Promise.all(budgets.map(async ([url]) => queryCount(await root.get(url))));
    const before = await counts();
    expect(before).toEqual(budgets.map(([, own]) => own + SESSION_LOOKUP));
    for (let i = 0; i < 10; i++) {
      const user = await services.accounts.signup({ username: `extra${i}`, password: 'a-long-enough-secret' });
      await services.admin.grant(user.username, i % 2 ? 'moderator' : 'admin');
    }
    expect(await counts()).toEqual(before);
  });
});
