// SIGTERM while requests wait on the database (a slow query, a lock): each
// is carried through before the pool closes, whether its client waits for
// the answer or has gone; then the process exits 0. PostgreSQL only: another
// connection holds the lock.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from './support/app.js';
import { openRaw } from './support/raw-http.js';
import { HttpClient, startServerProcess, type ServerProcess } from './support/server-process.js';
import { createTestDatabase, testDbKind, type TestDatabase } from './support/test-db.js';

describe.runIf(testDbKind === 'postgres')('graceful shutdown with requests at the database', { timeout: 60_000 }, () => {
  let database: TestDatabase;
  let server: ServerProcess | undefined;
  let locker: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await locker?.end();
    await server?.stop();
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** A server (without the outbox worker, whose own stop would add time), a member signed in to it, and a connection to hold locks. */
  async function serverWithMember(username: string) {
    server = await startServerProcess({ DATABASE_URL: database.url, SECRET_KEY: testConfig(database).secretKey, DATA_DIR: database.dir, PAGE_CACHE_SECONDS: '0' }, ['--no-worker']);
    const member = new HttpClient();
    await member.signup(server.origin, username);
    locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    return { server, member };
  }
  const lock = async (table: string) => {
    await locker.query('begin');
    await locker.query(`lock table ${table} in access exclusive mode`);
  };
  const waitingOn = async (table: string) => (await locker.query<{ n: number }>(`select count(*)::int as n from pg_locks where relation = '${table}'::regclass and not granted`)).rows[0]!.n;

  it('answers a request in full from the database, then closes the pool and exits 0', async () => {
    const { server, member } = await serverWithMember('ada');
    // Her session is read first; the page's own queries come after it.
    await lock('sessions');
    const answer = member.load(server.origin, '/new');
    await expect.poll(() => waitingOn('sessions')).toBe(1);

    const exited = server.terminate();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(server.exited()).toBe(false); // still answering that request
    await locker.query('commit');

    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(body).toContain('action="/logout"');
    expect(await exited).toBe(0);
    expect(server.output()).not.toMatch(/driver has already been destroyed|Cannot use a pool after calling end|error/i);
  });

  it('carries a comment through whose writer left before the answer, then exits 0', async () => {
    const { server, member } = await serverWithMember('grace');
    const started = await member.post(server.origin, '/start-discussion/', { title: 'Deploy day', text: 'Anyone there?' });
    const path = new URL(started.headers.get('location')!, server.origin).pathname;
    await member.get(server.origin, path);

    await lock('comments');
    // Written by hand, so the tab can close the hard way (a reset): then the server holds no connection for it.
    const body = new URLSearchParams({ _csrf: member.csrf, text: 'Written just before the deploy' }).toString();
    const { socket } = openRaw(Number(new URL(server.origin).port));
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: ${new URL(server.origin).host}\r\nOrigin: ${server.origin}\r\nCookie: ${member.cookieHeader()}\r\n` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    await expect.poll(() => waitingOn('comments')).toBe(1);
    socket.resetAndDestroy();
    await new Promise((resolve) => setTimeout(resolve, 300)); // the reset reaches the server

    const exited = server.terminate();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(server.exited()).toBe(false); // the comment's handler is still running
    await locker.query('commit');

    expect(await exited).toBe(0);
    const { rows } = await locker.query<{ text: string }>('select text from comments');
    expect(rows.map((row) => row.text)).toEqual(['Written just before the deploy']);
    // Its work after the commit (the comment's page number for the redirect) found the pool still open.
    expect(server.output()).toContain('closing: waiting for the requests still being handled running=1');
    expect(server.output()).not.toMatch(/driver has already been destroyed|Cannot use a pool after calling end|error/i);
  });
});
