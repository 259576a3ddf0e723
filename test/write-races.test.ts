// Writes that race each other (a double click, two tabs, a reply landing while
// its parent is deleted): one takes effect, the others change nothing and
// answer as the first did; counters move only when a row did; never a 500.
import { describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import { useTestApp } from './support/app.js';
import { comment, member, startDiscussion } from './support/forum.js';

async function liveComments(db: Db, postId: number) {
  const rows = await db.kysely.selectFrom('comments').select('id').where('post_id', '=', postId).where('deleted_at', 'is', null).execute();
  const post = await db.kysely.selectFrom('posts').select('num_comments').where('id', '=', postId).executeTakeFirstOrThrow();
  return { live: rows.length, counted: post.num_comments };
}

describe('racing writes', () => {
  const t = useTestApp();

  it('delete a comment once however often the button is pressed at once', async () => {
    const alice = await member(t().app);
    const postId = await startDiscussion(alice);
    await alice.get(`/discuss/${postId}/`);
    const keep = await comment(alice, postId, 'this one stays');
    const doomed = await comment(alice, postId, 'this one goes');
    await alice.get(`/comments/${doomed}/edit/`);
    const answers = await Promise.all(Array.from({ length: 6 }, () => alice.post(`/comments/${doomed}/delete/`, {})));
    expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 303));
    expect(new Set(answers.map((a) => a.headers.location))).toEqual(new Set([`/discuss/${postId}/#c${doomed}`]));
    expect(await liveComments(t().db, postId)).toEqual({ live: 1, counted: 1 });
    // Pressed again later, still the same answer and still nothing changes.
    expect((await alice.post(`/comments/${doomed}/delete/`, {})).statusCode).toBe(303);
    expect(await liveComments(t().db, postId)).toEqual({ live: 1, counted: 1 });
    expect((await t().services.comments.require(keep)).deleted_at).toBeNull();
  });

  it('delete a discussion once however often the button is pressed at once', async () => {
    const alice = await member(t().app);
    const postId = await startDiscussion(alice);
    await alice.get(`/discuss/${postId}/edit/`);
    const answers = await Promise.all(Array.from({ length: 4 }, () => alice.post(`/discuss/${postId}/delete/`, {})));
    expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 303));
    expect(answers.map((a) => a.headers.location)).toEqual(answers.map(() => `/discuss/${postId}/`));
    const post = await t().services.posts.require(postId);
    expect(post.deleted_at).not.toBeNull();
  });

  it('never write an edit into a comment deleted meanwhile', async () => {
    const alice = await member(t().app);
    const postId = await startDiscussion(alice);
    await alice.get(`/discuss/${postId}/`);
    const id = await comment(alice, postId, 'first words');
    await alice.get(`/comments/${id}/edit/`);
    const [edit, del] = await Promise.all([alice.post(`/comments/${id}/edit/`, { text: 'second words' }), alice.post(`/comments/${id}/delete/`, {})]);
    expect(del.statusCode).toBe(303);
    expect([303, 404]).toContain(edit.statusCode);
    const row = await t().db.kysely.selectFrom('comments').select(['text', 'text_html', 'deleted_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ text: '', text_html: '' });
    expect(row.deleted_at).not.toBeNull();
  });

  it('let a reply and the deletion of its parent race without a deadlock or a 500', async () => {
    const [alice, bob] = [await member(t().app), await member(t().app)];
    const postId = await startDiscussion(alice);
    await alice.get(`/discuss/${postId}/`);
    await bob.get(`/discuss/${postId}/`);
    const replies: number[] = [];
    // Pair by pair, so each delete and its reply truly overlap.
    for (let i = 0; i < 20; i++) {
      const parent = await comment(alice, postId, `parent ${i}`);
      const [del, reply] = await Promise.all([alice.post(`/comments/${parent}/delete/`, {}), bob.post(`/comments/${parent}/reply/`, { text: `a reply to ${parent}` })]);
      expect(del.statusCode).toBe(303);
      // A reply that lost the race is refused with a message (400), never a 500.
      expect([303, 400]).toContain(reply.statusCode);
      replies.push(reply.statusCode);
    }
    const { live, counted } = await liveComments(t().db, postId);
    expect(counted).toBe(live);
    expect(live).toBe(replies.filter((s) => s === 303).length);
  });
});
