// Scaling out: two app processes sharing PostgreSQL, Redis (rate limits) and
// a Redis cache, behind one varnishd whose round-robin director alternates
// between them. Sessions, votes, limits and invalidation must not care which
// process answers. PostgreSQL only: SQLite is one machine's file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from './support/app.js';
import { freePort } from './support/free-port.js';
import { redisServerInstalled, useRedisServer } from './support/redis-server.js';
import { HttpClient, startServerProcess, type ServerProcess } from './support/server-process.js';
import { createTestDatabase, testDbKind, type TestDatabase } from './support/test-db.js';
import { isHit, scoreOn, startVarnish, varnishInstalled, type Varnish } from './support/varnish.js';

describe.runIf(testDbKind === 'postgres' && varnishInstalled() && redisServerInstalled())('two app processes behind one Varnish', { timeout: 90_000 }, () => {
  const redis = useRedisServer();
  let database: TestDatabase;
  const servers: ServerProcess[] = [];
  let varnish: Varnish;
  let proxy: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const port = await freePort();
    const env = {
      DATABASE_URL: database.url,
      SECRET_KEY: testConfig(database).secretKey,
      DATA_DIR: database.dir,
      DEBUG_QUERIES: 'false',
      TRUST_PROXY: '1',
      REDIS_URL: redis().url,
      CACHE_URL: redis().url,
      PURGE_URL: `http://127.0.0.1:${port}/`,
    };
    // One after the other: two Node.js starts at once on a busy two-core machine can miss the start timeout.
    for (let i = 0; i < 2; i++) servers.push(await startServerProcess(env));
    varnish = await startVarnish(
      servers.map((s) => s.origin),
      port,
    );
    proxy = varnish.origin;
  }, 60_000);

  afterAll(async () => {
    await varnish?.stop();
    await Promise.all(servers.map((s) => s.stop()));
    await database?.drop();
  });

  /** Until neither process has printed anything for a while: an answer can reach us before its log line does. */
  async function logsSettled(): Promise<void> {
    for (let last = ''; ; ) {
      const now = servers.map((s) => s.output().length).join();
      if (now === last) return;
      last = now;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  /**
   * Which process answered `request`: the one whose log gained its line
   * (`POST /login 303 …`). Requests go one at a time, so exactly one did,
   * once the line of an earlier request for the same path has come in.
   */
  async function servedBy<T>(method: string, path: string, request: () => Promise<T>): Promise<{ result: T; by: number }> {
    const line = `${method} ${path} `;
    await logsSettled();
    const before = servers.map((s) => s.output().split(line).length);
    const result = await request();
    const gained = () => servers.map((s, i) => s.output().split(line).length - before[i]!);
    await expect.poll(() => gained().reduce((a, b) => a + b)).toBe(1);
    return { result, by: gained().indexOf(1) };
  }

  const visit = async (path: string) => {
    const response = await fetch(proxy + path);
    return { response, body: await response.text() };
  };

  it('keeps one session, one count of votes, one rate limit and one cache whichever process answers', async () => {
    // A session made by one process is honoured by the other.
    const alice = new HttpClient();
    await alice.signup(proxy, 'alice');
    const home: { by: number; signedIn: boolean }[] = [];
    for (let i = 0; i < 4; i++) {
      const { result, by } = await servedBy('GET', '/', () => alice.load(proxy, '/'));
      home.push({ by, signedIn: result.body.includes('action="/logout"') && result.body.includes('alice') });
    }
    expect(new Set(home.map((h) => h.by))).toEqual(new Set([0, 1]));
    expect(home.every((h) => h.signedIn)).toBe(true);

    // Votes through both processes add up to one count, everywhere.
    const started = await alice.post(proxy, '/start-discussion/', { title: 'Scaled out', text: 'two processes, one forum' });
    const path = new URL(started.headers.get('location')!, proxy).pathname;
    const postId = /\/discuss\/(\d+)\//.exec(path)![1]!;
    const initial = scoreOn((await visit(path)).body);
    const votedBy = new Set<number>();
    for (const name of ['bob', 'carol', 'dave', 'erin']) {
      const voter = new HttpClient();
      await voter.signup(proxy, name);
      await voter.get(proxy, path);
      const { result, by } = await servedBy('POST', `/api/posts/${postId}/upvote`, () => voter.post(proxy, `/api/posts/${postId}/upvote`, {}));
      expect(result.status).toBe(303);
      votedBy.add(by);
    }
    expect(votedBy).toEqual(new Set([0, 1]));
    for (let i = 0; i < 2; i++) expect(scoreOn((await visit(path)).body)).toBe(initial + 4);
    for (const server of servers) expect(scoreOn(await (await fetch(server.origin + path)).text())).toBe(initial + 4);

    // The comment limit (10 in 10 minutes per member) is counted across both processes.
    await alice.get(proxy, path);
    const commentedBy = new Set<number>();
    const statuses: number[] = [];
    for (let i = 1; i <= 11; i++) {
      const { result, by } = await servedBy('POST', path, () => alice.post(proxy, path, { text: `comment number ${i}` }));
      statuses.push(result.status);
      commentedBy.add(by);
    }
    expect(commentedBy).toEqual(new Set([0, 1]));
    expect(statuses).toEqual([...Array<number>(10).fill(303), 429]);

    // A comment made through one process is on the next visitor's page, whichever process makes it.
    await visit(path);
    expect(isHit((await visit(path)).response)).toBe(true);
    const bob = new HttpClient();
    await bob.signup(proxy, 'bobby');
    await bob.get(proxy, path);
    const { by: commenter } = await servedBy('POST', path, () => bob.post(proxy, path, { text: 'Seen by every visitor' }));
    const { result: next, by: renderer } = await servedBy('GET', path, () => visit(path));
    // Round robin: the page is made again by the process that did not take the comment.
    expect(renderer).not.toBe(commenter);
    expect(next.body).toContain('Seen by every visitor');
    const again = await visit(path);
    expect(isHit(again.response)).toBe(true);
    expect(again.body).toContain('Seen by every visitor');
    // Straight from each process too: the shared cache (Redis) dropped its copy for both.
    for (const server of servers) expect(await (await fetch(server.origin + path)).text()).toContain('Seen by every visitor');
    for (const server of servers) expect(server.output()).not.toContain('reverse proxy purge failed');
  });
});
