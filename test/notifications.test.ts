// In-app notifications: a reply to your post or comment, an @mention; the
// unread count in the header comes with the session (no query of its own).
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { queryCount } from './support/browser-session.js';
import { comment, member, startDiscussion } from './support/forum.js';

describe('notifications', () => {
  const t = useTestApp();
  const unreadOf = async (name: string) =>
    (await t().db.kysely.selectFrom('users').select('unread_notifications').where('username', '=', name).executeTakeFirstOrThrow()).unread_notifications;
  const listOf = async (browser: Awaited<ReturnType<typeof member>>) => (await browser.get('/notifications/')).body;

  it('tell a post’s author of a reply, a comment’s author of an answer, and nobody of their own words', async () => {
    const [alice, bob, carol] = [await member(t().app), await member(t().app), await member(t().app)];
    const postId = await startDiscussion(alice, { title: 'Tell me things' });
    const bobs = await comment(bob, postId, 'Here is a thing');
    await comment(carol, postId, 'Another thing, for bob', bobs);
    await comment(alice, postId, 'My own reply to my own post');

    expect(await unreadOf(alice.username)).toBe(1);
    expect(await unreadOf(bob.username)).toBe(1);
    expect(await unreadOf(carol.username)).toBe(0);
    const alices = await listOf(alice);
    expect(alices).toContain(`${bob.username}</a> replied to your discussion <a href="/comments/${bobs}/">Tell me things</a>`);
    expect(alices).not.toContain('My own reply');
    expect(await listOf(bob)).toContain(`${carol.username}</a> replied to your comment in`);
    expect(await listOf(carol)).toContain('Nothing yet');
  });

  it('tell whoever an @mention names, once, with a link to their profile in the text', async () => {
    const [alice, bob, carol] = [await member(t().app), await member(t().app), await member(t().app)];
    const postId = await startDiscussion(alice);
    const text = `Thanks @${bob.username} and @${alice.username}, and @${carol.username} twice: @${carol.username}; not \`@${carol.username}\`, nor @nobody_here nor @${bob.username.slice(0, 2)}`;
    await comment(carol, postId, text);
    expect(await unreadOf(bob.username)).toBe(1);
    // Alice is answered and mentioned: one notification, the reply.
    expect(await unreadOf(alice.username)).toBe(1);
    expect(await unreadOf(carol.username)).toBe(0);
    expect(await listOf(bob)).toContain('mentioned you in');
    expect(await listOf(alice)).toContain('replied to your discussion');
    const page = (await bob.get(`/discuss/${postId}/`)).body;
    expect(page).toContain(`<a href="/profile/${bob.username}/" rel="nofollow ugc noopener">@${bob.username}</a>`);
    expect(page).toContain(`<code>@${carol.username}</code>`);
    // No account, no link: a link to a profile that is not there would be a 404.
    expect(page).toContain(', nor @nobody_here nor');
    expect(page).not.toContain('/profile/nobody_here/');
  });

  it('link an @mention only to an account that exists, in posts and edits too, and again after a rerender once it does', async () => {
    const [alice, bob] = [await member(t().app), await member(t().app)];
    const postId = await startDiscussion(alice, { title: 'Who is here', text: `Ask @${bob.username} or @later_comer` });
    const link = (name: string) => `<a href="/profile/${name}/" rel="nofollow ugc noopener">@${name}</a>`;
    let page = (await alice.get(`/discuss/${postId}/`)).body;
    expect(page).toContain(link(bob.username));
    expect(page).toContain('or @later_comer</p>');

    const commentId = await comment(alice, postId, 'Nobody mentioned yet');
    await alice.get(`/comments/${commentId}/edit/`);
    expect((await alice.post(`/comments/${commentId}/edit/`, { text: `Now @${bob.username.toUpperCase()} and @later_comer` })).statusCode).toBe(303);
    page = (await alice.get(`/discuss/${postId}/`)).body;
    expect(page).toContain(`<a href="/profile/${bob.username.toUpperCase()}/" rel="nofollow ugc noopener">@${bob.username.toUpperCase()}</a>`);
    expect(page).toContain('and @later_comer</p>');

    // The account is made later: `charcha rerender` links what was written before.
    await t().services.accounts.signup({ username: 'later_comer', password: 'a-long-enough-secret' });
    const { rerenderAll } = await import('../src/forum/rerender.js');
    expect(await rerenderAll(t().db)).toMatchObject({ posts: { changed: 1 }, comments: { changed: 1 } });
    await t().services.changes.announceAll(); // as the command does
    page = (await alice.get(`/discuss/${postId}/`)).body;
    expect(page).toContain(`or ${link('later_comer')}</p>`);
    expect(page).toContain(`and ${link('later_comer')}</p>`);
  });

  it('show the unread count in the header without a query of its own, and mark one or all read', async () => {
    const [alice, bob] = [await member(t().app), await member(t().app)];
    const postId = await startDiscussion(alice);
    const quiet = queryCount(await alice.get('/notifications/'));
    for (const words of ['one', 'two', 'three']) await comment(bob, postId, `Reply ${words}`);
    const list = await alice.get('/notifications/');
    expect(list.body).toContain('class="inbox unread">inbox (3 new)</a>');
    expect(queryCount(list)).toBe(quiet);
    const ids = [...list.body.matchAll(/action="\/notifications\/(\d+)\/read"/g)].map((m) => Number(m[1]));
    expect(ids).toHaveLength(3);

    // Another person cannot mark Alice's.
    await bob.get('/notifications/');
    expect((await bob.post(`/notifications/${ids[0]}/read`, {})).statusCode).toBe(303);
    expect(await unreadOf(alice.username)).toBe(3);

    await alice.post(`/notifications/${ids[0]}/read`, {});
    await alice.post(`/notifications/${ids[0]}/read`, {});
    expect(await unreadOf(alice.username)).toBe(2);
    expect((await alice.get('/')).body).toContain('inbox (2 new)');
    await alice.get('/notifications/');
    await alice.post('/notifications/read-all', {});
    expect(await unreadOf(alice.username)).toBe(0);
    const after = (await alice.get('/notifications/')).body;
    expect(after).toContain('>inbox</a>');
    expect(after).not.toContain('Mark all');
  });

  it('keep deleted and hidden words out of the list, and page it newest first', async () => {
    const [alice, bob] = [await member(t().app), await member(t().app)];
    const postId = await startDiscussion(alice);
    const first = await comment(bob, postId, 'Soon deleted words');
    await bob.get(`/comments/${first}/delete/`);
    await bob.post(`/comments/${first}/delete/`, {});
    for (let i = 1; i <= 30; i++) await comment(bob, postId, `Reply number ${i}`);
    const pageOne = (await alice.get('/notifications/')).body;
    expect(pageOne.indexOf('Reply number 30')).toBeLessThan(pageOne.indexOf('Reply number 29'));
    expect(pageOne).not.toContain('Soon deleted');
    const pageTwo = (await alice.get('/notifications/?page=2')).body;
    expect(pageTwo).toContain('[deleted]');
    expect(pageTwo).not.toContain('Soon deleted words');
  });
});
