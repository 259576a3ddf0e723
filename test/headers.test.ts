// Security headers on every response: a request to each route the app
// registers (collected as Fastify registers them, so a new route is covered
// without anyone remembering to add it), as a visitor and as a member, plus the
// answers no route gives: 404s, bad URLs, refused bodies, CSRF refusals, and
// the edge rules' refusals (test/hostile-input.test.ts covers what only a real socket can send).
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { startTestApp, stopTestApp, type RegisteredRoute, type TestApp } from './support/app.js';
import { seedDiscussion, type DiscussionFixture } from './support/discussion-fixture.js';
import { concreteUrl } from './support/routes.js';

const EMBED_ROUTE = '/embed/discuss/:id';

/** How the requests come: headers on all of them, the site's own Origin for form posts, a member's cookie. */
interface Client {
  headers: Record<string, string>;
  origin: string;
  member: string;
}

/** An app with the discussion fixture, and the routes it registered. */
async function startApp(env: Record<string, string> = {}) {
  const t = await startTestApp(env);
  return { t, routes: t.routes, fixture: await seedDiscussion(t.services) };
}

/** A signed-in member's cookie (under both the HTTP and the HTTPS name) and CSRF token. */
async function memberSession(t: TestApp, userId: number) {
  const token = await t.services.sessions.create(userId, { userAgent: 'test', ip: '127.0.0.1' });
  const session = await t.services.sessions.lookup(token);
  return { cookie: `sid=${token}; __Host-sid=${token}`, csrf: session!.csrfToken };
}

interface Answer {
  label: string;
  response: LightMyRequestResponse;
  /** The route may be framed (its rule is 'embed'); its errors never are. */
  embeddable: boolean;
  /** Answered before Fastify applies TRUST_PROXY, so it cannot know the visitor used HTTPS. */
  proxyBlind?: boolean;
}

/**
 * Each registered route, as a visitor and as a member. Unsafe requests carry
 * no CSRF token, so nothing changes: visitors meet validation or the sign-in
 * guard, members the CSRF refusal.
 */
async function everyRoute(app: FastifyInstance, routes: RegisteredRoute[], f: DiscussionFixture, client: Client): Promise<Answer[]> {
  const front = await app.inject({ method: 'GET', url: '/' });
  const staticFile = /href="(\/static\/style\.[0-9a-f]+\.css)"/.exec(front.body)![1]!;
  const form = { 'content-type': 'application/x-www-form-urlencoded', origin: client.origin };
  const answers: Answer[] = [];
  for (const route of routes) {
    const url = concreteUrl(route.url, f, staticFile);
    const unsafe = route.method !== 'GET' && route.method !== 'HEAD';
    for (const [who, cookie] of [['visitor', ''], ['member', client.member]] as const) {
      const response = await app.inject({
        method: route.method,
        url,
        ...(unsafe ? { payload: '' } : {}),
        headers: { ...client.headers, ...(unsafe ? form : {}), cookie },
      });
      answers.push({ label: `${route.method} ${url} (${who}) → ${response.statusCode}`, response, embeddable: route.config.framing === 'embed' });
    }
  }
  return answers;
}

/** Answers no registered route gives. */
async function frameworkAnswers(app: FastifyInstance, { headers, origin, member }: Client): Promise<Answer[]> {
  const form = { 'content-type': 'application/x-www-form-urlencoded', origin, ...headers };
  const requests = {
    'HTML 404': { method: 'GET', url: '/no-such-page', headers },
    'JSON 404': { method: 'GET', url: '/api/no-such-thing', headers: { ...headers, accept: 'application/json' } },
    'malformed URL': { method: 'GET', url: '/discuss/%E0%A4%A/', headers },
    'malformed URL, JSON': { method: 'GET', url: '/discuss/%E0%A4%A/', headers: { ...headers, accept: 'application/json' } },
    'invalid Host': { method: 'POST', url: '/login', payload: '', headers: { ...form, host: '[' } },
    'NUL byte in the URL': { method: 'GET', url: '/profile/%00/', headers },
    'NUL byte in a field': { method: 'POST', url: '/logout', payload: 'x=%00', headers: { ...form, cookie: member } },
    'compressed body': { method: 'POST', url: '/login', payload: 'x', headers: { ...form, 'content-encoding': 'gzip' } },
    'id spelt otherwise': { method: 'GET', url: '/discuss/0x1/', headers },
    'cross-site form post (CSRF)': { method: 'POST', url: '/logout', payload: '', headers: { ...form, origin: 'https://evil.example', cookie: member } },
    'unsupported body type': { method: 'POST', url: '/login', payload: 'x', headers: { ...form, 'content-type': 'application/xml' } },
    'body too large': { method: 'POST', url: '/login', payload: `username=${'x'.repeat(70_000)}`, headers: form },
  } as const;
  const answers: Answer[] = [];
  for (const [label, request] of Object.entries(requests)) {
    const response = await app.inject(request);
    answers.push({ label: `${label} → ${response.statusCode}`, response, embeddable: false, proxyBlind: label.startsWith('malformed URL') });
  }
  return answers;
}

