// `charcha seed --demo`: a forum to look at (and to benchmark): members, link and
// text discussions over the last few days with threads of mixed depth, and one
// 1,000-comment thread. Goes through the services, so every rule and counter
// holds; a clock of its own spreads the activity over time. Running it again
// adds nothing.
import type { Services } from '../services.js';
import type { User } from '../db/schema.js';
import type { Clock } from '../errors.js';
import { MAX_DEPTH } from './wbs.js';

export const DEMO_PASSWORD = 'demo-password-123';
export const DEMO_THREAD_TITLE = 'A long thread: what makes a discussion forum fast?';

const NAMES = ['ramesh', 'amit', 'swetha', 'anamika', 'priya', 'rahul', 'meera', 'vikram', 'divya', 'arjun'];

interface DemoPost {
  title: string;
  url?: string;
  text?: string;
}

// Newest last: the last ones get the most recent times.
const POSTS: DemoPost[] = [
  { title: 'SQLite in production: what broke, what did not', url: 'https://sqlite.org/whentouse.html' },
  { title: 'Ask: how do you back up a small self-hosted app?', text: 'I run a couple of small apps on one VPS. Right now I copy the database file with `cp` at night, which I suspect is **wrong** while the app is writing.\n\nWhat do you do? Bonus points for something that also works for PostgreSQL.' },
  { title: 'Write-Ahead Logging explained', url: 'https://sqlite.org/wal.html' },
  { title: 'The details element is underrated', url: 'https://developer.mozilla.org/en-US/docs/Web/HTML/Element/details' },
  { title: 'Show: a forum that works without JavaScript', text: 'Every action here is a plain form: voting, replying, collapsing threads (`<details>`). The script only makes voting skip the page reload.\n\nWhat would you expect from a small forum that this one does not do yet?' },
  { title: 'PostgreSQL 17 release notes', url: 'https://www.postgresql.org/docs/release/17.0/' },
  { title: 'Content Security Policy without unsafe-inline', url: 'https://web.dev/articles/strict-csp' },
  { title: 'Ask: tabs or a tree for long comment threads?', text: 'Reading a 500-comment thread on a phone is painful either way. Flat with quotes, or a tree with collapsing?\n\n- flat: easy to read in order, hard to follow a sub-discussion\n- tree: easy to skip a branch, deep levels get narrow\n\nWhich do you prefer, and why?' },
  { title: 'How the Hacker News ranking formula works', url: 'https://example.com/hn-ranking-explained' },
  { title: 'Argon2 parameters in 2026', url: 'https://www.rfc-editor.org/rfc/rfc9106.html' },
  { title: 'Reverse proxies: Caddy vs nginx for a one-person project', text: 'Caddy gets TLS certificates on its own; nginx is everywhere and documented to death.\n\n```\nforum.example.org {\n  reverse_proxy localhost:3000\n}\n```\n\nThat is the entire Caddy config. Is there a catch?' },
  { title: 'WCAG 2.2: target size (minimum)', url: 'https://www.w3.org/WAI/WCAG22/Understanding/target-size-minimum.html' },
  { title: 'Show: I measured our page weight for a month', text: '## What we found\n\n| Page | Before | After |\n|:--|--:|--:|\n| Front page | 182 KB | 24 KB |\n| Long thread | 1.9 MB | 310 KB |\n\nMost of it was fonts and a carousel nobody used. Details in the comments.' },
  { title: 'Why we stopped using an ORM', url: 'https://example.org/blog/why-we-stopped-using-an-orm' },
  { title: 'Dark mode with prefers-color-scheme and nothing else', url: 'https://developer.mozilla.org/en-US/docs/Web/CSS/@media/prefers-color-scheme' },
  { title: 'Ask: what makes you trust a small forum?', text: 'New communities have a cold-start problem. When you land on a forum you have never seen, what makes you stay, sign up, and post?' },
  { title: 'Cookies: SameSite=Lax is the default now', url: 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Set-Cookie' },
  { title: 'Materialised paths for threaded comments', url: 'https://example.com/materialised-paths' },
  { title: 'The Lobsters codebase is worth reading', url: 'https://github.com/lobsters/lobsters' },
  { title: 'Show: a 40-line HTML template function that escapes by default', text: 'Tagged templates make this easy:\n\n```ts\nconst page = html`<h1>${title}</h1>`;\n```\n\nEvery value is escaped unless it is already marked safe. No build step, no JSX.' },
  { title: 'Rate limiting without Redis', url: 'https://example.net/rate-limiting-in-memory' },
  { title: 'Ask: do you still write RSS feeds for your projects?', text: 'I keep adding Atom feeds to things and have no idea whether anybody reads them. Do you use a feed reader in 2026?' },
  { title: 'Server-rendered HTML is fast, actually', url: 'https://example.com/server-rendered-html-is-fast' },
  { title: 'OWASP Cheat Sheet: Cross-Site Request Forgery', url: 'https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html' },
  { title: 'Ask: how small can a useful test suite be?', text: 'For a side project, I want tests that catch real breakage without becoming a second job.\n\n> Test behaviour, not implementation.\n\nSure, but where do you stop?' },
  { title: 'Reddit’s hot ranking, with the maths', url: 'https://example.org/reddit-hot-ranking' },
  { title: 'Fastify 5 migration notes', url: 'https://fastify.dev/docs/latest/Guides/Migration-Guide-V5/' },
  { title: 'Show: running the whole test suite on SQLite and PostgreSQL', text: 'Same tests, two databases, one command. The PostgreSQL half starts a throwaway cluster with `initdb` and removes it afterwards. It found three real bugs in the first week.' },
  { title: 'Markdown is a good enough format for comments', url: 'https://commonmark.org/help/' },
  { title: 'Ask: what do you log in production?', text: 'One line per request, errors with stack traces, and… what else? Where do you draw the line between useful and noise?' },
];

// Replies in the small threads; some Markdown, a link or two.
const REPLIES = [
  'Agreed. We did the same last year and never looked back.',
  'This matches what I measured: most of the time goes to the database, not to rendering.',
  'Do you have numbers for that? I would love to see the **before and after**.',
  'Counterpoint: it works until it does not, and then you have to migrate under pressure.',
  'The docs say as much: [read the section on limits](https://sqlite.org/limits.html).',
  'We use `VACUUM INTO` for backups and it has been fine for years.',
  'Small thing, but *thank you* for writing this up properly.',
  'I tried this and hit one problem:\n\n```\nSQLITE_BUSY: database is locked\n```\n\nA `busy_timeout` fixed it.',
  'Which version was this on? Behaviour changed a few releases ago.',
  'The trick is to measure on the slowest phone you can find, not on your laptop.',
  '> it works without JavaScript\n\nThis is the part I care about most.',
  'Not sure I follow. Could you give an example?',
  'Same experience here. The boring choice was the right one.',
  'Two things that helped us:\n\n1. indexes on every foreign key\n2. one query per page section, never one per row',
  'I disagree a little: the tree view is much better once threads pass a hundred comments.',
  'Good question. We ended up with a mix: tree on desktop, flatter on phones.',
  'There is a good write-up on this on [MDN](https://developer.mozilla.org/).',
  'Bookmarked. The table alone was worth it.',
  'How does this behave behind a reverse proxy?',
  'Behind Caddy it just works; nginx needs the forwarded headers set.',
  'We saw a 3× speed-up from caching prepared statements alone.',
  'This is the kind of post that keeps me coming back here.',
  'Is the source somewhere? I would like to try it.',
  'Careful with that: it breaks if two processes write at once.',
];

// The long thread: every comment a different combination of these.
const OPENERS = ['In my experience,', 'We measured this:', 'Honestly,', 'Small data point:', 'From running a forum for years:', 'Counterpoint:', 'Agreed, and', 'One more thing:', 'Surprisingly,', 'For what it is worth,'];
const CLAIMS = [
  'the biggest win was rendering on the server and sending less HTML',
  'an index on the vote lookup took the thread page from 400 ms to 12 ms',
  'N+1 queries were the whole problem, and one query per page section fixed it',
  'caching the front page for a minute was enough for every spike we had',
  'materialised paths made threaded reads a single ordered scan',
  'denormalised counters beat counting votes on every page view',
  'web fonts cost more than all of our JavaScript combined',
  'SQLite in WAL mode handled far more than we expected',
  'gzip and brotli at build time saved CPU on every request',
  'keeping the session lookup to one query per request mattered more than anything clever',
  'pagination of long threads mattered more than raw rendering speed',
  'the slowest part was the ORM building objects nobody used',
  'a connection pool sized to the CPU count was faster than a big one',
  '`Cache-Control: immutable` on fingerprinted assets removed half our requests',
  'moving ranking into a stored, indexed column made the front page one range read',
];
const CLOSERS = ['', ' Your mileage may vary.', ' Measure before you change anything.', ' Happy to share the numbers.', ' It surprised us too.', ' Worth trying on a copy of your data first.', ' See the Server-Timing header to check.', ' That alone was worth the rewrite.'];

/** A small deterministic random source, so two demo databases are alike. */
function seeded(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface DemoResult {
  /** False when the demo was already there: nothing was added. */
  added: boolean;
  longThreadId: number;
  users: string[];
}

/** The long thread, if an earlier run made it: the first demo member's post of that title. */
async function existingDemo(services: Services): Promise<number | undefined> {
  const author = await services.accounts.findByUsername(NAMES[0]!);
  if (!author) return undefined;
  for (let page = 1; ; page++) {
    const { posts, hasMore } = await services.posts.list('new', page, author.id);
    const thread = posts.find((p) => p.title === DEMO_THREAD_TITLE);
    if (thread) return thread.id;
    if (!hasMore) return undefined;
  }
}

/**
 * Seeds the demo through services built on the demo's own clock (`open`), ending
 * at `now`. `posts` and `threadComments` shrink it for tests.
 */
export async function seedDemo(
  open: (now: Clock) => Services,
  options: { posts?: number; threadComments?: number; now?: number } = {},
): Promise<DemoResult> {
  const end = options.now ?? Date.now();
  let time = end;
  const services = open(() => time);
  const existing = await existingDemo(services);
  if (existing !== undefined) return { added: false, longThreadId: existing, users: NAMES };

  const random = seeded(42);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const later = (min: number, max: number) => {
    time = Math.min(end, time + min + Math.floor(random() * (max - min)));
  };

  time = end - 30 * 24 * HOUR;
  const users: User[] = [];
  for (const name of NAMES) {
    users.push((await services.accounts.findByUsername(name)) ?? (await services.accounts.signup({ username: name, password: DEMO_PASSWORD })));
    later(HOUR, 24 * HOUR);
  }
  const vote = async (target: 'post' | 'comment', id: number, authorId: number, chance: number) => {
    for (const voter of users) {
      if (voter.id === authorId || random() > chance) continue;
      await services.votes.apply(target, id, await services.accounts.actor(voter.id), random() < 0.85 ? 'upvote' : 'downvote');
    }
  };

  // The long thread first (two days ago), so the discussions after it are the freshest.
  time = end - 48 * HOUR;
  const threadAuthor = users[0]!;
  const thread = await services.posts.create(await services.accounts.actor(threadAuthor.id), {
    title: DEMO_THREAD_TITLE,
    text: 'Share what you **measured**, not what you believe: page weight, query counts, response times.\n\nWhat made the biggest difference for your forum or app?',
  });
  const longThreadId = thread.created ? thread.post.id : thread.existingId;
  const threadComments: { id: number; depth: number }[] = [];
  for (let i = 0; i < (options.threadComments ?? 1000); i++) {
    later(MINUTE, 4 * MINUTE);
    const parent = threadComments.length > 0 && random() < 0.7 ? pick(threadComments) : undefined;
    const authorId = pick(users).id;
    // The same text from the same author under the same parent is taken as a double submit: vary it.
    let added;
    do {
      added = await services.comments.add({
        postId: longThreadId,
        parentId: parent && parent.depth < MAX_DEPTH ? parent.id : undefined,
        author: await services.accounts.actor(authorId),
        text: `${pick(OPENERS)} ${pick(CLAIMS)}.${pick(CLOSERS)}`,
      });
    } while (added.duplicate);
    threadComments.push({ id: added.comment.id, depth: added.comment.depth });
    if (random() < 0.3) await vote('comment', added.comment.id, authorId, 0.15);
  }

  // The discussions, spread over the last two days, each with a small thread of mixed depth.
  const postCount = Math.min(options.posts ?? POSTS.length, POSTS.length);
  const step = (40 * HOUR) / postCount;
  for (const [i, demo] of POSTS.slice(0, postCount).entries()) {
    time = end - 42 * HOUR + Math.floor(i * step);
    const author = pick(users);
    const result = await services.posts.create(await services.accounts.actor(author.id), demo);
    if (!result.created) continue;
    const postTime = time;
    await vote('post', result.post.id, author.id, 0.2 + random() * 0.6);
    const comments: { id: number; depth: number }[] = [];
    const count = Math.floor(random() * random() * 14);
    for (let c = 0; c < count; c++) {
      later(2 * MINUTE, 90 * MINUTE);
      const parent = comments.length > 0 && random() < 0.6 ? comments[comments.length - 1 - Math.floor(random() * Math.min(3, comments.length))] : undefined;
      const { comment, duplicate } = await services.comments.add({
        postId: result.post.id,
        parentId: parent && parent.depth < 6 ? parent.id : undefined,
        author: await services.accounts.actor(pick(users).id),
        text: pick(REPLIES),
      });
      if (duplicate) continue;
      comments.push({ id: comment.id, depth: comment.depth });
      if (random() < 0.5) await vote('comment', comment.id, comment.author_id, 0.3);
    }
    time = postTime;
  }
  time = end;
  return { added: true, longThreadId, users: NAMES };
}
