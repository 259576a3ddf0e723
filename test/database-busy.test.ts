// SQLite allows one writer at a time across processes. A write that cannot
// get the lock within SQLITE_BUSY_TIMEOUT_MS is answered 503 with Retry-After
// (better-sqlite3 waits synchronously, so the wait must stay short); pages
// that only read keep being served, and writes work again once the lock goes.
import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { comment, member, startDiscussion } from './support/forum.js';
import { testDbKind } from './support/test-db.js';

describe.runIf(testDbKind === 'sqlite')('a SQLite database locked by another process', () => {
  const t = useTestApp({ SQLITE_BUSY_TIMEOUT_MS: '200' });

  it('answers writes 503 with Retry-After, still serves reads, and recovers when the lock is released', async () => {
    const alice = await member(t().app);
    const postId = await startDiscussion(alice);
    await alice.get(`/discuss/${postId}/`);
    const bob = await member(t().app);
    const other = new SqliteDatabase(t().database.url.slice('sqlite:'.length));
    other.exec('begin immediate');
    try {
      const started = Date.now();
      const refused = await alice.post(`/discuss/${postId}/`, { text: 'written while locked' });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.headers['content-security-policy']).toContain("default-src 'self'");
      expect(refused.body).toContain('Temporarily unavailable');
      const vote = await bob.fetchJson(`/api/posts/${postId}/upvote`);
      expect(vote.statusCode).toBe(503);
      expect(vote.json<{ error: string }>().error).toContain('try again');
      expect((await alice.get(`/discuss/${postId}/`)).statusCode).toBe(200);
      expect((await t().app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
    } finally {
      other.exec('rollback');
      other.close();
    }
    await comment(alice, postId, 'written after the lock went');
    expect((await t().services.posts.require(postId)).num_comments).toBe(1);
  });
});
