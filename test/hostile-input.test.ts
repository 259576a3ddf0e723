// Input an attacker or an odd client sends: NUL bytes, redirect targets
// outside Latin-1, a missing or broken Host, requests the framework refuses
// before any route runs, ids spelt in other ways, tracking parameters. Each
// gets a 4xx answer of ours (page or JSON, with the security headers) or is
// served normally; never a 500.
import type { LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { PASSWORD, seedDiscussion, type DiscussionFixture } from './support/discussion-fixture.js';
import { rawRequest, type RawAnswer } from './support/raw-http.js';
import { concreteUrl } from './support/routes.js';

/** One of our own answers: the status, our page or JSON, and the security headers. */
function expectOurs(response: LightMyRequestResponse | RawAnswer, status: number, kind: 'html' | 'json' = 'html'): void {
  const statusCode = 'statusCode' in response ? response.statusCode : response.status;
  const headers = response.headers as Record<string, unknown>;
  const what = `${statusCode} ${String(response.body).slice(0, 200)}`;
  expect(statusCode, what).toBe(status);
  expect(String(headers['content-type']), what).toContain(kind === 'html' ? 'text/html' : 'application/json');
  if (kind === 'html') expect(response.body, what).toContain('<h1>');
  else expect(JSON.parse(response.body), what).toHaveProperty('error');
  expect(String(headers['content-security-policy']), what).toMatch(/script-src 'self'; style-src 'self';.*frame-ancestors 'none'/);
  expect(headers['x-frame-options'], what).toBe('DENY');
  expect(headers['x-content-type-options'], what).toBe('nosniff');
}

describe('hostile or odd input', () => {
  const t = useTestApp();
  let f: DiscussionFixture;
  let asha: BrowserSession;
  let port: number;
  const html = { accept: 'text/html,application/xhtml+xml' };
  const json = { accept: 'application/json' };

  const countRows = async () => {
    const db = t().db.kysely;
    const count = async (table: 'users' | 'posts' | 'comments') =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    return [await count('users'), await count('posts'), await count('comments')];
  };

  beforeAll(async () => {
    f = await seedDiscussion(t().services);
    asha = new BrowserSession(t().app);
    await asha.login('asha', PASSWORD);
    await t().app.listen({ host: '127.0.0.1', port: 0 });
    port = (t().app.server.address() as { port: number }).port;
  });

  describe('NUL bytes', () => {
    it('in a form field: 400 on every form, nothing stored', async () => {
      const before = await countRows();
      const discussion = `/discuss/${f.post.id}/`;
      await asha.get(discussion);
      const member = [
        () => asha.post(discussion, { text: 'before\u0000after' }),
        () => asha.post('/start-discussion/', { title: 'Nul\u0000title', text: 'x' }),
        () => asha.post(`/comments/${f.answer.id}/reply/`, { text: '\u0000' }),
        () => asha.post(`/api/posts/${f.post.id}/upvote`, { next: '/\u0000' }),
      ];
      for (const send of member) expectOurs(await send(), 400);
      const visitor = new BrowserSession(t().app);
      await visitor.get('/signup');
      expectOurs(await visitor.post('/signup', { username: 'nul\u0000name', password: 'a-long-enough-secret' }), 400);
      await visitor.get('/login');
      expectOurs(await visitor.post('/login', { username: 'asha\u0000', password: PASSWORD }), 400);
      expect(await countRows()).toEqual(before);
    });

    it('in a path segment or the query string: 400, page or JSON', async () => {
      for (const url of ['/profile/%00/', '/profile/asha%00/', '/discuss/1%00/', `/discuss/${f.post.id}/?sort=%00`, '/login?next=/%00', '/%00']) {
        expectOurs(await t().app.inject({ url, headers: html }), 400);
      }
      expectOurs(await t().app.inject({ url: '/profile/%00/', headers: json }), 400, 'json');
      expectOurs(await asha.fetchJson(`/api/posts/${f.post.id}/upvote?x=%00`), 400, 'json');
    });

    it('spelt as text ("%2500", "\\0") is only text', async () => {
      const response = await t().app.inject({ url: '/profile/%2500/' });
      expect(response.statusCode).toBe(404);
    });
  });

  describe('redirect targets outside Latin-1', () => {
    it('a signed-in visit to /login?next=/€ goes there, encoded', async () => {
      const response = await asha.get('/login?next=/%E2%82%AC');
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe('/%E2%82%AC');
    });

    it('a log-in with next=/€ signs in (cookie set) and goes there, encoded', async () => {
      const visitor = new BrowserSession(t().app);
      await visitor.get('/login?next=/%E2%82%AC');
      const response = await visitor.post('/login', { username: 'asha', password: PASSWORD, next: '/€?q=ü#é' });
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe('/%E2%82%AC?q=%C3%BC#%C3%A9');
      expect(response.cookies.some((c) => c.name === 'sid' && c.value)).toBe(true);
    });

    it('a vote form with next=/€ votes and goes there, encoded', async () => {
      const ben = new BrowserSession(t().app);
      await ben.login('ben', PASSWORD);
      await ben.get(`/discuss/${f.post.id}/`);
      const response = await ben.post(`/api/posts/${f.post.id}/upvote`, { next: '/discuss/€/' });
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe(`/discuss/%E2%82%AC/#p${f.post.id}`);
    });

    it('never leaves the site, however the target is spelt', async () => {
      const evil = ['/.//evil.example/', '/a/..//evil.example', '/\t/evil.example', '/%5C/evil.example', '/\\/evil.example', '//evil.example'];
      for (const next of evil) {
        const response = await asha.get(`/login?next=${encodeURIComponent(next)}`);
        expect(response.statusCode, next).toBe(303);
        expect(response.headers.location, next).toMatch(/^\/(?![/\\])/);
      }
      // Nor does a same-origin Referer whose path starts with two slashes.
      await asha.get(`/discuss/${f.post.id}/`);
      const vote = await asha.post(`/api/comments/${f.question.id}/flag`, { reason: 'spam' }, { referer: 'http://localhost//evil.example/' });
      expect(vote.statusCode).toBe(303);
      expect(vote.headers.location).toMatch(/^\/(?![/\\])/);
    });
  });

  describe('Host', () => {
    it('an invalid Host gets 400 on a form post, a page and a fetch', async () => {
      for (const host of ['[', 'a b', 'evil.example/path', 'x:99999', '']) {
        const visitor = new BrowserSession(t().app);
        await visitor.get('/login');
        const login = await visitor.post('/login', { username: 'asha', password: PASSWORD }, { host });
        // An empty Host is replaced by the test client; over a socket it is covered below.
        if (host !== '') expectOurs(login, 400);
      }
      expectOurs(await t().app.inject({ url: '/', headers: { ...html, host: '[' } }), 400);
      expectOurs(await asha.fetchJson(`/api/posts/${f.post.id}/upvote`, { host: 'a b' }), 400, 'json');
    });

    it('a request without Host gets 400 from us (HTTP/1.0 and 1.1)', async () => {
      for (const version of ['1.0', '1.1']) {
        const answer = await rawRequest(port, `POST /login HTTP/${version}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 3\r\nconnection: close\r\n\r\na=b`);
        expectOurs(answer, 400);
      }
    });

    it('ordinary hosts are served', async () => {
      for (const host of ['localhost', 'localhost:3000', 'forum.example.com', '127.0.0.1:8080', '[::1]:3000', 'my_app:3000']) {
        expect((await t().app.inject({ url: '/', headers: { host } })).statusCode, host).toBe(200);
      }
    });
  });

  describe('errors the framework raises before any route', () => {
    it('an undecodable or overlong URL: our page for browsers, JSON for scripts', async () => {
      expectOurs(await t().app.inject({ url: '/discuss/%E0%A4%A/', headers: html }), 400);
      expectOurs(await t().app.inject({ url: '/discuss/%E0%A4%A/', headers: json }), 400, 'json');
      expectOurs(await t().app.inject({ url: `/profile/${'a'.repeat(150)}/`, headers: html }), 414);
    });

    it('a body too large, of an unsupported type, or badly encoded', async () => {
      const form = { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' };
      const cases = [
        [413, { payload: `username=${'x'.repeat(70_000)}`, headers: form }],
        [415, { payload: '<x/>', headers: { ...form, 'content-type': 'application/xml' } }],
        [415, { payload: 'a=b', headers: { ...form, 'content-encoding': 'gzip' } }],
        [400, { payload: 'a=b', headers: { ...form, 'content-length': '1000' } }],
      ] as const;
      for (const [status, request] of cases) {
        expectOurs(await t().app.inject({ method: 'POST', url: '/login', ...request, headers: { ...request.headers, ...html } }), status);
        expectOurs(await t().app.inject({ method: 'POST', url: '/login', ...request, headers: { ...request.headers, ...json } }), status, 'json');
      }
    });

    it('a malformed request line or header, over a real socket: our page, a correct status line', async () => {
      const cases: [number, string][] = [
        [400, 'GET / HTTP/1.1\r\nHost: localhost\r\nX-Bad: a\u0001b\r\n\r\n'],
        [400, 'GET / HTTP/1.1\r\nHost: localhost\r\nno colon here\r\n\r\n'],
        [400, 'POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n'],
        [400, 'GET /\u0000 HTTP/1.1\r\nHost: localhost\r\n\r\n'],
        [431, `GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`],
      ];
      for (const [status, text] of cases) {
        const answer = await rawRequest(port, text);
        expect(answer.statusLine, JSON.stringify(text.slice(0, 60))).toMatch(new RegExp(`^HTTP/1\\.1 ${status} [A-Z]`));
        expectOurs(answer, status);
        expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(answer.body, 'latin1')));
      }
    });
  });

  describe('ids', () => {
    it('only the canonical spelling of an id names a page; others are 404', async () => {
      const id = f.post.id;
      expect((await t().app.inject({ url: `/discuss/${id}/` })).statusCode).toBe(200);
      const spellings = [`0x${id.toString(16)}`, `%20${id}`, `${id}%20`, `${id}e0`, `0${id}`, `+${id}`, `${id}.0`, `${id * 10}e-1`, '0', '-1', '2147483648', '99999999999999999999'];
      for (const spelling of spellings) {
        for (const path of [`/discuss/${spelling}/`, `/embed/discuss/${spelling}/`, `/comments/${spelling}/`]) {
          expectOurs(await t().app.inject({ url: path, headers: html }), 404);
        }
        expectOurs(await asha.fetchJson(`/api/posts/${spelling}/upvote`), 404, 'json');
      }
      expect((await t().app.inject({ url: `/comments/${f.answer.id}/` })).statusCode).toBe(302);
    });

    it('page numbers too are written one way', async () => {
      expect((await t().app.inject({ url: '/?page=1' })).statusCode).toBe(200);
      for (const page of ['0x1', '01', '1e0', '%201', '0']) {
        expectOurs(await t().app.inject({ url: `/?page=${page}`, headers: html }), 400);
      }
    });
  });

  describe('tracking parameters', () => {
    const tracking = 'utm_source=newsletter&utm_medium=email&utm_campaign=x&fbclid=IwAR0abc&gclid=1&ref=blog&mc_eid=2';

    it('every page people read answers as without them', async () => {
      const pages = t().routes.filter((r) => r.method === 'GET' && !r.url.startsWith('/static/'));
      expect(pages.length).toBeGreaterThan(8);
      for (const route of pages) {
        const url = concreteUrl(route.url, f);
        const plain = await asha.get(url);
        // page=1 is read where there are pages, and ignored like the rest elsewhere.
        for (const query of [tracking, `page=1&${tracking}`]) {
          expect((await asha.get(`${url}?${query}`)).statusCode, `${url}?${query}`).toBe(plain.statusCode);
        }
      }
    });

    it('known parameters are still checked', async () => {
      expectOurs(await t().app.inject({ url: `/discuss/${f.post.id}/?sort=worst&utm_source=x`, headers: html }), 400);
      expectOurs(await t().app.inject({ url: '/?page=-1&fbclid=x', headers: html }), 400);
    });

    it('form bodies stay strict', async () => {
      await asha.get(`/discuss/${f.post.id}/`);
      expectOurs(await asha.post(`/discuss/${f.post.id}/`, { text: 'hi', utm_source: 'x' }), 400);
    });
  });
});