/** What is wrong with one answer's headers, as readable lines. */
function headerProblems({ label, response, embeddable, proxyBlind }: Answer, o: { https: boolean; embedAncestors: string }): string[] {
  const h = response.headers;
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(`${label}: ${what}`);
  };
  const csp = new Map(
    String(h['content-security-policy'] ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name!, sources.join(' ')]),
  );
  const framed = embeddable && response.statusCode < 400;
  // Our own files by origin, nothing inline: no nonce, so a page body can be shared by a cache.
  check(csp.get('script-src') === "'self'", `CSP script-src is "${csp.get('script-src')}"`);
  check(csp.get('style-src') === "'self'", `CSP style-src is "${csp.get('style-src')}"`);
  check(!/<script(?![^>]*\ssrc=)[^>]*>|<style|<[^>]*\s(style|on[a-z]+)=/i.test(response.body), 'the page has inline script or style');
  check(csp.get('object-src') === "'none'" && csp.get('base-uri') === "'none'", 'CSP lacks object-src/base-uri none');
  check(!/unsafe-inline|unsafe-eval/.test(String(h['content-security-policy'])), "CSP allows 'unsafe-…'");
  const ancestors = framed ? o.embedAncestors : "'none'";
  check(csp.get('frame-ancestors') === ancestors, `frame-ancestors is "${csp.get('frame-ancestors')}", expected "${ancestors}"`);
  check(h['x-frame-options'] === (framed ? undefined : 'DENY'), `X-Frame-Options is ${h['x-frame-options']}`);
  check(h['x-content-type-options'] === 'nosniff', 'no nosniff');
  check(h['referrer-policy'] === 'same-origin', `Referrer-Policy is ${h['referrer-policy']}`);
  check(h['cross-origin-opener-policy'] === 'same-origin', `COOP is ${String(h['cross-origin-opener-policy'])}`);
  const hsts = h['strict-transport-security'];
  if (o.https && !proxyBlind) check(hsts === 'max-age=31536000; includeSubDomains', `HSTS is ${hsts}`);
  else check(hsts === undefined, `HSTS over plain HTTP: ${hsts}`);
  return problems;
}

/** The sweep must have met the kinds of answer the issue names, or it proves little. */
function expectVariety(answers: Answer[]): void {
  const statuses = new Set(answers.map((a) => a.response.statusCode));
  for (const status of [200, 302, 303, 400, 403, 404, 413, 415]) expect(statuses, `no ${status} among the answers`).toContain(status);
  expect(answers.some((a) => a.label.startsWith('GET /static/') && a.response.statusCode === 200), 'a static file').toBe(true);
  expect(answers.some((a) => String(a.response.headers['content-type']).startsWith('application/json')), 'a JSON answer').toBe(true);
}

