import type { Services } from '../../src/services.js';
import { MAX_DEPTH } from '../../src/forum/wbs.js';
import { MARKDOWN_SAMPLE } from './markdown-sample.js';

export const PASSWORD = 'correct-horse-battery';

/**
 * Two members and a discussion with what a thread page has to show: replies
 * three levels deep, a chain of replies to the deepest level (12), votes either
 * way, a deleted comment with a live reply and one without replies.
 * Asha wrote the discussion; Ben has not voted on anything of hers. Ben's
 * `markdownPost` shows rendered Markdown (headings, table, image, code).
 */
export async function seedDiscussion(services: Services) {
  const { accounts, posts, comments, votes } = services;
  const asha = await accounts.signup({ username: 'asha', password: PASSWORD });
  const ben = await accounts.signup({ username: 'ben', password: PASSWORD });
  const created = await posts.create(await accounts.actor(asha.id), {
    title: 'How do you keep a forum fast?',
    text: 'Plain **HTML**, a little CSS, and *very* little script. What else?\n\n```\nCache-Control: no-cache\n```',
  });
  if (!created.created) throw new Error('seedDiscussion: the discussion was not created');
  const post = created.post;
  await posts.create(await accounts.actor(ben.id), { title: 'Server-rendered pages, revisited', url: 'https://example.org/server-rendered' });
  const markdown = await posts.create(await accounts.actor(ben.id), { title: 'Our numbers, in Markdown', text: MARKDOWN_SAMPLE });
  if (!markdown.created) throw new Error('seedDiscussion: the Markdown discussion was not created');

  const add = async (authorId: number, text: string, parentId?: number) => (await comments.add({ postId: post.id, author: await accounts.actor(authorId), text, parentId })).comment;
  const question = await add(ben.id, 'Render on the server and send `<details>` for threads.');
  const answer = await add(asha.id, 'And the replies collapse without any JavaScript.', question.id);
  const nested = await add(ben.id, 'Even this deep: see [the notes](https://example.org/notes).', answer.id);
  const retracted = await add(ben.id, 'A comment its author took back.');
  await add(asha.id, 'A reply that outlives its deleted parent.', retracted.id);
  await comments.delete(retracted.id, await accounts.actor(ben.id));
  const regretted = await add(asha.id, 'Deleted before anyone replied.');
  await comments.delete(regretted.id, await accounts.actor(asha.id));
  let deepest = await add(asha.id, 'Level 1 of a long back-and-forth about indentation on phones.');
  for (let depth = 2; depth <= MAX_DEPTH; depth++) {
    deepest = await add(depth % 2 ? asha.id : ben.id, `Level ${depth}: deep threads must stay readable on a narrow screen, with room for the text.`, deepest.id);
  }
  await votes.apply('comment', question.id, await accounts.actor(asha.id), 'upvote');
  await votes.apply('comment', nested.id, await accounts.actor(asha.id), 'downvote');

  return { asha, ben, post, question, answer, regretted, deepest, markdownPost: markdown.post };
}

export type DiscussionFixture = Awaited<ReturnType<typeof seedDiscussion>>;
