import { beforeAll, describe, expect, it } from 'vitest';
import { COMMENTS_PER_PAGE, DUPLICATE_COMMENT_WINDOW_MS } from '../src/forum/comments.js';
import type { VoteAction } from '../src/forum/votes.js';
import { MAX_DEPTH, MAX_SIBLINGS } from '../src/forum/wbs.js';
import { useTestApp } from './support/app.js';
import { bestOrderOf, comment, member, startDiscussion } from './support/forum.js';

const idsInPage = (body: string) => [...body.matchAll(/<li id="c(\d+)"/g)].map((m) => Number(m[1]));

describe('comments', () => {
  const t = useTestApp();

  it("follow the seed's order over HTTP: c1, c2, c4, c3, and count 4", async () => {
    const [ramesh, amit, swetha] = [await member(t().app, 'ramesh'), await member(t().app, 'amit'), await member(t().app, 'swetha')];
    const postId = await startDiscussion(ramesh, { title: "Ramesh's Biography" });
    await ramesh.get(`/discuss/${postId}/`);
    const c1 = await comment(ramesh, postId, 'See my Biography!');
    const c2 = await comment(amit, postId, 'Dude, this is terrible!', c1);
    const c3 = await comment(swetha, postId, "Why write your biography when you haven't achieved a thing!", c1);
    const c4 = await comment(ramesh, postId, "Seriously, that's all you have to say?", c2);
    const page = await t().app.inject({ method: 'GET', url: `/discuss/${postId}/?sort=old` });
    expect(idsInPage(page.body)).toEqual([c1, c2, c4, c3]);
    expect(page.body).toContain('4 comments');
    expect((await t().services.posts.require(postId)).num_comments).toBe(4);
    expect(page.body).toContain(', 2 replies</span></span></summary>'); // c1's fold toggle
    expect(page.body).toContain(', 1 reply</span></span></summary>'); // c2's
    // Nested, collapsible without JavaScript.
    expect(page.body).toMatch(new RegExp(`<li id="c${c1}" class="comment"><details open>[\\s\\S]*<ol class="replies"><li id="c${c2}"`));
  });

  it('land the author on their comment, and give every comment a permalink', async () => {
    const alice = await member(t().app);
    const postId = await startDiscussion(alice);
    const response = await alice.post(`/discuss/${postId}/`, { text: 'Where do I land?' });
    expect(response.statusCode).toBe(303);
    const id = Number(/#c(\d+)$/.exec(String(response.headers.location))![1]);
    expect(response.headers.location).toBe(`/discuss/${postId}/#c${id}`);
    const permalink = await t().app.inject({ method: 'GET', url: `/comments/${id}/` });
    expect(permalink.headers.location).toBe(`/discuss/${postId}/#c${id}`);
  });

  it('sort best first among siblings by Wilson lower bound, ties oldest first', async () => {
    const alice = await member(t().app);
    const voters = await Promise.all([1, 2, 3].map(() => member(t().app)));
    const postId = await startDiscussion(alice);
    const first = await comment(alice, postId, 'first, no votes');
    const second = await comment(alice, postId, 'second, loved');
    const third = await comment(alice, postId, 'third, no votes');
    const reply = await comment(alice, postId, 'reply to first', first);
    for (const v of voters) await v.fetchJson(`/api/comments/${second}/upvote`);
    const best = await t().app.inject({ method: 'GET', url: `/discuss/${postId}/` });
    expect(idsInPage(best.body)).toEqual([second, first, reply, third]);
    const old = await t().app.inject({ method: 'GET', url: `/discuss/${postId}/?sort=old` });
    expect(idsInPage(old.body)).toEqual([first, reply, second, third]);
  });

  it('keep "best" order through any votes: a voted comment moves with its replies, and pageOf agrees', async () => {
    const { services, db } = t();
    const actor = async (name: string) => ({ ...(await services.accounts.actor((await services.accounts.signup({ username: `${name}${Date.now()}`, password: 'a-long-enough-secret' })).id)), score: 1_000 });
    const author = await actor('ranked');
    const voters = await Promise.all([1, 2, 3, 4, 5].map((i) => actor(`voter${i}`)));
    const created = await services.posts.create(author, { title: 'Ranked', text: 'x' });
    if (!created.created) throw new Error('not created');
    const postId = created.post.id;
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const ids: number[] = [];
    for (let i = 0; i < 60; i++) {
      const parentId = ids.length > 0 && random() < 0.7 ? ids[Math.floor(random() * ids.length)] : undefined;
      ids.push((await services.comments.add({ postId, parentId, author, text: `comment ${i}` })).comment.id);
    }
    // A deleted comment keeps its place and its replies.
    await services.comments.delete(ids[1]!, author);
    const actions: VoteAction[] = ['upvote', 'upvote', 'downvote', 'unvote', 'flag'];
    const check = async () => {
      const rows = await db.kysely.selectFrom('comments').select(['id', 'parent_id', 'path', 'upvotes', 'downvotes']).where('post_id', '=', postId).execute();
      const expected = bestOrderOf(rows);
      const { comments, sortable, hasMore } = await services.comments.threadPage(postId, 'best', 1);
      expect(comments.map((c) => c.id)).toEqual(expected);
      expect([sortable, hasMore]).toEqual([true, false]);
      for (const id of [expected[0]!, expected[59]!]) expect(await services.comments.pageOf(postId, id, 'best')).toBe(1);
    };
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 40; i++) {
        const target = ids[Math.floor(random() * ids.length)]!;
        if (target === ids[1]) continue;
        const action = actions[Math.floor(random() * actions.length)]!;
        await services.votes.apply('comment', target, voters[Math.floor(random() * voters.length)]!, action, action === 'flag' ? 'spam' : undefined);
      }
      await check();
    }
    const inPathOrder = await db.kysely.selectFrom('comments').select('id').where('post_id', '=', postId).orderBy('path').execute();
    expect((await services.comments.threadPage(postId, 'old', 1)).comments.map((c) => c.id)).toEqual(inPathOrder.map((c) => c.id));
    expect(await services.comments.pageOf(postId, 999_999, 'best')).toBe(1);
    // Past the end (a stale link): nothing to show, but the thread can still be sorted.
    expect(await services.comments.threadPage(postId, 'best', 2)).toEqual({ comments: [], hasMore: false, sortable: true });
  });

  it('refuse empty or oversized text with a message, keeping the input, writing nothing', async () => {
    const alice = await member(t().app);
    const postId = await startDiscussion(alice);
    await alice.get(`/discuss/${postId}/`);
    const empty = await alice.post(`/discuss/${postId}/`, { text: '   ' });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('Write something first.');
    const long = 'x'.repeat(8193);
    const tooLong = await alice.post(`/discuss/${postId}/`, { text: long });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toContain('within 8192');
    expect(tooLong.body).toContain(`>${long}</textarea>`);
    expect((await t().services.posts.require(postId)).num_comments).toBe(0);
    expect((await alice.post('/discuss/999999/', { text: 'hello' })).statusCode).toBe(404);
  });

  it('store a double-clicked comment once and answer both requests alike', async () => {
    const alice = await member(t().app);
    const postId = await startDiscussion(alice);
    await alice.get(`/discuss/${postId}/`);
    const [a, b] = await Promise.all([
      alice.post(`/discuss/${postId}/`, { text: 'Same words, sent twice' }),
      alice.post(`/discuss/${postId}/`, { text: 'Same words, sent twice' }),
    ]);
    expect(a.statusCode).toBe(303);
    expect(b.headers.location).toBe(a.headers.location);
    expect((await t().services.posts.require(postId)).num_comments).toBe(1);
    // After the window, the same words are a new comment.
    t().clock.advance(DUPLICATE_COMMENT_WINDOW_MS + 1000);
    await alice.get(`/discuss/${postId}/`);
    const later = await alice.post(`/discuss/${postId}/`, { text: 'Same words, sent twice' });
    expect(later.headers.location).not.toBe(a.headers.location);
    expect((await t().services.posts.require(postId)).num_comments).toBe(2);
  });

  it('can be edited and deleted by their author only; deleted ones keep their place and replies', async () => {
    const alice = await member(t().app);
    const bob = await member(t().app);
    const postId = await startDiscussion(alice);
    await bob.get(`/discuss/${postId}/`);
    const parent = await comment(bob, postId, 'bob says hi');
    const child = await comment(alice, postId, 'alice replies', parent);

    await alice.get(`/discuss/${postId}/`);
    expect((await alice.get(`/comments/${parent}/edit/`)).statusCode).toBe(403);
    expect((await alice.post(`/comments/${parent}/edit/`, { text: 'hijack' })).statusCode).toBe(403);
    expect((await alice.post(`/comments/${parent}/delete/`)).statusCode).toBe(403);

    expect((await bob.get(`/comments/${parent}/edit/`)).body).toContain('bob says hi</textarea>');
    expect((await bob.post(`/comments/${parent}/edit/`, { text: 'bob says *hello*' })).statusCode).toBe(303);
    expect((await t().app.inject({ method: 'GET', url: `/discuss/${postId}/` })).body).toContain('bob says <em>hello</em>');

    expect((await bob.post(`/comments/${parent}/delete/`)).statusCode).toBe(303);
    const page = await t().app.inject({ method: 'GET', url: `/discuss/${postId}/` });
    expect(idsInPage(page.body)).toEqual([parent, child]);
    expect(page.body).toContain('[deleted]');
    expect(page.body).not.toContain('bob says');
    expect(page.body).toContain('alice replies');
    // A deleted comment with no reply below it leaves nothing behind.
    await alice.get(`/discuss/${postId}/`);
    const leaf = await comment(alice, postId, 'alice thinks better of it');
    expect((await alice.post(`/comments/${leaf}/delete/`)).statusCode).toBe(303);
    const after = await t().app.inject({ method: 'GET', url: `/discuss/${postId}/` });
    expect(idsInPage(after.body)).toEqual([parent, child]);
    expect(after.body.match(/\[deleted\]/g)).toHaveLength(2); // the fold toggle's name and the header line
    const post = await t().services.posts.require(postId);
    expect(post.num_comments).toBe(1);
    await bob.get(`/discuss/${postId}/`);
    // Deleting again answers as the first time did and changes nothing.
    expect((await bob.post(`/comments/${parent}/delete/`)).statusCode).toBe(303);
    expect((await t().services.posts.require(postId)).num_comments).toBe(1);
  });

  it('ask before deleting: a link by the comment and on its edit page leads to a confirmation that posts', async () => {
    const alice = await member(t().app);
    const bob = await member(t().app);
    const postId = await startDiscussion(alice);
    await bob.get(`/discuss/${postId}/`);
    const id = await comment(bob, postId, 'bob *may* regret this');
    const confirm = `/comments/${id}/delete/`;
    expect((await bob.get(`/discuss/${postId}/`)).body).toContain(`<a href="${confirm}">delete</a>`);
    expect((await alice.get(`/discuss/${postId}/`)).body).not.toContain(`href="${confirm}"`);
    const edit = await bob.get(`/comments/${id}/edit/`);
    expect(edit.body).toContain(`<a href="${confirm}" class="danger">Delete this comment…</a>`);
    expect(edit.body).not.toContain(`action="${confirm}"`); // no one-click delete any more

    const page = await bob.get(confirm);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1>Delete this comment?</h1>');
    expect(page.body).toContain('bob <em>may</em> regret this');
    expect(page.body).toMatch(new RegExp(`<form method="post" action="${confirm}" class="confirm">.*<button type="submit" class="danger">Delete this comment</button> <a href="/comments/${id}/">Cancel</a>`));
    expect((await alice.get(confirm)).statusCode).toBe(403);
    const visitor = await t().app.inject({ method: 'GET', url: confirm });
    expect(visitor.statusCode).toBe(303);
    expect(visitor.headers.location).toBe(`/login?next=${encodeURIComponent(confirm)}`);

    expect((await bob.post(confirm)).statusCode).toBe(303);
    expect((await t().services.comments.require(id)).deleted_at).not.toBeNull();
    expect((await bob.get(confirm)).statusCode).toBe(404);
  });

  it(`stop at ${MAX_DEPTH} levels: the deepest comment has no reply link and replies to it are refused`, async () => {
    const alice = await member(t().app);
    const postId = await startDiscussion(alice);
    await alice.get(`/discuss/${postId}/`);
    let parent: number | undefined;
    for (let depth = 1; depth <= MAX_DEPTH; depth++) parent = await comment(alice, postId, `level ${depth}`, parent);
    const page = await t().app.inject({ method: 'GET', url: `/discuss/${postId}/` });
    expect(page.body).not.toContain(`/comments/${parent}/reply/`);
    await alice.get(`/comments/${parent}/reply/`);
    const refused = await alice.post(`/comments/${parent}/reply/`, { text: 'too deep' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain(`${MAX_DEPTH} levels deep`);
    const row = await t().db.kysely.selectFrom('comments').select(['path', 'depth']).where('id', '=', parent!).executeTakeFirstOrThrow();
    expect(row.depth).toBe(MAX_DEPTH);
    expect(row.path.split('.').length - 1).toBe(MAX_DEPTH);
  });

  it(`refuse a ${MAX_SIBLINGS + 1}th sibling with a clear message`, async () => {
    const alice = await member(t().app);
    const postId = await startDiscussion(alice);
    const parent = await comment(alice, postId, 'a popular comment');
    // Pretend the parent already has MAX_SIBLINGS replies, rather than writing 9999 rows.
    await t().db.kysely.updateTable('comments').set({ child_count: MAX_SIBLINGS - 1 }).where('id', '=', parent).execute();
    const last = await comment(alice, postId, 'reply number 9999', parent);
    const lastRow = await t().db.kysely.selectFrom('comments').select('path').where('id', '=', last).executeTakeFirstOrThrow();
    expect(lastRow.path).toMatch(/\.9999$/);
    await alice.get(`/comments/${parent}/reply/`);
    const refused = await alice.post(`/comments/${parent}/reply/`, { text: 'one too many' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('This thread is full');
    expect((await t().services.posts.require(postId)).num_comments).toBe(2);
  });

  it('show a long thread a page at a time behind a "more comments" link', async () => {
    const { services } = t();
    const author = await services.accounts.signup({ username: `long${Date.now()}`, password: 'a-long-enough-secret' });
    const created = await services.posts.create(await services.accounts.actor(author.id), { title: 'Long', text: 'x' });
    if (!created.created) throw new Error('not created');
    const total = COMMENTS_PER_PAGE + 20;
    for (let i = 0; i < total; i++) await services.comments.add({ postId: created.post.id, author: await services.accounts.actor(author.id), text: `comment ${i}` });
    const first = await t().app.inject({ method: 'GET', url: `/discuss/${created.post.id}/` });
    expect(idsInPage(first.body)).toHaveLength(COMMENTS_PER_PAGE);
    expect(first.body).toContain(`href="/discuss/${created.post.id}/?page=2">more comments`);
    const second = await t().app.inject({ method: 'GET', url: `/discuss/${created.post.id}/?page=2` });
    expect(idsInPage(second.body)).toHaveLength(20);
    expect(second.body).not.toContain('more comments');
  });

  describe('on later pages of a long thread', () => {
    // 2 pages of top-level comments but one, then `last` (the last of page 2) and its reply, which opens page 3.
    let postId = 0;
    let last = 0;
    let opener = 0;
    let member3: Awaited<ReturnType<typeof member>>;
    beforeAll(async () => {
      const { services } = t();
      member3 = await member(t().app);
      const author = await services.accounts.signup({ username: `paged${Date.now()}`, password: 'a-long-enough-secret' });
      const created = await services.posts.create(await services.accounts.actor(author.id), { title: 'Three pages', text: 'x' });
      if (!created.created) throw new Error('not created');
      postId = created.post.id;
      let n = 0;
      const add = async (parentId?: number) => (await services.comments.add({ postId, parentId, author: await services.accounts.actor(author.id), text: `comment ${++n}` })).comment.id;
      for (let i = 0; i < 2 * COMMENTS_PER_PAGE - 1; i++) await add();
      last = await add();
      opener = await add(last);
    }, 120_000);

    it('send a permalink to the page that holds the comment, in either order', async () => {
      const permalink = await t().app.inject({ method: 'GET', url: `/comments/${opener}/` });
      expect(permalink.statusCode).toBe(302);
      expect(permalink.headers.location).toBe(`/discuss/${postId}/?page=3#c${opener}`);
      const old = await t().app.inject({ method: 'GET', url: `/comments/${last}/?sort=old` });
      expect(old.headers.location).toBe(`/discuss/${postId}/?page=2&sort=old#c${last}`);
      const third = await t().app.inject({ method: 'GET', url: `/discuss/${postId}/?page=3` });
      expect(idsInPage(third.body)[0]).toBe(opener);
      // Its parent is on page 2: the "in reply to" link goes through the permalink, keeping the order.
      expect(third.body).toContain(`<a href="/comments/${last}/">in reply to an earlier comment</a>`);
      const thirdOld = await t().app.inject({ method: 'GET', url: `/discuss/${postId}/?page=3&sort=old` });
      expect(thirdOld.body).toContain(`<a href="/comments/${last}/?sort=old">in reply to an earlier comment</a>`);
    });

    it('land the writer of a new reply on its page', async () => {
      await member3.get(`/discuss/${postId}/?page=3`);
      const response = await member3.post(`/comments/${opener}/reply/`, { text: 'found it on page 3' });
      expect(response.headers.location).toMatch(new RegExp(`^/discuss/${postId}/\\?page=3#c\\d+$`));
      const edited = await member3.post(`/comments/${/#c(\d+)$/.exec(String(response.headers.location))![1]}/edit/`, { text: 'found it, edited' });
      expect(edited.headers.location).toBe(response.headers.location);
    });
  });
});
