import type { Db } from '../../src/db/database.js';
import type { Services } from '../../src/services.js';
import { PASSWORD, seedDiscussion } from './discussion-fixture.js';
import { joinGroup } from './moderation.js';

/**
 * The discussion fixture plus what moderation pages show: Mina the
 * moderator; flags with reasons on a post and a comment (in the queue); a
 * hidden comment in the main thread; a hidden post; a locked discussion; a banned account;
 * and the log entries those acts wrote.
 */
export async function seedModeration(services: Services, db: Db) {
  const base = await seedDiscussion(services);
  const { accounts, posts, comments, votes, moderation } = services;
  const mina = await accounts.signup({ username: 'mina', password: PASSWORD });
  await joinGroup(db, 'mina', 'moderator');
  const mod = await accounts.actor(mina.id);
  const flaggers = await Promise.all(['cara', 'dev', 'eli'].map((username) => accounts.signup({ username, password: PASSWORD })));
  const spammy = await accounts.signup({ username: 'spammy', password: PASSWORD });

  const spam = await posts.create(await accounts.actor(spammy.id), { title: 'Cheap watches, best prices', url: 'https://watches.example/deal' });
  if (!spam.created) throw new Error('seedModeration: the spam post was not created');
  const rude = (await comments.add({ postId: base.post.id, author: await accounts.actor(spammy.id), text: 'Only an idiot renders on the server.' })).comment;
  for (const [i, flagger] of flaggers.entries()) {
    const actor = await accounts.actor(flagger.id);
    await votes.apply('post', spam.post.id, actor, 'flag', i === 2 ? 'other' : 'spam');
    if (i < 2) await votes.apply('comment', rude.id, actor, 'flag', 'abusive');
  }
  await votes.apply('comment', base.question.id, await accounts.actor(flaggers[0]!.id), 'flag', 'off-topic');

  const hidden = (await comments.add({ postId: base.post.id, author: await accounts.actor(spammy.id), text: 'Visit watches.example for the best deals!' })).comment;
  await moderation.act(mod, 'comment', hidden.id, 'hide', 'Advertising in a discussion');

  const locked = await posts.create(await accounts.actor(base.ben.id), { title: 'Tabs or spaces, once and for all', text: 'Settle it here.' });
  if (!locked.created) throw new Error('seedModeration: the locked post was not created');
  await comments.add({ postId: locked.post.id, author: await accounts.actor(base.asha.id), text: 'Spaces. Next question.' });
  await moderation.act(mod, 'post', locked.post.id, 'lock', 'Going in circles; nothing new for a week');
  await moderation.act(mod, 'post', base.post.id, 'pin', 'A good example of a thread for newcomers');
  const hiddenPost = await posts.create(await accounts.actor(spammy.id), { title: 'Watches again, now cheaper', url: 'https://watches.example/again' });
  if (!hiddenPost.created) throw new Error('seedModeration: the hidden post was not created');
  await moderation.act(mod, 'post', hiddenPost.post.id, 'hide', 'Spam, again');
  await moderation.ban(mod, 'spammy', { reason: 'Advertising watches in every thread' });

  return { ...base, mina, spammy, spamPost: spam.post, rude, hidden, hiddenPost: hiddenPost.post, locked: locked.post };
}

export type ModerationFixture = Awaited<ReturnType<typeof seedModeration>>;
