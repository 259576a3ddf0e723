// deploy/varnish.vcl in front of the built app, both real processes on
// loopback: visitors' pages are served from Varnish, signed-in pages and
// forms never are, and a write through Varnish is on the next visitor's page
// (the app's BAN, PURGE_URL). One database is enough: this runs on SQLite only
// (test/scale-out.test.ts runs Varnish over two processes on PostgreSQL).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpPurger } from '../src/cache/purge.js';
import { testConfig } from './support/app.js';
import { freePort } from './support/free-port.js';
import { HttpClient, startServerProcess, type ServerProcess } from './support/server-process.js';
import { createTestDatabase, testDbKind, type TestDatabase } from './support/test-db.js';
import { expectNothingLeaked, isHit, scoreOn, startVarnish, VARNISHD, varnishInstalled, type Varnish } from './support/varnish.js';

describe.skipIf(testDbKind !== 'sqlite' || !varnishInstalled())('Varnish in front (deploy/varnish.vcl)', { timeout: 60_000 }, () => {
  let database: TestDatabase;
  let server: ServerProcess;
  let varnish: Varnish;
  let proxy: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const port = await freePort();
    server = await startServerProcess({
      DATABASE_URL: database.url,
      SECRET_KEY: testConfig(database).secretKey,
      DATA_DIR: database.dir,
      DEBUG_QUERIES: 'false',
      TRUST_PROXY: '1',
      PURGE_URL: `http://127.0.0.1:${port}/`,
    });
    varnish = await startVarnish([server.origin], port);
    proxy = varnish.origin;
  }, 60_000);

  afterAll(async () => {
    await varnish?.stop();
    await server?.stop();
    await database?.drop();
  });

  /** A visitor's load through Varnish, with the cookies given. */
  const visit = async (path: string, cookie?: string) => {
    const response = await fetch(proxy + path, { headers: cookie ? { cookie } : {} });
    const body = await response.text();
    expectNothingLeaked(response);
    return { response, body };
  };

  it('ships a VCL that compiles as it is (the tests replace only its backends block)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'charcha-vcc-'));
    try {
      const compiled = spawnSync(VARNISHD, ['-C', '-f', resolve('deploy/varnish.vcl'), '-n', join(dir, 'work')], { encoding: 'utf8' });
      expect(compiled.status, compiled.stderr.slice(-2_000)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stores a visitor's page and serves it again, without X-Cache-Families, s-maxage or a cookie", async () => {
    const first = await visit('/new');
    expect(first.response.status).toBe(200);
    expect(isHit(first.response)).toBe(false);
    const second = await visit('/new');
    expect(isHit(second.response)).toBe(true);
    expect(second.body).toBe(first.body);
    // s-maxage is Varnish's alone: a shared cache further out would get no ban.
    expect(second.response.headers.get('cache-control')).toBe('public, max-age=0');
    expect(second.response.headers.get('etag')).toMatch(/^W\//);
  });

  it('serves the stored page to a visitor carrying a csrf_pre or an analytics cookie', async () => {
    const visitor = new HttpClient();
    const login = await fetch(proxy + '/login');
    const csrfPre = login.headers.getSetCookie().find((c) => c.startsWith('csrf_pre='));
    expect(csrfPre).toBeDefined();
    expect(isHit(login)).toBe(false); // a form with its own cookie: never stored
    await visit('/new');
    const withCookies = await visit('/new', `${csrfPre!.split(';')[0]}; _ga=GA1.2.3.4`);
    expect(isHit(withCookies.response)).toBe(true);
    // The login flow itself still works through Varnish: its cookie reaches the app.
    await visitor.get(proxy, '/signup');
    expect((await visitor.post(proxy, '/signup', { username: 'cookiejar', password: 'a-long-enough-secret' })).status).toBe(303);
  });

  it("passes a signed-in reader's pages and POSTs to the app; the member's page never reaches a visitor", async () => {
    const member = new HttpClient();
    await member.signup(proxy, 'quietreader');
    for (let i = 0; i < 2; i++) {
      const page = await member.load(proxy, '/');
      expect(page.body).toContain('action="/logout"');
      expect(page.body).toContain('quietreader');
      expect(page.headers.get('x-varnish')!.split(' ')).toHaveLength(1);
      expect(page.headers.get('cache-control')).toContain('no-store');
    }
    const visitor = await visit('/');
    expect(visitor.body).not.toContain('quietreader');
    expect(visitor.body).not.toContain('action="/logout"');
    // A POST is passed every time, never answered from a stored object.
    const before = server.output().split('POST /logout').length;
    for (let i = 0; i < 2; i++) expect(isHit(await member.post(proxy, '/logout', {}))).toBe(false);
    await expect.poll(() => server.output().split('POST /logout').length - before).toBe(2);
  });

  it("puts a comment and a vote made through Varnish on the next visitor's page (the app's BAN)", async () => {
    const author = new HttpClient();
    await author.signup(proxy, 'varnishauthor');
    const started = await author.post(proxy, '/start-discussion/', { title: 'Cached, then not', text: 'first words' });
    const path = new URL(started.headers.get('location')!, proxy).pathname;
    await visit(path);
    const cached = await visit(path);
    expect(isHit(cached.response)).toBe(true);
    await visit('/');
    expect(isHit((await visit('/')).response)).toBe(true);

    await author.get(proxy, path);
    expect((await author.post(proxy, path, { text: 'Fresh words through Varnish' })).status).toBe(303);
    const afterComment = await visit(path);
    expect(isHit(afterComment.response)).toBe(false);
    expect(afterComment.body).toContain('Fresh words through Varnish');
    expect((await visit('/')).body).toMatch(/1 comment\b/); // the front page's count went with `lists`
    expect(isHit((await visit(path)).response)).toBe(true);

    const voter = new HttpClient();
    await voter.signup(proxy, 'varnishvoter');
    await voter.get(proxy, path);
    const postId = /\/discuss\/(\d+)\//.exec(path)![1];
    expect((await voter.post(proxy, `/api/posts/${postId}/upvote`, {})).status).toBe(303);
    expect(scoreOn((await visit(path)).body)).toBe(scoreOn(cached.body) + 1);
    expect(server.output()).not.toContain('reverse proxy purge failed');
  });

  it('bans everything for `*`, and refuses a malformed ban', async () => {
    await visit('/new');
    expect(isHit((await visit('/new')).response)).toBe(true);
    expect((await fetch(proxy + '/', { method: 'BAN', headers: { 'x-ban-families': '*' } })).status).toBe(200);
    expect(isHit((await visit('/new')).response)).toBe(false);
    expect((await fetch(proxy + '/', { method: 'BAN', headers: { 'x-ban-families': '.*|x' } })).status).toBe(400);
  });

  it('HttpPurger: resolves once every proxy banned; names the proxy that did not, quickly', async () => {
    await expect(new HttpPurger([`${proxy}/`]).ban(['lists'])).resolves.toBeUndefined();
    const closed = `http://127.0.0.1:${await freePort()}/`;
    const started = Date.now();
    await expect(new HttpPurger([`${proxy}/`, closed], 500).ban(['lists'])).rejects.toThrow(`BAN failed at ${closed}`);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
