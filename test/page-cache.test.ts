// Visitors' pages come from the page cache, and every write that changes
// what a page shows is on the very next visitor's load, across processes.
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { testConfig, useTestApp } from './support/app.js';
import { queryCount, withoutToken } from './support/browser-session.js';
import { comment, member, startDiscussion } from './support/forum.js';
import { redisServerInstalled, useRedisServer } from './support/redis-server.js';

const visit = (app: FastifyInstance, url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

describe('the page cache', () => {
  const t = useTestApp();

  it('serves a visitor the second time with no query, public for a proxy, with a validator and no cookie', async () => {
    const alice = await member(t().app);
    const postId = await startDiscussion(alice, { title: 'Cached once' });
    for (const url of ['/', '/new', `/discuss/${postId}/`, `/profile/${alice.username}/`]) {
      const first = await visit(t().app, url);
      const second = await visit(t().app, url);
      expect(first.statusCode).toBe(200);
      expect(queryCount(first)).toBeGreaterThan(0);
      // A profile reads whose name it is (one query) before the stamp; the rest are none.
      expect(queryCount(second)).toBe(url.startsWith('/profile/') ? 1 : 0);
      expect(second.body).toBe(first.body);
      expect(second.headers['cache-control']).toBe('public, max-age=0, s-maxage=300');
      expect(second.headers.etag).toMatch(/^W\/"[\w-]{22}"$/);
      expect(second.headers.etag).toBe(first.headers.etag);
      expect(String(second.headers.vary)).toMatch(/Accept-Encoding/);
      expect(String(second.headers.vary)).toMatch(/Cookie/);
      expect(second.headers['set-cookie']).toBeUndefined();
    }
  });

  it('answers 304 to a matching If-None-Match, and the page to a stale one', async () => {
    const first = await visit(t().app, '/');
    const etag = String(first.headers.etag);
    const revalidated = await visit(t().app, '/', { 'if-none-match': `"other", ${etag}` });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.body).toBe('');
    expect(revalidated.headers.etag).toBe(etag);
    expect((await visit(t().app, '/', { 'if-none-match': 'W/"stale"' })).statusCode).toBe(200);
  });

  it('keeps brotli and gzip forms of each page, each the same page', async () => {
    const plain = await visit(t().app, '/new');
    const br = await visit(t().app, '/new', { 'accept-encoding': 'gzip, deflate, br' });
    const gzip = await visit(t().app, '/new', { 'accept-encoding': 'gzip' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(plain.body);
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(plain.body);
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    expect((await visit(t().app, '/new', { 'accept-encoding': 'br;q=0, gzip' })).headers['content-encoding']).toBe('gzip');
  });

  it('shows each write on the very next visit: post, comment, vote, edit, delete, moderation, account deletion', async () => {
    const alice = await member(t().app);
    const bob = await member(t().app);
    const postId = await startDiscussion(alice, { title: 'Watched closely' });
    const page = `/discuss/${postId}/`;
    const profile = `/profile/${alice.username}/`;
    const warm = async () => {
      for (const url of ['/', '/new', page, profile]) await visit(t().app, url);
    };
    const shown = async (url: string) => (await visit(t().app, url)).body;

    await warm();
    const commentId = await comment(bob, postId, 'A first reply from bob');
    expect(await shown(page)).toContain('A first reply from bob');
    expect(await shown('/new')).toContain('1 comment');

    await warm();
    await bob.fetchJson(`/api/posts/${postId}/upvote`);
    expect(await shown('/new')).toMatch(/Watched closely[\s\S]*?1 point/);
    expect(await shown(profile)).toMatch(/Karma<\/dt><dd>1</);

    await warm();
    await alice.fetchJson(`/api/comments/${commentId}/upvote`);
    expect(await shown(page)).toMatch(/A first reply from bob[\s\S]*?1 point|1 point[\s\S]*?A first reply from bob/);

    await warm();
    await bob.get(`/comments/${commentId}/edit/`);
    await bob.post(`/comments/${commentId}/edit/`, { text: 'An edited reply' });
    expect(await shown(page)).toContain('An edited reply');
    expect(await shown(`/profile/${bob.username}/`)).toContain('An edited reply');

    await warm();
    await alice.get(`/discuss/${postId}/edit/`);
    await alice.post(`/discuss/${postId}/edit/`, { title: 'Renamed discussion', text: 'Some text' });
    expect(await shown('/')).toContain('Renamed discussion');
    expect(await shown(page)).toContain('Renamed discussion');

    await warm();
    await bob.get(`/comments/${commentId}/delete/`);
    await bob.post(`/comments/${commentId}/delete/`, {});
    expect(await shown(page)).not.toContain('An edited reply');
    expect(await shown('/new')).not.toMatch(/Renamed discussion[\s\S]*?1 comment/);


    await warm();
    const doomed = await member(t().app, 'doomed');
    await comment(doomed, postId, 'Soon anonymous');
    await warm();
    await t().services.accounts.deleteAccount((await t().services.accounts.requireByUsername(doomed.username)).id);
    const after = await shown(page);
    expect(after).toContain('Soon anonymous');
    expect(after).not.toContain(doomed.username);

    await warm();
    const moderator = await member(t().app);
    await t().db.kysely.updateTable('users').set({ is_superuser: 1 }).where('username', '=', moderator.username).execute();
    await t().services.moderation.act(await t().services.accounts.actor((await t().services.accounts.requireByUsername(moderator.username)).id), 'post', postId, 'lock', 'Cooling down');
    expect(await shown(page)).toContain('Locked by a moderator');
  });

  it('never serves a signed-in reader from the cache, nor a visitor with a session cookie publicly', async () => {
    const alice = await member(t().app);
    const postId = await startDiscussion(alice, { title: 'Mine to see' });
    await visit(t().app, `/discuss/${postId}/`);
    const own = await alice.get(`/discuss/${postId}/`);
    expect(queryCount(own)).toBeGreaterThan(0);
    expect(own.body).toContain(`/discuss/${postId}/edit/`);
    expect(own.headers['cache-control']).toBe('private, no-store');
    expect(own.headers.etag).toBeUndefined();

    const stale = await visit(t().app, `/discuss/${postId}/`, { cookie: 'sid=no-such-session' });
    expect(stale.headers['cache-control']).not.toMatch(/public/);
    expect(stale.body).not.toContain(`/discuss/${postId}/edit/`);
  });

  it('lays each reader’s own votes and controls over one shared comment tree', async () => {
    const [alice, bob, carol] = [await member(t().app), await member(t().app), await member(t().app)];
    const postId = await startDiscussion(alice, { title: 'One tree, many readers' });
    const bobs = await comment(bob, postId, 'Bob speaks');
    const carols = await comment(carol, postId, 'Carol answers');
    await alice.fetchJson(`/api/comments/${bobs}/upvote`);
    const page = `/discuss/${postId}/`;
    const controlsOf = (body: string, id: number) => body.slice(body.indexOf(`id="c${id}"`)).split('</details>')[0]!;
    const [forAlice, forBob, forCarol] = [await alice.get(page), await bob.get(page), await carol.get(page)];
    // Made once (the first reader), then only each reader's session and votes.
    expect(queryCount(forCarol)).toBe(2);
    expect(controlsOf(forAlice.body, bobs)).toContain('aria-label="Upvote" aria-pressed="true"');
    expect(controlsOf(forCarol.body, bobs)).toContain('aria-label="Upvote" aria-pressed="false"');
    expect(controlsOf(forBob.body, bobs)).toContain(`/comments/${bobs}/edit/`);
    expect(controlsOf(forBob.body, bobs)).not.toContain('aria-label="Upvote"');
    expect(controlsOf(forCarol.body, bobs)).not.toContain(`/comments/${bobs}/edit/`);
    expect(controlsOf(forCarol.body, carols)).toContain(`/comments/${carols}/edit/`);
    expect(forBob.body).toContain('Carol answers');
    // Sent in gzip parts (thread-body.ts), each reader's page is the same page.
    for (const reader of [alice, bob, carol]) {
      const whole = (await reader.get(page)).body;
      expect(withoutToken(gunzipSync((await reader.get(page, { 'accept-encoding': 'gzip' })).rawPayload).toString())).toBe(withoutToken(whole));
    }
    // A vote is a new version of the thread: the next reader sees the new score.
    await carol.fetchJson(`/api/comments/${bobs}/upvote`);
    expect(controlsOf((await bob.get(page)).body, bobs)).toContain('2 points');
  });

  it('keeps a reader’s compressed blocks only as long as their controls hold: the edit link goes when the window closes', async () => {
    const [alice, bob] = [await member(t().app), await member(t().app)];
    const postId = await startDiscussion(alice, { title: 'A window on the thread' });
    const bobs = await comment(bob, postId, 'Bob may edit this for a while');
    const page = `/discuss/${postId}/`;
    const gzipPage = async () => gunzipSync((await bob.get(page, { 'accept-encoding': 'gzip' })).rawPayload).toString();
    expect(await gzipPage()).toContain(`/comments/${bobs}/edit/`);
    expect(await gzipPage()).toContain(`/comments/${bobs}/edit/`);
    t().clock.advance(121 * 60_000);
    expect(await gzipPage()).not.toContain(`/comments/${bobs}/edit/`);
  });

  it('lets a page go after PAGE_CACHE_SECONDS', async () => {
    await visit(t().app, '/new');
    expect(queryCount(await visit(t().app, '/new'))).toBe(0);
    t().clock.advance(301_000);
    expect(queryCount(await visit(t().app, '/new'))).toBeGreaterThan(0);
  });
});

describe('PAGE_CACHE_SECONDS=0', () => {
  const t = useTestApp({ PAGE_CACHE_SECONDS: '0' });

  it('makes every page afresh, and says so to proxies', async () => {
    await visit(t().app, '/');
    const again = await visit(t().app, '/');
    expect(queryCount(again)).toBeGreaterThan(0);
    expect(again.headers['cache-control']).toBe('no-cache');
    expect(again.headers.etag).toBeUndefined();
  });

  it('gives visitors one page however its address is spelled: its login links lead to the page’s own address', async () => {
    // Each spelling used to be a kind of reader of its own, whose compressed blocks were kept until
    // the thread changed (thread-body.ts): one discussion's blocks made and kept several times over.
    const alice = await member(t().app);
    const postId = await startDiscussion(alice, { title: 'Spelled many ways' });
    await comment(alice, postId, 'A comment with controls a visitor sees');
    const canonical = `/login?next=${encodeURIComponent(`/discuss/${postId}/`)}`;
    for (const query of ['', '?page=1', '?sort=best', '?sort=best&page=1', '?page=1&sort=best']) {
      const response = await visit(t().app, `/discuss/${postId}/${query}`, { 'accept-encoding': 'gzip' });
      expect(response.headers['content-encoding'], query).toBe('gzip');
      const page = gunzipSync(response.rawPayload).toString();
      expect(page, query).toContain('A comment with controls a visitor sees');
      const logins = [...page.matchAll(/href="(\/login\?next=[^"]*)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
      expect(logins.length, query).toBeGreaterThan(1);
      expect(new Set(logins), query).toEqual(new Set([canonical]));
    }
    const later = await visit(t().app, `/discuss/${postId}/?page=2&sort=old`, { 'accept-encoding': 'gzip' });
    expect(gunzipSync(later.rawPayload).toString()).toContain(`/login?next=${encodeURIComponent(`/discuss/${postId}/?page=2&sort=old`)}`);
  });
});

describe.runIf(redisServerInstalled())('the page cache in Redis, shared by two app processes', () => {
  const redis = useRedisServer();
  const t = useTestApp();
  let apps: [FastifyInstance, FastifyInstance];

  beforeAll(async () => {
    const config = testConfig(t().database, { CACHE_URL: redis().url });
    apps = [await buildApp(config, { db: t().db, now: t().clock.now }), await buildApp(config, { db: t().db, now: t().clock.now })];
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  it('serves one process the page the other made, and drops it on a write made through either', async () => {
    const [one, other] = apps;
    const alice = await member(one);
    const postId = await startDiscussion(alice, { title: 'Across processes' });
    const page = `/discuss/${postId}/`;
    await visit(one, page);
    const fromOther = await visit(other, page);
    expect(queryCount(fromOther)).toBe(0);

    await comment(alice, postId, 'Written through the first');
    const seen = await visit(other, page);
    expect(queryCount(seen)).toBeGreaterThan(0);
    expect(seen.body).toContain('Written through the first');
    expect(queryCount(await visit(one, page))).toBe(0);
  });
});
