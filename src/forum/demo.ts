// `charcha seed --demo`: people, discussions and one long thread to look at
// (and to benchmark). Goes through the services, so every rule and counter holds.
import type { Services } from '../app.js';

export const DEMO_PASSWORD = 'demo-password-123';
export const DEMO_THREAD_TITLE = 'A long thread: what makes a discussion forum fast?';

const NAMES = ['ramesh', 'amit', 'swetha', 'anamika', 'priya', 'rahul', 'meera', 'vikram', 'divya', 'arjun'];
const WORDS = 'speed caching index query thread comment vote page render latency budget server browser cookie session markdown ranking path tree reply'.split(' ');

/** A small deterministic random source, so two demo databases are alike. */
function seeded(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export async function seedDemo(services: Services, options: { posts?: number; threadComments?: number } = {}): Promise<{ longThreadId: number; users: string[] }> {
  const random = seeded(42);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const sentence = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');

  const users = [];
  for (const name of NAMES) {
    users.push((await services.accounts.findByUsername(name)) ?? (await services.accounts.signup({ username: name, password: DEMO_PASSWORD })));
  }

  const postCount = options.posts ?? 60;
  for (let i = 0; i < postCount; i++) {
    const author = pick(users);
    const withUrl = i % 3 !== 0;
    const result = await services.posts.create(author.id, {
      title: `${sentence(5)} (${i + 1})`,
      url: withUrl ? `https://example.com/articles/${i + 1}` : undefined,
      text: withUrl ? undefined : `${sentence(30)}\n\n*${sentence(8)}*`,
    });
    if (!result.created) continue;
    for (const voter of users) {
      if (voter.id === author.id || random() < 0.5) continue;
      await services.votes.apply('post', result.post.id, voter.id, random() < 0.85 ? 'upvote' : 'downvote');
    }
  }

  const threadAuthor = users[0]!;
  const thread = await services.posts.create(threadAuthor.id, { title: DEMO_THREAD_TITLE, text: 'Share what you measured.' });
  const longThreadId = thread.created ? thread.post.id : thread.existingId;
  const ids: { id: number; depth: number }[] = [];
  const commentCount = options.threadComments ?? 1000;
  for (let i = 0; i < commentCount; i++) {
    const parent = ids.length > 0 && random() < 0.7 ? pick(ids) : undefined;
    const { comment } = await services.comments.add({
      postId: longThreadId,
      parentId: parent && parent.depth < 12 ? parent.id : undefined,
      authorId: pick(users).id,
      text: `${sentence(12 + Math.floor(random() * 30))} #${i + 1}`,
    });
    ids.push({ id: comment.id, depth: comment.depth });
    if (random() < 0.3) {
      const voter = pick(users);
      if (voter.id !== comment.author_id) await services.votes.apply('comment', comment.id, voter.id, random() < 0.8 ? 'upvote' : 'downvote');
    }
  }
  return { longThreadId, users: NAMES };
}
