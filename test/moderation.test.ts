// Moderation: flags with reasons, the threshold that holds items back, the
// queue, hide/restore, lock, pin, moderators' deletes, bans ending sessions
// at once, the public log, and who may reach each moderation route.
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { comment, member, startDiscussion } from './support/forum.js';
import { moderator } from './support/moderation.js';

const THRESHOLD = 3;

describe('moderation', () => {
  const t = useTestApp({ FLAG_HIDE_THRESHOLD: String(THRESHOLD) });
  const idOf = async (username: string) => (await t().services.accounts.requireByUsername(username)).id;
  const logRows = () => t().db.kysely.selectFrom('moderation_log').selectAll().orderBy('id').execute();
  const flagPost = async (postId: number, reason = 'spam') => {
    const flagger = await member(t().app, 'flagger');
    await flagger.get(`/discuss/${postId}/flag/`);
    const response = await flagger.post(`/api/posts/${postId}/flag`, { reason, next: '/' });
    expect(response.statusCode).toBe(303);
    return flagger;
  };

  it('takes a flag only with a reason, from the "Why flag this?" page, and stores it; unflag clears it', async () => {
    const author = await member(t().app, 'author');
    const postId = await startDiscussion(author, { title: 'Flag me' });
    const reader = await member(t().app);
    const thread = await reader.get(`/discuss/${postId}/`);
    expect(thread.body).toContain(`<a href="/discuss/${postId}/flag/">flag</a>`);
    const form = await reader.get(`/discuss/${postId}/flag/`, { referer: `http://localhost/discuss/${postId}/` });
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Why flag this?');
    expect(form.body).toContain(`name="next" value="/discuss/${postId}/#p${postId}"`);

    const bare = await reader.post(`/api/posts/${postId}/flag`, { next: `/discuss/${postId}/` });
    expect(bare.statusCode).toBe(400);
    expect(bare.body).toContain('Say why you flag this.');
    expect((await reader.fetchJson(`/api/posts/${postId}/flag`)).statusCode).toBe(400);
    // A forged `next` does not become the page's Cancel link.
    const forged = await reader.post(`/api/posts/${postId}/flag`, { next: 'javascript:alert(1)' });
    expect(forged.statusCode).toBe(400);
    expect(forged.body).not.toContain('javascript:');
    expect((await reader.post(`/api/posts/${postId}/flag`, { reason: 'boring' })).statusCode).toBe(400);

    const flagged = await reader.post(`/api/posts/${postId}/flag`, { reason: 'off-topic', next: `/discuss/${postId}/#p${postId}` });
    expect(flagged.statusCode).toBe(303);
    expect(flagged.headers.location).toBe(`/discuss/${postId}/#p${postId}`);
    const vote = () => t().db.kysely.selectFrom('post_votes').select(['flagged', 'flag_reason']).where('post_id', '=', postId).executeTakeFirst();
    expect(await vote()).toEqual({ flagged: 1, flag_reason: 'off-topic' });
    // Flagging again changes the reason, not the count.
    await reader.post(`/api/posts/${postId}/flag`, { reason: 'abusive', next: '/' });
    expect(await vote()).toEqual({ flagged: 1, flag_reason: 'abusive' });
    expect((await t().services.posts.require(postId)).flags).toBe(1);
    // An upvote beside the flag keeps the reason; unflag clears it.
    await reader.fetchJson(`/api/posts/${postId}/upvote`);
    expect(await vote()).toEqual({ flagged: 1, flag_reason: 'abusive' });
    expect((await reader.get(`/discuss/${postId}/`)).body).toContain(`formaction="/api/posts/${postId}/unflag" aria-pressed="true" data-plain>unflag</button>`);
    await reader.fetchJson(`/api/posts/${postId}/unflag`);
    expect(await vote()).toEqual({ flagged: 0, flag_reason: null });
    // Authors do not flag their own.
    expect((await author.get(`/discuss/${postId}/flag/`)).statusCode).toBe(403);
  });

  it(`holds a post back from the front page and /new at ${THRESHOLD} unreviewed flags, and brings it back when dismissed`, async () => {
    const author = await member(t().app, 'author');
    const postId = await startDiscussion(author, { title: 'Contested post' });
    const listed = async () => {
      const front = (await new BrowserSession(t().app).get('/')).body;
      const newest = (await new BrowserSession(t().app).get('/new')).body;
      expect(front.includes(`id="p${postId}"`)).toBe(newest.includes(`id="p${postId}"`));
      return front.includes(`id="p${postId}"`);
    };
    for (let i = 1; i < THRESHOLD; i++) await flagPost(postId, i % 2 ? 'spam' : 'abusive');
    expect(await listed()).toBe(true);
    await flagPost(postId, 'spam');
    expect(await listed()).toBe(false);
    // Still at its own address and on its author's profile.
    expect((await new BrowserSession(t().app).get(`/discuss/${postId}/`)).body).toContain('Contested post');
    expect((await new BrowserSession(t().app).get(`/profile/${author.username}/`)).body).toContain('Contested post');

    const mod = await moderator(t().app, t().db);
    const queue = await mod.get('/moderation/');
    expect(queue.statusCode).toBe(200);
    expect(queue.body).toContain('Contested post');
    expect(queue.body).toContain('3 new flags</strong>: spam 2, abusive 1</p>');
    const dismissed = await mod.post(`/moderation/posts/${postId}/dismiss/`, { reason: 'Strong words, but on topic.', next: '/moderation/' });
    expect(dismissed.statusCode).toBe(303);
    expect(dismissed.headers.location).toBe('/moderation/');
    expect(await listed()).toBe(true);
    expect((await mod.get('/moderation/')).body).not.toContain('Contested post');
    // Only new flags count again: one more is not enough to hold it back.
    await flagPost(postId);
    expect(await listed()).toBe(true);
  });

  it('counts a new flag as unreviewed even after a reviewed flag was taken back', async () => {
    const author = await member(t().app, 'author');
    const postId = await startDiscussion(author, { title: 'Flagged, reviewed, unflagged' });
    const first = await flagPost(postId);
    const mod = await moderator(t().app, t().db);
    await mod.post(`/moderation/posts/${postId}/dismiss/`, { reason: 'Fine as it is' });
    await first.fetchJson(`/api/posts/${postId}/unflag`);
    expect(await t().db.kysely.selectFrom('posts').select(['flags', 'flags_reviewed']).where('id', '=', postId).executeTakeFirstOrThrow()).toEqual({ flags: 0, flags_reviewed: 0 });
    await flagPost(postId, 'abusive');
    expect((await mod.get('/moderation/')).body).toContain('Flagged, reviewed, unflagged');
  });

  it('lists the queue most-flagged first, comments included', async () => {
    const author = await member(t().app, 'author');
    const little = await startDiscussion(author, { title: 'Flagged once' });
    const much = await startDiscussion(author, { title: 'Flagged twice' });
    const commentId = await comment(author, little, 'A comment people flag');
    await flagPost(little);
    await flagPost(much, 'other');
    await flagPost(much, 'other');
    const flagger = await member(t().app, 'flagger');
    await flagger.get(`/comments/${commentId}/flag/`);
    expect((await flagger.post(`/api/comments/${commentId}/flag`, { reason: 'abusive', next: '/' })).statusCode).toBe(303);
    const body = (await (await moderator(t().app, t().db)).get('/moderation/')).body;
    expect(body.indexOf('Flagged twice')).toBeLessThan(body.indexOf('>Flagged once<'));
    expect(body).toContain('A comment people flag');
    expect(body).toContain(': abusive 1</p>');
  });

  it('hides a comment: "[hidden by a moderator]" for members and visitors, the words and a restore link for moderators', async () => {
    const author = await member(t().app, 'author');
    const postId = await startDiscussion(author);
    const commentId = await comment(author, postId, 'Something regrettable');
    const mod = await moderator(t().app, t().db);
    const form = await mod.get(`/moderation/comments/${commentId}/hide/`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Hide this comment');
    const unreasoned = await mod.post(`/moderation/comments/${commentId}/hide/`, { reason: '  ' });
    expect(unreasoned.statusCode).toBe(400);
    expect(unreasoned.body).toContain('Give a reason');
    expect(await logRows()).not.toContainEqual(expect.objectContaining({ target_type: 'comment', target_id: commentId }));
    expect((await mod.post(`/moderation/comments/${commentId}/hide/`, { reason: 'Personal attack' })).statusCode).toBe(303);

    for (const reader of [author, await member(t().app), new BrowserSession(t().app)]) {
      const page = (await reader.get(`/discuss/${postId}/`)).body;
      expect(page).toContain('[hidden by a moderator]');
      expect(page).not.toContain('Something regrettable');
    }
    const modPage = (await mod.get(`/discuss/${postId}/`)).body;
    expect(modPage).toContain('Something regrettable');
    expect(modPage).toContain('hidden by a moderator</strong>');
    expect(modPage).toContain(`href="/moderation/comments/${commentId}/restore/"`);
    // Nobody but a moderator replies to it, or reads it above the reply form.
    const reader = await member(t().app);
    expect((await reader.get(`/comments/${commentId}/reply/`)).statusCode).toBe(404);
    expect((await reader.post(`/comments/${commentId}/reply/`, { text: 'what did it say?' })).statusCode).toBe(404);
    expect((await mod.get(`/comments/${commentId}/reply/`)).body).toContain('Something regrettable');
    // Hidden: out of the author's profile too.
    expect((await author.get(`/profile/${author.username}/`)).body).not.toContain('Something regrettable');

    // The public log names the act, not the words removed; moderators see them.
    const log = (await new BrowserSession(t().app).get('/moderations')).body;
    expect(log).toContain(`hid <a href="/comments/${commentId}/">a comment</a>`);
    expect(log).toContain('Reason: Personal attack');
    expect(log).not.toContain('Something regrettable');
    expect((await mod.get('/moderations')).body).toContain('Something regrettable');

    expect((await mod.post(`/moderation/comments/${commentId}/restore/`, { reason: 'On reflection, fair' })).statusCode).toBe(303);
    expect((await new BrowserSession(t().app).get(`/discuss/${postId}/`)).body).toContain('Something regrettable');
  });

  it('hides a post: out of the listings, its page says so; moderators still see it', async () => {
    const author = await member(t().app, 'author');
    const postId = await startDiscussion(author, { title: 'Spam for sale' });
    const mod = await moderator(t().app, t().db);
    expect((await mod.post(`/moderation/posts/${postId}/hide/`, { reason: 'Spam' })).statusCode).toBe(303);
    const visitor = new BrowserSession(t().app);
    for (const path of ['/', '/new', `/profile/${author.username}/`]) expect((await visitor.get(path)).body, path).not.toContain('Spam for sale');
    const page = await visitor.get(`/discuss/${postId}/`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('This discussion was hidden by a moderator.');
    expect(page.body).not.toContain('Spam for sale');
    const modPage = (await mod.get(`/discuss/${postId}/`)).body;
    expect(modPage).toContain('Spam for sale');
    expect(modPage).toContain('Hidden by a moderator: only moderators see it.');
    expect((await author.post(`/discuss/${postId}/`, { text: 'me again' })).statusCode).toBe(403);
  });

  it('locks a discussion: a notice instead of the form, members refused (403), a moderator may still comment', async () => {
    const author = await member(t().app, 'author');
    const postId = await startDiscussion(author);
    const mod = await moderator(t().app, t().db);
    expect((await mod.post(`/moderation/posts/${postId}/lock/`, { reason: 'Going in circles' })).statusCode).toBe(303);
    const page = (await author.get(`/discuss/${postId}/`)).body;
    expect(page).toContain('Locked by a moderator: no new comments.');
    expect(page).not.toContain('class="comment-form"');
    const refused = await author.post(`/discuss/${postId}/`, { text: 'one more thing' });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('locked');
    expect(await comment(mod, postId, 'Locked for now; take a breath.')).toBeGreaterThan(0);
    await mod.post(`/moderation/posts/${postId}/unlock/`, { reason: 'Cooled down' });
    expect(await comment(author, postId, 'one more thing')).toBeGreaterThan(0);
  });

  it('pins a post first on the front page, once, and unpins it', async () => {
    const author = await member(t().app, 'author');
    const pinned = await startDiscussion(author, { title: 'House rules' });
    t().clock.advance(3 * 3_600_000);
    const fresh = await startDiscussion(author, { title: 'Newer and hotter' });
    const order = async () => [...(await new BrowserSession(t().app).get('/')).body.matchAll(/<li id="p(\d+)"/g)].map((m) => Number(m[1]));
    expect((await order()).indexOf(fresh)).toBeLessThan((await order()).indexOf(pinned));
    const mod = await moderator(t().app, t().db);
    expect((await mod.post(`/moderation/posts/${pinned}/pin/`, { reason: 'Everyone should read these' })).statusCode).toBe(303);
    const pinnedOrder = await order();
    expect(pinnedOrder[0]).toBe(pinned);
    expect(pinnedOrder.filter((id) => id === pinned)).toHaveLength(1);
    expect((await new BrowserSession(t().app).get('/')).body).toContain('<strong class="pinned">pinned</strong>');
    await mod.post(`/moderation/posts/${pinned}/unpin/`, { reason: 'Read by now' });
    expect((await order()).indexOf(fresh)).toBeLessThan((await order()).indexOf(pinned));
  });

  it("asks a moderator deleting someone else's item for a reason and logs it; an author's own delete is not logged", async () => {
    const author = await member(t().app, 'author');
    const postId = await startDiscussion(author, { title: 'Delete me' });
    const commentId = await comment(author, postId, 'Delete me too');
    const mod = await moderator(t().app, t().db);
    const before = (await logRows()).length;
    expect((await mod.get(`/discuss/${postId}/delete/`)).body).toContain('name="reason"');
    expect((await author.get(`/discuss/${postId}/delete/`)).body).not.toContain('name="reason"');
    const unreasoned = await mod.post(`/comments/${commentId}/delete/`, {});
    expect(unreasoned.statusCode).toBe(400);
    expect((await t().services.comments.require(commentId)).deleted_at).toBeNull();
    expect((await mod.post(`/comments/${commentId}/delete/`, { reason: 'Doxxing' })).statusCode).toBe(303);
    expect((await mod.post(`/discuss/${postId}/delete/`, { reason: 'Doxxing' })).statusCode).toBe(303);
    expect((await t().services.posts.require(postId)).deleted_at).not.toBeNull();
    const rows = (await logRows()).slice(before);
    expect(rows.map((r) => [r.action, r.target_type, r.subject, r.reason])).toEqual([
      ['delete', 'comment', 'Delete me too', 'Doxxing'],
      ['delete', 'post', 'Delete me', 'Doxxing'],
    ]);
    const own = await startDiscussion(author, { title: 'My own' });
    expect((await author.post(`/discuss/${own}/delete/`, {})).statusCode).toBe(303);
    expect(await logRows()).toHaveLength(before + 2);
  });

  it('bans: every session ends at once, log-in is refused with the reason, their posts stay; an ended ban lets them in again', async () => {
    const spammer = await member(t().app, 'spammer');
    const postId = await startDiscussion(spammer, { title: 'Cheap watches' });
    const laptop = new BrowserSession(t().app);
    await laptop.login(spammer.username);
    const spammerId = await idOf(spammer.username);
    const sessions = () => t().db.kysely.selectFrom('sessions').select('id').where('user_id', '=', spammerId).execute();
    expect(await sessions()).toHaveLength(2);

    const mod = await moderator(t().app, t().db);
    const form = await mod.get(`/moderation/users/${spammer.username}/ban/`);
    expect(form.statusCode).toBe(200);
    expect((await mod.post(`/moderation/users/${spammer.username}/ban/`, { reason: '', until: '' })).statusCode).toBe(400);
    expect((await mod.post(`/moderation/users/${spammer.username}/ban/`, { reason: 'Spam', until: '2020-01-01' })).statusCode).toBe(400);
    const until = new Date(t().clock.now() + 3 * 24 * 3_600_000).toISOString().slice(0, 10);
    const banned = await mod.post(`/moderation/users/${spammer.username}/ban/`, { reason: 'Selling watches', until });
    expect(banned.statusCode).toBe(303);
    expect(await sessions()).toHaveLength(0);

    for (const browser of [spammer, laptop]) {
      const front = await browser.get('/');
      expect(front.body).not.toContain('log out');
      expect(front.body).toContain('log in');
      expect((await browser.get('/settings/sessions/')).statusCode).toBe(303);
    }
    const refused = await new BrowserSession(t().app).login(spammer.username);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain(`This account is banned until ${until} 00:00 UTC: Selling watches`);
    expect((await new BrowserSession(t().app).get(`/discuss/${postId}/`)).body).toContain('Cheap watches');
    expect((await mod.get(`/moderation/users/${spammer.username}/ban/`)).body).toContain('Selling watches');

    t().clock.advance(4 * 24 * 3_600_000);
    const again = new BrowserSession(t().app);
    expect((await again.login(spammer.username)).statusCode).toBe(303);
    expect((await again.get('/')).body).toContain('log out');
  });

  it('unbans through the form, with a reason', async () => {
    const user = await member(t().app, 'unlucky');
    const mod = await moderator(t().app, t().db);
    await mod.get(`/moderation/users/${user.username}/ban/`);
    await mod.post(`/moderation/users/${user.username}/ban/`, { reason: 'Mistaken identity?', until: '' });
    expect((await new BrowserSession(t().app).login(user.username)).statusCode).toBe(403);
    const page = await mod.get(`/moderation/users/${user.username}/ban/`);
    expect(page.body).toContain('until the ban is lifted');
    expect((await mod.post(`/moderation/users/${user.username}/unban/`, { reason: '' })).statusCode).toBe(400);
    expect((await mod.post(`/moderation/users/${user.username}/unban/`, { reason: 'It was a mistake' })).statusCode).toBe(303);
    expect((await new BrowserSession(t().app).login(user.username)).statusCode).toBe(303);
    // Moderators do not ban themselves, nor members of staff (only a superuser does).
    expect((await mod.get(`/moderation/users/${mod.username}/ban/`)).statusCode).toBe(403);
  });

  it('writes one log row per act, shown on /moderations with the reason, 30 a page', async () => {
    const author = await member(t().app, 'author');
    const postId = await startDiscussion(author, { title: 'Logged discussion' });
    const mod = await moderator(t().app, t().db);
    const before = (await logRows()).length;
    const acts = ['lock', 'unlock', 'pin', 'unpin', 'hide', 'restore'];
    for (const act of acts) {
      expect((await mod.post(`/moderation/posts/${postId}/${act}/`, { reason: `Reason for ${act}` })).statusCode).toBe(303);
    }
    // Acting twice (a double click) changes nothing and logs nothing.
    await mod.post(`/moderation/posts/${postId}/unpin/`, { reason: 'again' });
    // Dismissing with no flags standing changes nothing either.
    await mod.post(`/moderation/posts/${postId}/dismiss/`, { reason: 'nothing to dismiss' });
    const rows = (await logRows()).slice(before);
    expect(rows.map((r) => r.action)).toEqual(acts);
    expect(rows.every((r) => r.target_type === 'post' && r.target_id === postId && r.subject === 'Logged discussion')).toBe(true);

    const log = await new BrowserSession(t().app).get('/moderations');
    expect(log.statusCode).toBe(200);
    expect(log.body).toContain(`<a href="/profile/${mod.username}/">${mod.username}</a> restored the discussion <a href="/discuss/${postId}/">Logged discussion</a>`);
    expect(log.body).toContain('Reason: Reason for lock');

    const actor = await t().services.accounts.actor(await idOf(mod.username));
    for (let i = 0; i < 31; i++) await t().services.moderation.act(actor, 'post', postId, i % 2 ? 'unlock' : 'lock', `bulk ${i}`);
    const first = await new BrowserSession(t().app).get('/moderations');
    expect([...first.body.matchAll(/<p class="reason">/g)]).toHaveLength(30);
    expect(first.body).toContain('href="/moderations?page=2"');
    expect((await new BrowserSession(t().app).get('/moderations?page=2')).statusCode).toBe(200);
  });

  it('shows the queue link in the header to moderators only', async () => {
    expect((await (await member(t().app)).get('/')).body).not.toContain('href="/moderation/"');
    expect((await (await moderator(t().app, t().db)).get('/')).body).toContain('href="/moderation/"');
  });

  it('refuses every moderation route: 403 to a member, 303 to /login for a visitor', async () => {
    const author = await member(t().app, 'author');
    const postId = await startDiscussion(author);
    const commentId = await comment(author, postId, 'target');
    const routes = t().routes.filter((r) => r.method !== 'HEAD' && (r.url === '/moderation' || r.url.startsWith('/moderation/')));
    expect(routes.length).toBeGreaterThan(20);
    const reader = await member(t().app);
    for (const route of routes) {
      const url = route.url
        .replace(':id', String(route.url.includes('/comments/') ? commentId : postId))
        .replace(':username', author.username);
      const asMember = route.method === 'GET' ? await reader.get(url) : await reader.post(url, { reason: 'because' });
      expect(asMember.statusCode, `member ${route.method} ${url}`).toBe(403);
      const visitor = new BrowserSession(t().app);
      const asVisitor = route.method === 'GET' ? await visitor.get(url) : await visitor.post(url, { reason: 'because' }, { referer: `http://localhost${url}` });
      expect(asVisitor.statusCode, `visitor ${route.method} ${url}`).toBe(303);
      expect(asVisitor.headers.location, `visitor ${route.method} ${url}`).toMatch(/^\/login\?next=/);
    }
    expect(await logRows()).toEqual(expect.not.arrayContaining([expect.objectContaining({ reason: 'because' })]));
  });
});

describe('moderation on a private forum', () => {
  const t = useTestApp({ FORUM_PRIVATE: 'true' });

  it('closes the public log to visitors and opens it to members', async () => {
    const visitor = await new BrowserSession(t().app).get('/moderations');
    expect(visitor.statusCode).toBe(303);
    expect(visitor.headers.location).toBe(`/login?next=${encodeURIComponent('/moderations')}`);
    expect((await (await member(t().app)).get('/moderations')).statusCode).toBe(200);
  });
});

describe('moderation speed limit', () => {
  const t = useTestApp({ RATE_LIMIT_SCALE: '1' });

  it('is declared by every moderation form, and the 61st act in 10 minutes waits', async () => {
    const writes = t().routes.filter((r) => r.method === 'POST' && r.url.startsWith('/moderation/'));
    expect(writes.filter((r) => r.config.speedLimit !== 'moderate')).toEqual([]);

    const author = await member(t().app, 'author');
    const postId = await startDiscussion(author);
    const mod = await moderator(t().app, t().db);
    for (let i = 0; i < 60; i++) {
      const response = await mod.post(`/moderation/posts/${postId}/${i % 2 ? 'unlock' : 'lock'}/`, { reason: `round ${i}` });
      expect(response.statusCode).toBe(303);
    }
    const refused = await mod.post(`/moderation/posts/${postId}/lock/`, { reason: 'one too many' });
    expect(refused.statusCode).toBe(429);
    expect(refused.body).toContain('You are moderating faster than this forum allows.');
  });
});
