import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../src/forum/posts.js';
import { useTestApp } from './support/app.js';
import { comment, member, startDiscussion } from './support/forum.js';

describe('starting a discussion', () => {
  const t = useTestApp();

  it('needs a signed-in user: visitors go to the login page and come back', async () => {
    const response = await t().app.inject({ method: 'GET', url: '/start-discussion/' });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/login?next=${encodeURIComponent('/start-discussion/')}`);
  });

  it('stores title, link and rendered text, and shows them on the discussion page', async () => {
    const alice = await member(t().app);
    const id = await startDiscussion(alice, { title: 'Fast forums', url: 'https://www.example.com/fast?utm_source=x', text: 'Read *this*.' });
    const page = await alice.get(`/discuss/${id}/`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1><a href="https://www.example.com/fast?utm_source=x" rel="nofollow ugc noopener">Fast forums</a> <span class="domain">(example.com)</span></h1>');
    expect(page.body).toContain('<p>Read <em>this</em>.</p>');
    expect(page.body).toContain(`<title>Fast forums · Charcha</title>`);
  });

  it('refuses invalid input with a message per field, keeps the input, writes nothing', async () => {
    const alice = await member(t().app);
    const count = async () => Number((await t().db.kysely.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    const cases: [Record<string, string>, string, string][] = [
      [{ title: '', text: 'x' }, 'title', 'title is required'],
      [{ title: 'x'.repeat(121), text: 'x' }, 'title', 'within 120'],
      [{ title: 'ok', url: 'javascript:alert(1)' }, 'url', 'http:// or https://'],
      [{ title: 'ok', url: 'ftp://example.com/file' }, 'url', 'http:// or https://'],
      [{ title: 'ok', text: 'x'.repeat(8193) }, 'text', 'within 8192'],
      [{ title: 'ok' }, 'text', 'link, some text, or both'],
    ];
    for (const [fields, field, message] of cases) {
      await alice.get('/start-discussion/');
      const response = await alice.post('/start-discussion/', { text: '', ...fields });
      expect(response.statusCode, JSON.stringify(fields)).toBe(400);
      expect(response.body).toContain(`id="f-${field}-error"`);
      expect(response.body).toContain(message);
      if (fields.title) expect(response.body).toContain(`value="${fields.title.slice(0, 50)}`);
    }
    expect(await count()).toBe(before);
    // A 120-character title is fine.
    await startDiscussion(alice, { title: 'y'.repeat(120) });
  });

  it('leads a link submitted again within 30 days to the existing discussion', async () => {
    const alice = await member(t().app);
    const bob = await member(t().app);
    const first = await startDiscussion(alice, { title: 'Original', url: 'https://example.org/story/' });
    const again = await startDiscussion(bob, { title: 'Same link, other words', url: 'http://www.example.org/story?utm_campaign=z' });
    expect(again).toBe(first);
    t().clock.advance(31 * 24 * 3_600_000);
    const carol = await member(t().app); // the others' sessions have expired meanwhile
    const later = await startDiscussion(carol, { title: 'A month later', url: 'https://example.org/story' });
    expect(later).not.toBe(first);
  });

  it('lets the author edit and delete; others get 403 and change nothing', async () => {
    const alice = await member(t().app);
    const bob = await member(t().app);
    const id = await startDiscussion(alice, { title: 'Before', text: 'old text' });
    const bobCommentId = await comment(bob, id, 'bob was here');

    await bob.get(`/discuss/${id}/`);
    expect((await bob.get(`/discuss/${id}/edit/`)).statusCode).toBe(403);
    expect((await bob.post(`/discuss/${id}/edit/`, { title: 'Hijacked', text: 'x' })).statusCode).toBe(403);
    expect((await bob.post(`/discuss/${id}/delete/`)).statusCode).toBe(403);
    expect((await t().services.posts.require(id)).title).toBe('Before');

    const form = await alice.get(`/discuss/${id}/edit/`);
    expect(form.body).toContain('value="Before"');
    expect((await alice.post(`/discuss/${id}/edit/`, { title: 'After', text: 'new text' })).statusCode).toBe(303);
    const edited = await t().services.posts.require(id);
    expect(edited).toMatchObject({ title: 'After', text: 'new text' });
    expect(edited.edited_at).not.toBeNull();

    expect((await alice.post(`/discuss/${id}/delete/`)).statusCode).toBe(303);
    const page = await alice.get(`/discuss/${id}/`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1>[deleted]</h1>');
    expect(page.body).not.toContain('new text');
    expect(page.body).toContain(`id="c${bobCommentId}"`); // comments keep their place
    expect((await alice.get('/new')).body).not.toContain(`/discuss/${id}/`);
  });

  it('asks before deleting a discussion, from a link on it and on its edit page', async () => {
    const alice = await member(t().app);
    const bob = await member(t().app);
    const id = await startDiscussion(alice, { title: 'Soon gone', url: 'https://example.org/gone' });
    const confirm = `/discuss/${id}/delete/`;
    expect((await alice.get(`/discuss/${id}/`)).body).toContain(`<a href="${confirm}">delete</a>`);
    expect((await bob.get(`/discuss/${id}/`)).body).not.toContain(`href="${confirm}"`);
    expect((await alice.get(`/discuss/${id}/edit/`)).body).toContain(`<a href="${confirm}" class="danger">Delete this discussion…</a>`);
    const page = await alice.get(confirm);
    expect(page.body).toContain('<h1>Delete this discussion?</h1>');
    expect(page.body).toContain('<strong>Soon gone</strong> <span class="domain">(example.org)</span>');
    expect(page.body).toContain(`<form method="post" action="${confirm}" class="confirm">`);
    expect((await bob.get(confirm)).statusCode).toBe(403);
    expect((await alice.post(confirm)).statusCode).toBe(303);
    expect((await alice.get(confirm)).statusCode).toBe(404);
  });

  it('answers 404 pages for unknown or malformed ids', async () => {
    for (const url of ['/discuss/999999/', '/discuss/abc/', '/comments/999999/', '/profile/nobody-at-all/', '/no/such/page']) {
      const response = await t().app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type']).toContain('text/html');
      expect(response.body).not.toMatch(/at .*\.(ts|js):\d+/); // no stack traces
    }
    expect((await t().app.inject({ method: 'GET', url: '/discuss/999999/' })).statusCode).toBe(404);
  });
});

