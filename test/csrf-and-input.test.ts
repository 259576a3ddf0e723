// Security from day one (issue 3 hardens and proves the rest).
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { maskToken, unmaskToken } from '../src/security/csrf.js';
import { BrowserSession } from './support/browser-session.js';
import { comment, member, startDiscussion } from './support/forum.js';

describe('CSRF', () => {
  const t = useTestApp();
  const countComments = async () =>
    Number((await t().db.kysely.selectFrom('comments').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  it('puts the session token in every form and accepts it as field or header', async () => {
    const alice = await member(t().app);
    const postId = await startDiscussion(alice);
    const page = await alice.get(`/discuss/${postId}/`);
    const tokens = new Set([...page.body.matchAll(/name="_csrf" value="([^"]+)"/g)].map((m) => m[1]));
    expect(tokens.size).toBe(1);
    const bob = await member(t().app);
    await bob.get(`/discuss/${postId}/`);
    expect((await bob.fetchJson(`/api/posts/${postId}/upvote`)).statusCode).toBe(200);
    const djangoHeader = await bob.fetchJson(`/api/posts/${postId}/downvote`, { 'x-csrf-token': '', 'x-csrftoken': bob.csrf });
    expect(djangoHeader.statusCode).toBe(200);
  });

  it('masks the token afresh for every page (BREACH), and each masking of it posts', async () => {
    const alice = await member(t().app);
    const postId = await startDiscussion(alice);
    const tokenOn = async () => (await alice.get(`/discuss/${postId}/`)).body.match(/name="_csrf" value="([^"]+)"/)![1]!;
    const [first, second] = [await tokenOn(), await tokenOn()];
    expect(first).not.toBe(second);
    expect(first).not.toContain(unmaskToken(first));
    expect(unmaskToken(first)).toBe(unmaskToken(second));
    for (const token of [first, second]) {
      expect((await alice.post(`/discuss/${postId}/`, { text: `posted with ${token.slice(0, 6)}`, _csrf: token })).statusCode).toBe(303);
    }
    // A masking of another token, or a mangled one, is just a wrong token.
    const tampered = `${first.split('~')[0]}~${maskToken('x'.repeat(43)).split('~')[1]}`;
    expect((await alice.post(`/discuss/${postId}/`, { text: 'tampered', _csrf: tampered })).statusCode).toBe(403);
  });

  it('refuses missing, wrong, other-session and post-logout tokens, and cross-origin posts: 403, nothing written', async () => {
    const alice = await member(t().app);
    const mallory = await member(t().app);
    const postId = await startDiscussion(alice);
    await alice.get(`/discuss/${postId}/`);
    const before = await countComments();
    const attempts = [
      () => alice.post(`/discuss/${postId}/`, { text: 'no token', _csrf: null }),
      () => alice.post(`/discuss/${postId}/`, { text: 'wrong token', _csrf: 'x'.repeat(43) }),
      () => alice.post(`/discuss/${postId}/`, { text: 'mallory token', _csrf: mallory.csrf }),
      () => alice.post(`/discuss/${postId}/`, { text: 'evil origin' }, { origin: 'https://evil.example' }),
      () => alice.post(`/discuss/${postId}/`, { text: 'null origin' }, { origin: 'null' }),
      () => alice.post(`/discuss/${postId}/`, { text: 'cross-site fetch' }, { 'sec-fetch-site': 'cross-site' }),
      () => alice.fetchJson(`/api/posts/${postId}/flag`, { 'x-csrf-token': 'forged' }),
    ];
    for (const attempt of attempts) {
      const response = await attempt();
      expect(response.statusCode).toBe(403);
    }
    const html = await alice.post(`/discuss/${postId}/`, { text: 'x', _csrf: null });
    expect(html.body).toContain('Nothing was changed');
    expect(await countComments()).toBe(before);
    expect((await t().services.posts.require(postId)).flags).toBe(0);

    const oldToken = alice.csrf;
    const oldSid = alice.cookies.get('sid')!;
    await alice.post('/logout');
    await alice.login(alice.username);
    const replay = await alice.post(`/discuss/${postId}/`, { text: 'old token', _csrf: oldToken });
    expect(replay.statusCode).toBe(403);
    const oldSession = new BrowserSession(t().app);
    oldSession.cookies.set('sid', oldSid);
    const oldCookie = await oldSession.post(`/discuss/${postId}/`, { text: 'old cookie', _csrf: oldToken });
    expect(oldCookie.statusCode).toBe(303);
    expect(oldCookie.headers.location).toMatch(/^\/login/);
    expect(await countComments()).toBe(before);
  });

  it('protects the login and signup forms with a signed, session-less token', async () => {
    const name = `victim${Date.now()}`;
    await new BrowserSession(t().app).signup(name);
    const attacker = new BrowserSession(t().app);
    const noCookie = await attacker.post('/login', { username: name, password: 'correct-horse-battery', _csrf: 'made-up' });
    expect(noCookie.statusCode).toBe(403);
    await attacker.get('/login');
    const other = new BrowserSession(t().app);
    await other.get('/login');
    const swapped = await attacker.post('/login', { username: name, password: 'correct-horse-battery', _csrf: other.csrf });
    expect(swapped.statusCode).toBe(403);
    const signup = await new BrowserSession(t().app).post('/signup', { username: `x${Date.now()}`, password: 'a-long-enough-secret' });
    expect(signup.statusCode).toBe(403);
    const cookie = (await new BrowserSession(t().app).get('/login')).cookies.find((c) => c.name === 'csrf_pre');
    expect(cookie).toMatchObject({ sameSite: 'Strict', httpOnly: true });
  });
});

describe('input allow-lists and escaping', () => {
  const t = useTestApp();

  const signupForm = async () => {
    const visitor = new BrowserSession(t().app);
    await visitor.get('/signup');
    return visitor;
  };

  it('rejects unknown fields on write routes and changes nothing', async () => {
    const alice = await member(t().app);
    const bob = await member(t().app);
    const postId = await startDiscussion(alice);
    const commentId = await comment(alice, postId, 'original');
    await alice.get(`/discuss/${postId}/`);
    const extra = { author_id: '999', upvotes: '1000', score: '1000', is_superuser: '1', wbs: '.0001', created_at: '0' };
    for (const [field, value] of Object.entries(extra)) {
      const responses = [
        await alice.post('/start-discussion/', { title: 'Mass assignment', text: 'x', [field]: value }),
        await alice.post(`/discuss/${postId}/edit/`, { title: 'Edited', text: 'x', [field]: value }),
        await alice.post(`/discuss/${postId}/`, { text: 'sneaky', [field]: value }),
        await alice.post(`/comments/${commentId}/edit/`, { text: 'sneaky', [field]: value }),
        await bob.post(`/api/posts/${postId}/upvote`, { [field]: value }),
        await signupForm().then((visitor) => visitor.post('/signup', { username: `u${Date.now()}`, password: 'a-long-enough-secret', [field]: value })),
      ];
      for (const r of responses) expect(r.statusCode, field).toBe(400);
    }
    const post = await t().services.posts.require(postId);
    expect(post).toMatchObject({ title: 'A discussion', upvotes: 0, num_comments: 1, author_id: (await t().services.accounts.findByUsername(alice.username))!.id });
    expect((await t().services.comments.require(commentId)).text).toBe('original');
  });

  it('escapes user text everywhere and sanitises Markdown', async () => {
    const alice = await member(t().app, 'x');
    const payload = `<script>alert(1)</script><img src=x onerror=alert(2)>"'`;
    const postId = await startDiscussion(alice, { title: payload, text: `${payload}\n\n[click](javascript:alert(3)) <a href="javascript:alert(4)">x</a>` });
    await comment(alice, postId, `${payload} [data](data:text/html;base64,PHNjcmlwdD4=)`);
    for (const url of [`/discuss/${postId}/`, '/new', `/profile/${alice.username}/`]) {
      const body = (await t().app.inject({ method: 'GET', url })).body;
      expect(body, url).not.toContain('<script>alert');
      expect(body, url).not.toContain('<img');
      expect(body, url).not.toMatch(/<a [^>]*href="(javascript|data):/);
      expect(body, url).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
  });
});

describe('URLs', () => {
  const t = useTestApp();

  it('answer with and without the trailing slash', async () => {
    const alice = await member(t().app);
    const postId = await startDiscussion(alice);
    for (const url of [`/discuss/${postId}/`, `/discuss/${postId}`, '/new', '/new/', `/profile/${alice.username}`, `/profile/${alice.username}/`, '/login', '/login/', '/signup/']) {
      expect((await t().app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
    for (const url of ['/start-discussion', '/start-discussion/']) expect((await alice.get(url)).statusCode, url).toBe(200);
  });

  it('serve fingerprinted static files with far-future caching and pre-compressed bodies', async () => {
    const page = await t().app.inject({ method: 'GET', url: '/' });
    const css = /href="(\/static\/style\.[0-9a-f]+\.css)"/.exec(page.body)![1]!;
    const response = await t().app.inject({ method: 'GET', url: css, headers: { 'accept-encoding': 'br' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-encoding']).toBe('br');
    expect(String(response.headers['cache-control'])).toContain('immutable');
  });
});

describe('CSRF over HTTPS and with trusted origins', () => {
  const t = useTestApp({ TRUST_PROXY: '1', TRUSTED_ORIGINS: 'https://app.example' });
  // As a TLS-terminating proxy forwards requests for https://forum.example.
  const https = { 'x-forwarded-proto': 'https', host: 'forum.example' };

  it('needs a same-origin Referer when an HTTPS request carries no Origin', async () => {
    const alice = new BrowserSession(t().app);
    await alice.get('/signup', https);
    const signup = await alice.post('/signup', { username: `tls${Date.now()}`, password: 'a-long-enough-secret' }, { ...https, origin: 'https://forum.example' });
    expect(signup.statusCode).toBe(303);
    await alice.get('/start-discussion/', https); // the page's form token
    const count = async () => Number((await t().db.kysely.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    const post = (headers: Record<string, string>) =>
      t().app.inject({
        method: 'POST',
        url: '/start-discussion/',
        payload: new URLSearchParams({ title: 'Over TLS', text: 'x', _csrf: alice.csrf }).toString(),
        headers: { ...https, 'content-type': 'application/x-www-form-urlencoded', cookie: `__Host-sid=${alice.cookies.get('__Host-sid')}`, ...headers },
      });
    expect((await post({})).statusCode).toBe(403);
    expect((await post({ referer: 'https://evil.example/page' })).statusCode).toBe(403);
    expect((await post({ referer: 'http://forum.example/start-discussion/' })).statusCode).toBe(403);
    expect(await count()).toBe(before);
    expect((await post({ referer: 'https://forum.example/start-discussion/' })).statusCode).toBe(303);
    expect((await post({ origin: 'https://app.example' })).statusCode).toBe(303);
    expect(await count()).toBe(before + 2);
  });
});
