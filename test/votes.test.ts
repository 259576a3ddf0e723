import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { comment, member, startDiscussion } from './support/forum.js';

describe('voting', () => {
  const t = useTestApp();

  async function setup() {
    const author = await member(t().app, 'author');
    const voter = await member(t().app, 'voter');
    const postId = await startDiscussion(author);
    const commentId = await comment(author, postId, 'vote on me');
    return { author, voter, postId, commentId };
  }

  const score = async (username: string) =>
    (await t().db.kysely.selectFrom('users').select('score').where('username', '=', username).executeTakeFirstOrThrow()).score;

  for (const target of ['posts', 'comments'] as const) {
    it(`moves ${target} counters and the author's karma: up, again, switch, unvote, flag beside a vote`, async () => {
      const { author, voter, postId, commentId } = await setup();
      const id = target === 'posts' ? postId : commentId;
      const vote = async (action: string) => {
        const response = await voter.fetchJson(`/api/${target}/${id}/${action}`, {}, action === 'flag' ? { reason: 'spam' } : undefined);
        expect(response.statusCode, action).toBe(200);
        return response.json<unknown>();
      };
      expect(await vote('upvote')).toEqual({ upvotes: 1, downvotes: 0, flags: 0, score: 1, myVote: 'up' });
      expect(await vote('upvote')).toEqual({ upvotes: 1, downvotes: 0, flags: 0, score: 1, myVote: 'up' });
      expect(await score(author.username)).toBe(1);
      expect(await vote('downvote')).toEqual({ upvotes: 0, downvotes: 1, flags: 0, score: -1, myVote: 'down' });
      expect(await score(author.username)).toBe(-1);
      expect(await vote('flag')).toEqual({ upvotes: 0, downvotes: 1, flags: 1, score: -1, myVote: 'down' });
      expect(await vote('flag')).toMatchObject({ flags: 1 });
      expect(await vote('unvote')).toEqual({ upvotes: 0, downvotes: 0, flags: 1, score: 0, myVote: null });
      expect(await vote('unflag')).toEqual({ upvotes: 0, downvotes: 0, flags: 0, score: 0, myVote: null });
      expect(await vote('unvote')).toMatchObject({ upvotes: 0, downvotes: 0 });
      expect(await score(author.username)).toBe(0);
      const table = target === 'posts' ? 'post_votes' : 'comment_votes';
      expect(await t().db.kysely.selectFrom(table).selectAll().execute()).toHaveLength(0);
    });

    it(`refuses ${target} votes on your own item (403), signed out (401), on missing items (404), unknown actions (404/400)`, async () => {
      const { author, postId, commentId } = await setup();
      const id = target === 'posts' ? postId : commentId;
      const own = await author.fetchJson(`/api/${target}/${id}/upvote`);
      expect(own.statusCode).toBe(403);
      expect(own.json<{ error: string }>().error).toContain('own');

      const anonymous = await t().app.inject({ method: 'POST', url: `/api/${target}/${id}/upvote`, headers: { accept: 'application/json' } });
      expect(anonymous.statusCode).toBe(401);
      const anonymousForm = await new BrowserSession(t().app).post(`/api/${target}/${id}/upvote`, {}, { referer: `http://localhost/discuss/${postId}/` });
      expect(anonymousForm.statusCode).toBe(303);
      expect(anonymousForm.headers.location).toMatch(/^\/login\?next=/);

      const voter = await member(t().app);
      const missing = await voter.fetchJson(`/api/${target}/987654/upvote`);
      expect(missing.statusCode).toBe(404);
      expect(missing.headers['content-type']).toContain('application/json');
      expect((await voter.fetchJson(`/api/${target}/${id}/promote`)).statusCode).toBe(400);
      const item = target === 'posts' ? await t().services.posts.require(postId) : await t().services.comments.require(commentId);
      expect([item.upvotes, item.downvotes, item.flags]).toEqual([0, 0, 0]);
    });
  }

  it('answers a plain form post with a 303 back to the page it came from', async () => {
    const { voter, postId, commentId } = await setup();
    await voter.get(`/discuss/${postId}/`);
    const viaReferer = await voter.post(`/api/comments/${commentId}/upvote`, {}, { referer: `http://localhost/discuss/${postId}/?sort=old` });
    expect(viaReferer.statusCode).toBe(303);
    // Back to the item voted on, not to the top of a long thread.
    expect(viaReferer.headers.location).toBe(`/discuss/${postId}/?sort=old#c${commentId}`);
    const viaNext = await voter.post(`/api/posts/${postId}/upvote`, { next: '/new' });
    expect(viaNext.headers.location).toBe(`/new#p${postId}`);
    const foreignReferer = await voter.post(`/api/posts/${postId}/unvote`, {}, { referer: 'https://evil.example/x' });
    expect(foreignReferer.headers.location).toBe(`/discuss/${postId}/#p${postId}`);
    const page = await voter.get(`/discuss/${postId}/`);
    expect(page.body).toContain(`formaction="/api/comments/${commentId}/unvote" aria-label="Upvote" aria-pressed="true"`);
    const noReferer = await voter.post(`/api/comments/${commentId}/unvote`);
    expect(noReferer.headers.location).toBe(`/discuss/${postId}/#c${commentId}`);
  });

  it('puts the CSRF token once on a page, in its one vote form, and nothing of the session in the items', async () => {
    const { author, voter, postId, commentId } = await setup();
    await comment(author, postId, 'another', commentId);
    for (const path of ['/', `/discuss/${postId}/`]) {
      const { body } = await voter.get(path);
      const token = voter.csrf;
      expect(token).not.toBe('');
      expect(body.match(/data-vote/g)).toHaveLength(1);
      expect(body).toContain(`<form method="post" id="vote" data-vote><input type="hidden" name="_csrf" value="${token}"></form>`);
      const buttons = [...body.matchAll(/<button[^>]*formaction="\/api\/[^"]*"[^>]*>/g)].map((m) => m[0]);
      expect(buttons.length).toBeGreaterThan(1);
      for (const button of buttons) expect(button).toContain('form="vote"');
      // The items (the listing, the post and its comment tree) are the same for every reader but their pressed buttons.
      const between = (start: string, end: string) => body.slice(body.indexOf(start), body.indexOf(end, body.indexOf(start)));
      const items = path === '/' ? between('<ol class="stories"', '</ol>') : between('<article', '</article>') + between('<ol class="comments"', '</section>');
      expect(items).toContain('aria-label="Upvote"');
      expect(items).not.toContain(token);
      expect(items).not.toContain('data-vote');
    }
    // Visitors have no buttons, so no form.
    expect((await t().app.inject({ method: 'GET', url: `/discuss/${postId}/` })).body).not.toContain('data-vote');
  });

  it('keeps counters equal to a recount after a burst of concurrent votes', async () => {
    const author = await member(t().app, 'author');
    const postId = await startDiscussion(author);
    const commentId = await comment(author, postId, 'popular');
    const voters = await Promise.all(Array.from({ length: 12 }, () => member(t().app, 'crowd')));
    const actions = ['upvote', 'downvote', 'unvote', 'flag', 'unflag', 'upvote'];
    await Promise.all(
      voters.flatMap((v, i) =>
        actions.map((_, j) => {
          const action = actions[(i + j) % actions.length]!;
          const target = (i + j) % 2 === 0 ? `posts/${postId}` : `comments/${commentId}`;
          return v.fetchJson(`/api/${target}/${action}`, {}, action === 'flag' ? { reason: 'off-topic' } : undefined).then((r) => expect(r.statusCode).toBe(200));
        }),
      ),
    );
    const db = t().db.kysely;
    for (const [table, votes, key, id] of [
      ['posts', 'post_votes', 'post_id', postId],
      ['comments', 'comment_votes', 'comment_id', commentId],
    ] as const) {
      const rows = await db.selectFrom(votes as 'post_votes').selectAll().where(key as 'post_id', '=', id).execute();
      const item = await db.selectFrom(table as 'posts').select(['upvotes', 'downvotes', 'flags']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(item).toEqual({
        upvotes: rows.filter((r) => r.direction === 1).length,
        downvotes: rows.filter((r) => r.direction === -1).length,
        flags: rows.filter((r) => r.flagged === 1).length,
      });
    }
    const post = await t().services.posts.require(postId);
    const c = await t().services.comments.require(commentId);
    expect(await score(author.username)).toBe(post.upvotes - post.downvotes + c.upvotes - c.downvotes);
  });
});