describe('security headers', () => {
  describe('on plain HTTP, any site may frame the embed', () => {
    let app: Awaited<ReturnType<typeof startApp>>;
    let answers: Answer[];
    beforeAll(async () => {
      app = await startApp();
      const { t, routes, fixture } = app;
      const member = await memberSession(t, fixture.asha.id);
      // A spoofed X-Forwarded-Proto means nothing without TRUST_PROXY.
      const client = { headers: { 'x-forwarded-proto': 'https' }, origin: 'http://localhost', member: member.cookie };
      answers = [...(await everyRoute(t.app, routes, fixture, client)), ...(await frameworkAnswers(t.app, client))];
    });
    afterAll(async () => {
      if (app) await stopTestApp(app.t);
    });

    it('lets only the embed view declare a framing exemption', () => {
      const exempt = app.routes.filter((r) => r.config.framing !== undefined);
      expect(exempt.map((r) => `${r.method} ${r.url} ${r.config.framing}`).sort()).toEqual([`GET ${EMBED_ROUTE} embed`, `HEAD ${EMBED_ROUTE} embed`]);
    });

    it('are on every answer of every route, framing as each route declares, and no HSTS', () => {
      expectVariety(answers);
      expect(answers.flatMap((a) => headerProblems(a, { https: false, embedAncestors: '*' }))).toEqual([]);
    });

    it('are on a successful form post (a redirect) and a JSON vote', async () => {
      const { t, fixture } = app;
      const ben = await memberSession(t, fixture.ben.id);
      const headers = { cookie: ben.cookie, origin: 'http://localhost' };
      const comment = await t.app.inject({
        method: 'POST',
        url: `/discuss/${fixture.post.id}/`,
        payload: new URLSearchParams({ text: 'Headers, everywhere.', _csrf: ben.csrf }).toString(),
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      });
      const vote = await t.app.inject({ method: 'POST', url: `/api/posts/${fixture.post.id}/upvote`, headers: { ...headers, accept: 'application/json', 'x-csrf-token': ben.csrf } });
      expect([comment.statusCode, vote.statusCode]).toEqual([303, 200]);
      const problems = [comment, vote].flatMap((response) => headerProblems({ label: `${response.statusCode}`, response, embeddable: false }, { https: false, embedAncestors: '*' }));
      expect(problems).toEqual([]);
    });

    it('refuse framing of the embed’s error pages', async () => {
      const missing = await app.t.app.inject({ method: 'GET', url: '/embed/discuss/999999/' });
      expect(missing.statusCode).toBe(404);
      expect(headerProblems({ label: '404', response: missing, embeddable: true }, { https: false, embedAncestors: '*' })).toEqual([]);
    });
  });

  describe('over HTTPS behind a trusted proxy, with EMBED_ORIGINS', () => {
    const embedAncestors = 'https://blog.example https://news.example:8443';
    let app: Awaited<ReturnType<typeof startApp>>;
    beforeAll(async () => {
      app = await startApp({ TRUST_PROXY: 'true', EMBED_ORIGINS: 'https://blog.example/, https://news.example:8443' });
    });
    afterAll(async () => {
      if (app) await stopTestApp(app.t);
    });

    it('add HSTS to every answer, and let only the listed origins frame the embed', async () => {
      const { t, routes, fixture } = app;
      const member = await memberSession(t, fixture.asha.id);
      const client = { headers: { 'x-forwarded-proto': 'https' }, origin: 'https://localhost', member: member.cookie };
      const answers = [...(await everyRoute(t.app, routes, fixture, client)), ...(await frameworkAnswers(t.app, client))];
      expectVariety(answers);
      expect(answers.flatMap((a) => headerProblems(a, { https: true, embedAncestors }))).toEqual([]);
    });

    it('send no HSTS when the proxy says the visitor came over HTTP', async () => {
      const { t, routes, fixture } = app;
      const answers = await everyRoute(t.app, routes, fixture, { headers: { 'x-forwarded-proto': 'http' }, origin: 'http://localhost', member: '' });
      expect(answers.flatMap((a) => headerProblems(a, { https: false, embedAncestors }))).toEqual([]);
    });
  });

  it('EMBED_ORIGINS takes origins only, as TRUSTED_ORIGINS does', () => {
    const env = { DATA_DIR: '/nonexistent', SECRET_KEY: 'x'.repeat(32) };
    expect(loadConfig({ ...env, EMBED_ORIGINS: ' https://a.example/page , http://localhost:8080' }).embedOrigins).toEqual(['https://a.example', 'http://localhost:8080']);
    expect(loadConfig(env).embedOrigins).toEqual([]);
    // Each of these would break out of the CSP header or allow more than meant.
    for (const bad of ['*', 'a.example', 'https://a.example; script-src *', 'https://a.example;script-src', "https://a'b.example", 'javascript:alert(1)', 'data:text/html,x']) {
      expect(() => loadConfig({ ...env, EMBED_ORIGINS: bad }), bad).toThrow(ConfigError);
    }
  });
});
