// PostgreSQL going away under a running forum: an idle connection killed, the
// server stopped, frozen (SIGSTOP), or restarted under load. The app process
// stays up, answers 503 with Retry-After meanwhile (never 500), recovers by
// itself, and loses no write it acknowledged. On a cluster of its own, with
// durable commits, so other test files are not disturbed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPostgresBin, startCluster, type ControllableCluster } from './support/postgres-cluster.js';
import { HttpClient, startServerProcess, type ServerProcess } from './support/server-process.js';
import { testDbKind } from './support/test-db.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(testDbKind === 'postgres')('PostgreSQL outages', () => {
  let cluster: ControllableCluster;
  let server: ServerProcess;
  let dataDir: string;
  let origin: string;
  let author: HttpClient;
  let postId: number;

  const query = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  };

  /** Polls until the front page answers 200 again: the app reconnects by itself. */
  const recovered = async () => {
    for (let i = 0; i < 100; i++) {
      const response = await fetch(`${origin}/`);
      if (response.status === 200) return;
      expect(response.status).toBe(503);
      await sleep(100);
    }
    throw new Error('the app did not recover');
  };

  beforeAll(async () => {
    cluster = await startCluster(findPostgresBin()!, { durable: true });
    dataDir = mkdtempSync(join(tmpdir(), 'charcha-outage-'));
    server = await startServerProcess({
      DATABASE_URL: cluster.url,
      DATA_DIR: dataDir,
      SECRET_KEY: 'test-secret-key-that-is-long-enough-000',
      DEBUG_QUERIES: 'false',
      // The load below posts faster than a person may.
      RATE_LIMIT_SCALE: '1000',
      // Short client-side limits keep the frozen-server case quick; the defaults are 5 s and 10 s.
      DB_CONNECT_TIMEOUT_MS: '1000',
      DB_QUERY_TIMEOUT_MS: '2000',
    });
    origin = server.origin;
    author = new HttpClient();
    await author.signup(origin, 'outageauthor');
    const created = await author.post(origin, '/start-discussion/', { title: 'Weather the storm', text: 'go' });
    postId = Number(/\/discuss\/(\d+)\//.exec(created.headers.get('location')!)![1]);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    cluster?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps serving when the server kills its idle connections', async () => {
    for (let i = 0; i < 5; i++) expect((await author.load(origin, `/discuss/${postId}/`)).status).toBe(200);
    const killed = await query<{ pid: number }>(
      "select pg_terminate_backend(pid) as pid from pg_stat_activity where datname = 'postgres' and state = 'idle' and pid <> pg_backend_pid()",
    );
    expect(killed.length).toBeGreaterThan(0);
    await sleep(200);
    expect(server.exited()).toBe(false);
    expect((await author.load(origin, `/discuss/${postId}/`)).status).toBe(200);
    expect(server.output()).toContain('database connection lost');
  });

  it('answers 503 with Retry-After while the database is down, and recovers when it is back', async () => {
    await cluster.shutDown();
    try {
      const page = await author.load(origin, `/discuss/${postId}/`);
      expect(page.status).toBe(503);
      expect(page.headers.get('retry-after')).toBe('5');
      expect(page.body).toContain('Temporarily unavailable');
      expect((await fetch(`${origin}/`)).status).toBe(503);
      // The load balancer takes this instance out, but does not restart it.
      expect((await fetch(`${origin}/readyz`)).status).toBe(503);
      expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    } finally {
      await cluster.start();
    }
    await recovered();
    expect((await fetch(`${origin}/readyz`)).status).toBe(200);
    expect((await author.load(origin, `/discuss/${postId}/`)).status).toBe(200);
    expect(server.exited()).toBe(false);
  });

  it('answers 503 within the timeouts while the database is frozen, and recovers when it thaws', async () => {
    expect((await fetch(`${origin}/`)).status).toBe(200);
    cluster.freeze();
    try {
      const started = Date.now();
      const [cached, visitor, member] = await Promise.all([fetch(`${origin}/`), fetch(`${origin}/new?page=7`), author.load(origin, `/discuss/${postId}/`)]);
      expect(Date.now() - started).toBeLessThan(6_000);
      // A visitor's page the cache holds needs no database.
      expect([cached.status, visitor.status, member.status]).toEqual([200, 503, 503]);
    } finally {
      cluster.thaw();
    }
    await recovered();
    expect((await author.load(origin, `/discuss/${postId}/`)).status).toBe(200);
    expect(server.exited()).toBe(false);
  });

  it('loses no acknowledged write and answers only 503 while the database restarts under load', async () => {
    const members = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const client = new HttpClient();
        await client.signup(origin, `outageload${i}`);
        await client.get(origin, `/discuss/${postId}/`);
        return client;
      }),
    );
    const statuses: number[] = [];
    const acknowledged = new Map<number, string>();
    let running = true;
    const load = members.map(async (client, i) => {
      // Bounded: stops when the restart is over, or after 400 rounds at most.
      for (let round = 0; running && round < 400; round++) {
        const text = `comment ${i}.${round}`;
        const posted = await client.post(origin, `/discuss/${postId}/`, { text });
        statuses.push(posted.status);
        if (posted.status === 303) acknowledged.set(Number(/#c(\d+)/.exec(posted.headers.get('location')!)![1]), text);
        const vote = await client.post(origin, `/api/posts/${postId}/${round % 3 === 0 ? 'downvote' : 'upvote'}`, {});
        statuses.push(vote.status);
        statuses.push((await client.load(origin, `/discuss/${postId}/`)).status);
      }
    });
    await sleep(800);
    await cluster.restart();
    await sleep(800);
    running = false;
    await Promise.all(load);
    await recovered();

    expect(server.exited()).toBe(false);
    expect(new Set(statuses)).toContain(503);
    expect([...new Set(statuses)].sort()).toEqual([200, 303, 503].filter((s) => statuses.includes(s)));
    const stored = await query<{ id: number; text: string }>('select id, text from comments where post_id = $1', [postId]);
    const storedText = new Map(stored.map((row) => [Number(row.id), row.text]));
    for (const [id, text] of acknowledged) expect(storedText.get(id)).toBe(text);
    const [post] = await query<{ num_comments: number; upvotes: number; downvotes: number }>(
      'select num_comments, upvotes, downvotes from posts where id = $1',
      [postId],
    );
    const [recount] = await query<{ comments: string; up: string; down: string }>(
      `select (select count(*) from comments where post_id = $1 and deleted_at is null) as comments,
              (select count(*) from post_votes where post_id = $1 and direction = 1) as up,
              (select count(*) from post_votes where post_id = $1 and direction = -1) as down`,
      [postId],
    );
    expect(post).toEqual({ num_comments: Number(recount!.comments), upvotes: Number(recount!.up), downvotes: Number(recount!.down) });
  }, 60_000);
});
