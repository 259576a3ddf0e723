// The seed's own unit tests (Charcha's DiscussionTests), through the services.
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';

describe("the seed's discussion tests", () => {
  const t = useTestApp();

  async function users() {
    const { accounts } = t().services;
    const make = (name: string) => accounts.signup({ username: `${name}${Math.floor(Math.random() * 1e6)}`, password: 'top-secret-password' });
    return { ramesh: await make('ramesh'), amit: await make('amit'), swetha: await make('swetha') };
  }

  it('double voting leaves one upvote', async () => {
    const { posts, votes } = t().services;
    const { ramesh, amit } = await users();
    const result = await posts.create(await t().services.accounts.actor(ramesh.id), { title: "Ramesh's Biography", text: 'Does not matter' });
    if (!result.created) throw new Error('not created');
    const id = result.post.id;
    expect(result.post.upvotes).toBe(0);
    await votes.apply('post', id, await t().services.accounts.actor(amit.id), 'upvote');
    expect((await posts.require(id)).upvotes).toBe(1);
    await votes.apply('post', id, await t().services.accounts.actor(amit.id), 'upvote');
    expect((await posts.require(id)).upvotes).toBe(1);
  });

  it('orders comments as a tree (c1, c2, c4, c3) and counts them', async () => {
    const { posts, comments } = t().services;
    const { ramesh, amit, swetha } = await users();
    const result = await posts.create(await t().services.accounts.actor(ramesh.id), { title: "Ramesh's Biography", text: 'Does not matter' });
    if (!result.created) throw new Error('not created');
    const postId = result.post.id;
    expect(result.post.num_comments).toBe(0);
    const c1 = (await comments.add({ postId, author: await t().services.accounts.actor(ramesh.id), text: 'See my Biography!' })).comment;
    const c2 = (await comments.add({ postId, parentId: c1.id, author: await t().services.accounts.actor(amit.id), text: 'Dude, this is terrible!' })).comment;
    await comments.add({ postId, parentId: c1.id, author: await t().services.accounts.actor(swetha.id), text: "Why write your biography when you haven't achieved a thing!" });
    await comments.add({ postId, parentId: c2.id, author: await t().services.accounts.actor(ramesh.id), text: "Seriously, that's all you have to say?" });
    const { comments: page } = await comments.threadPage(postId, 'old', 1);
    const thread = await Promise.all(page.map((c) => comments.require(c.id)));
    expect(thread.map((c) => c.text)).toEqual([
      'See my Biography!',
      'Dude, this is terrible!',
      "Seriously, that's all you have to say?",
      "Why write your biography when you haven't achieved a thing!",
    ]);
    expect(thread.map((c) => c.path)).toEqual(['.0001', '.0001.0001', '.0001.0001.0001', '.0001.0002']);
    expect((await posts.require(postId)).num_comments).toBe(4);
  });
});
