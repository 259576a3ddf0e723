// Roles and permissions as people meet them: permissions through groups and
// direct grants (read on every request), superusers, the author's edit
// window, karma privileges, and the private-forum rule.
import { describe, expect, it } from 'vitest';
import type { Permission } from '../src/access/permissions.js';
import type { Db } from '../src/db/database.js';
import { useTestApp, type TestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { comment, member, startDiscussion } from './support/forum.js';

async function userId(db: Db, username: string): Promise<number> {
  return (await db.kysely.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;
}

async function leaveGroup(t: TestApp, username: string, group: string): Promise<void> {
  const { id } = await t.db.kysely.selectFrom('groups').select('id').where('name', '=', group).executeTakeFirstOrThrow();
  await t.db.kysely.deleteFrom('user_groups').where('group_id', '=', id).where('user_id', '=', await userId(t.db, username)).execute();
}

async function grantDirectly(t: TestApp, username: string, codename: Permission): Promise<void> {
  const { id } = await t.db.kysely.selectFrom('permissions').select('id').where('codename', '=', codename).executeTakeFirstOrThrow();
  await t.db.kysely.insertInto('user_permissions').values({ user_id: await userId(t.db, username), permission_id: id }).execute();
}

describe('permissions', () => {
  const t = useTestApp();

  it('come from groups and direct grants, and a change holds from the next request', async () => {
    const ana = await member(t().app, 'ana');
    expect((await ana.get('/start-discussion/')).statusCode).toBe(200);

    await leaveGroup(t(), ana.username, 'member');
    const refused = await ana.get('/start-discussion/');
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('You do not have permission to do that.');
    expect((await ana.get('/')).body).not.toContain('aria-label="Upvote"');

    await grantDirectly(t(), ana.username, 'forum.add_post');
    expect((await ana.get('/start-discussion/')).statusCode).toBe(200);
    // Only what was granted: commenting still needs forum.add_comment.
    const postId = await startDiscussion(ana);
    expect((await ana.post(`/discuss/${postId}/`, { text: 'hello' })).statusCode).toBe(403);
  });

  it('are all held by a superuser, without any group', async () => {
    const author = await member(t().app, 'author');
    const postId = await startDiscussion(author);
    const commentId = await comment(author, postId, 'Original words');
    const root = await member(t().app, 'root');
    await leaveGroup(t(), root.username, 'member');
    expect((await root.get(`/comments/${commentId}/edit/`)).statusCode).toBe(403);
    await t().db.kysely.updateTable('users').set({ is_superuser: 1 }).where('username', '=', root.username).execute();
    expect((await root.post(`/comments/${commentId}/edit/`, { text: 'Edited by the superuser' })).statusCode).toBe(303);
    expect((await t().services.comments.require(commentId)).text).toBe('Edited by the superuser');
  });

  it('cost no query of their own: they come with the session lookup', async () => {
    const ana = await member(t().app, 'counted');
    const before = (await ana.get('/')).headers['server-timing'];
    await grantDirectly(t(), ana.username, 'forum.view_flags');
    expect((await ana.get('/')).headers['server-timing']).toMatch(/desc="(\d+) queries"/);
    expect(String((await ana.get('/')).headers['server-timing']).match(/(\d+) queries/)?.[1]).toBe(String(before).match(/(\d+) queries/)?.[1]);
  });
});

describe('the edit window', () => {
  const t = useTestApp({ EDIT_WINDOW_MINUTES: '30' });

  it('lets authors edit until it closes; moderators edit any time; authors may always delete', async () => {
    const author = await member(t().app, 'writer');
    const postId = await startDiscussion(author);
    const commentId = await comment(author, postId, 'First words');
    t().clock.advance(29 * 60_000);
    expect((await author.get(`/discuss/${postId}/`)).body).toContain(`href="/comments/${commentId}/edit/"`);
    expect((await author.post(`/comments/${commentId}/edit/`, { text: 'Second words' })).statusCode).toBe(303);

    t().clock.advance(2 * 60_000);
    const page = (await author.get(`/discuss/${postId}/`)).body;
    expect(page).not.toContain(`href="/comments/${commentId}/edit/"`);
    expect(page).not.toContain(`href="/discuss/${postId}/edit/"`);
    expect(page).toContain(`href="/comments/${commentId}/delete/"`);
    const late = await author.post(`/comments/${commentId}/edit/`, { text: 'Third words' });
    expect(late.statusCode).toBe(403);
    expect(late.body).toContain('The time for editing this has passed.');
    expect((await author.post(`/discuss/${postId}/edit/`, { title: 'Late', text: 'late' })).statusCode).toBe(403);
    expect((await t().services.comments.require(commentId)).text).toBe('Second words');

    const moderator = await member(t().app, 'mod');
    const { id: group } = await t().db.kysely.selectFrom('groups').select('id').where('name', '=', 'moderator').executeTakeFirstOrThrow();
    await t().db.kysely.insertInto('user_groups').values({ user_id: await userId(t().db, moderator.username), group_id: group }).execute();
    expect((await moderator.post(`/comments/${commentId}/edit/`, { text: 'Edited by a moderator' })).statusCode).toBe(303);

    expect((await author.post(`/comments/${commentId}/delete/`, {})).statusCode).toBe(303);
    expect((await t().services.comments.require(commentId)).deleted_at).not.toBeNull();
  });
});

describe('karma privileges', () => {
  const t = useTestApp({ KARMA_TO_DOWNVOTE: '2', KARMA_TO_FLAG: '3' });

  it('open downvoting and flagging as karma grows, read afresh on each request', async () => {
    const author = await member(t().app, 'poster');
    const postId = await startDiscussion(author);
    const reader = await member(t().app, 'reader');
    const page = (await reader.get(`/discuss/${postId}/`)).body;
    expect(page).toContain('aria-label="Upvote"');
    expect(page).not.toContain('aria-label="Downvote"');
    expect(page).not.toContain(`href="/discuss/${postId}/flag/"`);
    expect((await reader.fetchJson(`/api/posts/${postId}/downvote`)).statusCode).toBe(403);
    expect((await reader.fetchJson(`/api/posts/${postId}/flag`, {}, { reason: 'spam' })).statusCode).toBe(403);
    expect((await reader.fetchJson(`/api/posts/${postId}/upvote`)).statusCode).toBe(200);

    await t().db.kysely.updateTable('users').set({ score: 2 }).where('username', '=', reader.username).execute();
    expect((await reader.get(`/discuss/${postId}/`)).body).toContain('aria-label="Downvote"');
    expect(JSON.parse((await reader.fetchJson(`/api/posts/${postId}/downvote`)).body)).toMatchObject({ myVote: 'down' });
    expect((await reader.fetchJson(`/api/posts/${postId}/flag`, {}, { reason: 'spam' })).statusCode).toBe(403);

    await t().db.kysely.updateTable('users').set({ score: 3 }).where('username', '=', reader.username).execute();
    expect((await reader.get(`/discuss/${postId}/`)).body).toContain(`href="/discuss/${postId}/flag/"`);
    expect((await reader.fetchJson(`/api/posts/${postId}/flag`, {}, { reason: 'spam' })).statusCode).toBe(200);
    // Losing the karma later still lets them take back what they gave.
    await t().db.kysely.updateTable('users').set({ score: 0 }).where('username', '=', reader.username).execute();
    expect((await reader.fetchJson(`/api/posts/${postId}/unflag`)).statusCode).toBe(200);
    expect((await reader.fetchJson(`/api/posts/${postId}/unvote`)).statusCode).toBe(200);
  });
});

describe('FORUM_PRIVATE', () => {
  const t = useTestApp({ FORUM_PRIVATE: 'true' });

  it('closes every page but the way in to those without forum.view_post', async () => {
    const author = await member(t().app, 'insider');
    const postId = await startDiscussion(author);
    const visitor = new BrowserSession(t().app);
    const stylesheet = /href="(\/static\/[^"]+\.css)"/.exec((await visitor.get('/login')).body)?.[1];
    for (const open of ['/login', '/signup', '/favicon.ico', '/robots.txt', stylesheet!]) expect((await visitor.get(open)).statusCode, open).toBe(200);
    for (const closed of ['/', '/new', `/discuss/${postId}/`, `/embed/discuss/${postId}/`, `/profile/${author.username}/`]) {
      const response = await visitor.get(closed);
      expect(response.statusCode, closed).toBe(303);
      expect(response.headers.location).toBe(`/login?next=${encodeURIComponent(closed)}`);
    }
    expect((await author.get(`/discuss/${postId}/`)).statusCode).toBe(200);
    await leaveGroup(t(), author.username, 'member');
    expect((await author.get('/')).statusCode).toBe(403);
  });
});