describe('listings', () => {
  const t = useTestApp();

  it('shows 30 a page, newest first on /new, with pagination and every row field', async () => {
    const alice = await member(t().app);
    const ids: number[] = [];
    for (let i = 0; i < PAGE_SIZE + 5; i++) {
      t().clock.advance(60_000);
      ids.push(await startDiscussion(alice, { title: `Story number ${i}`, url: `https://news.example.com/${i}` }));
    }
    const first = await t().app.inject({ method: 'GET', url: '/new' });
    const titles = [...first.body.matchAll(/>Story number (\d+)</g)].map((m) => Number(m[1]));
    expect(titles).toEqual(Array.from({ length: PAGE_SIZE }, (_, i) => PAGE_SIZE + 4 - i));
    expect(first.body).toContain('href="/new?page=2" rel="next"');
    expect(first.body).toContain('(news.example.com)');
    expect(first.body).toContain(`<a href="/profile/${alice.username}/">${alice.username}</a>`);
    expect(first.body).toContain('<time datetime=');
    expect(first.body).toContain('0 points');
    expect(first.body).toContain('>discuss</a>');
    const second = await t().app.inject({ method: 'GET', url: '/new?page=2' });
    expect([...second.body.matchAll(/>Story number (\d+)</g)].map((m) => Number(m[1]))).toEqual([4, 3, 2, 1, 0]);
    expect(second.body).toContain('href="/new?page=1" rel="prev"');
    expect(second.body).not.toContain('rel="next"');
    expect((await t().app.inject({ method: 'GET', url: '/new?page=0' })).statusCode).toBe(400);
    expect((await t().app.inject({ method: 'GET', url: '/new?page=x' })).statusCode).toBe(400);
  });

  it('ranks the front page by votes decaying with age', async () => {
    const authors = [await member(t().app), await member(t().app)];
    const voters = await Promise.all([1, 2, 3, 4, 5].map(() => member(t().app)));
    const old = await startDiscussion(authors[0]!, { title: 'Old but loved', url: 'https://rank.example/old' });
    for (const v of voters) await v.fetchJson(`/api/posts/${old}/upvote`);
    t().clock.advance(3 * 3_600_000);
    const fresh = await startDiscussion(authors[1]!, { title: 'Fresh and quiet', url: 'https://rank.example/fresh' });
    const order = (body: string) => [...body.matchAll(/>(Old but loved|Fresh and quiet)</g)].map((m) => m[1]);
    // Five votes outweigh three hours...
    expect(order((await t().app.inject({ method: 'GET', url: '/' })).body)).toEqual(['Old but loved', 'Fresh and quiet']);
    // ...but not three days: a newer post with one vote overtakes it.
    t().clock.advance(3 * 24 * 3_600_000);
    const newer = await startDiscussion(authors[1]!, { title: 'Fresh and quiet', url: 'https://rank.example/newer' });
    await voters[0]!.fetchJson(`/api/posts/${newer}/upvote`);
    expect(order((await t().app.inject({ method: 'GET', url: '/' })).body)[0]).toBe('Fresh and quiet');
    expect(fresh).toBeGreaterThan(old);
  });

  it('shows the signed-in reader which posts they voted on', async () => {
    const alice = await member(t().app);
    const bob = await member(t().app);
    const id = await startDiscussion(alice, { title: 'Vote on me', url: 'https://votes.example/1' });
    await bob.fetchJson(`/api/posts/${id}/upvote`);
    const page = await bob.get('/new');
    expect(page.body).toContain(`formaction="/api/posts/${id}/unvote" aria-label="Upvote" aria-pressed="true"`);
  });

  it('keeps the front page under 30 KB', async () => {
    const response = await t().app.inject({ method: 'GET', url: '/' });
    const reader = await member(t().app);
    const signedIn = await reader.get('/');
    expect(response.body).toContain('Story number');
    expect(Buffer.byteLength(response.body)).toBeLessThan(30 * 1024);
    expect(Buffer.byteLength(signedIn.body)).toBeLessThan(30 * 1024);
  });
});
