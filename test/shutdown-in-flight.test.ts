// SIGTERM while a request waits on the database (a slow query, a lock): the
// request is answered from the database before the pool closes, then the
// process exits 0. PostgreSQL only: another connection holds the lock.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from './support/app.js';
import { HttpClient, startServerProcess, type ServerProcess } from './support/server-process.js';
import { createTestDatabase, testDbKind, type TestDatabase } from './support/test-db.js';

describe.runIf(testDbKind === 'postgres')('graceful shutdown with a request at the database', { timeout: 60_000 }, () => {
  let database: TestDatabase;
  let server: ServerProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startServerProcess({ DATABASE_URL: database.url, SECRET_KEY: testConfig(database).secretKey, DATA_DIR: database.dir, PAGE_CACHE_SECONDS: '0' });
  });

  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it('answers it in full from the database, then closes the pool and exits 0', async () => {
    const member = new HttpClient();
    await member.signup(server.origin, 'ada');
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    try {
      await locker.query('begin');
      // Her session is read first; the page's own queries come after it.
      await locker.query('lock table sessions in access exclusive mode');
      const answer = member.load(server.origin, '/new');
      const waiting = async () => (await locker.query<{ n: number }>("select count(*)::int as n from pg_locks where relation = 'sessions'::regclass and not granted")).rows[0]!.n;
      await expect.poll(waiting).toBe(1);

      const exited = server.terminate();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(server.exited()).toBe(false); // still answering that request
      await locker.query('commit');

      const { status, body } = await answer;
      expect(status).toBe(200);
      expect(body).toContain('action="/logout"');
      expect(await exited).toBe(0);
      expect(server.output()).not.toMatch(/Cannot use a pool after calling end|not queryable|error/i);
    } finally {
      await locker.end();
    }
  });
});