describe('a visitor sent to log in from a form', () => {
  const t = useTestApp({ BASE_URL: 'https://forum.example.com' });

  it('comes back to the page the form was on, judged against BASE_URL (not the Host header)', async () => {
    const response = await t().app.inject({
      method: 'POST',
      url: '/start-discussion/',
      headers: { host: 'internal:3000', origin: 'https://forum.example.com', referer: 'https://forum.example.com/new?page=2', accept: 'text/html' },
      payload: {},
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/login?next=${encodeURIComponent('/new?page=2')}`);
  });
});

describe('new accounts', () => {
  const t = useTestApp({ NEW_ACCOUNT_DAYS: '3' });

  it(`are marked beside their name for NEW_ACCOUNT_DAYS, then no more`, async () => {
    const author = await member(t().app, 'newbie');
    const postId = await startDiscussion(author);
    await comment(author, postId, 'My first words here');
    const marks = async (url: string) => ((await new BrowserSession(t().app).get(url)).body.match(/class="new-account"/g) ?? []).length;
    expect(await marks('/')).toBe(1);
    expect(await marks(`/discuss/${postId}/`)).toBe(2);
    expect(await marks(`/profile/${author.username}/`)).toBe(1);
    t().clock.advance(3 * 24 * 3_600_000 - 60_000);
    expect(await marks(`/discuss/${postId}/`)).toBe(2);
    t().clock.advance(60_000);
    // A visitor's cached page may keep the mark for its PAGE_CACHE_SECONDS; a member's page is made afresh.
    const reader = await member(t().app);
    expect(((await reader.get(`/discuss/${postId}/`)).body.match(/class="new-account"/g) ?? []).length).toBe(0);
    t().clock.advance(300_000);
    expect(await marks('/')).toBe(0);
    expect(await marks(`/discuss/${postId}/`)).toBe(0);
    expect(await marks(`/profile/${author.username}/`)).toBe(0);
  });
});
