// The load balancer's probes: /healthz says the process answers (no query),
// /readyz says it can serve: 503 only without its database, never for a
// cache outage. Both answer over plain HTTP with FORCE_HTTPS and never read a
// session. The real PostgreSQL outage is in database-outages.test.ts.
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { openDatabase } from '../src/db/database.js';
import { testConfig, useTestApp } from './support/app.js';
import { createTestDatabase } from './support/test-db.js';
import { member } from './support/forum.js';

const queries = (serverTiming: unknown) => Number(/desc="(\d+) queries"/.exec(String(serverTiming))?.[1]);

describe('probes', () => {
  const t = useTestApp();

  it('/healthz answers without touching the database, even for a signed-in member', async () => {
    const signedIn = await member(t().app);
    for (const response of [await t().app.inject('/healthz'), await signedIn.get('/healthz')]) {
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
      expect(queries(response.headers['server-timing'])).toBe(0);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['set-cookie']).toBeUndefined();
    }
  });

  it('/readyz is ready when the database and the cache answer', async () => {
    const response = await t().app.inject('/readyz');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', database: 'up', cache: 'up' });
    expect(queries(response.headers['server-timing'])).toBe(1);
  });

  it('takes no query parameters', async () => {
    expect((await t().app.inject('/readyz?verbose=1')).statusCode).toBe(200); // a page's unknown parameters are dropped
  });
});

describe('probes with the cache unreachable', () => {
  // Port 1: nothing listens there.
  const t = useTestApp({ CACHE_URL: 'redis://127.0.0.1:1' });

  it('stay ready, say the cache is down, and the forum keeps serving', async () => {
    const response = await t().app.inject('/readyz');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', database: 'up', cache: 'down' });
    expect((await t().app.inject('/')).statusCode).toBe(200);
  });
});

describe('probes without the database', () => {
  it('/readyz answers 503 with Retry-After; /healthz still answers', async () => {
    // A PostgreSQL URL where nothing listens: every connection is refused.
    const database = await createTestDatabase({ migrate: false });
    const config = testConfig(database, { DATABASE_URL: 'postgres://charcha@127.0.0.1:1/charcha', DB_CONNECT_TIMEOUT_MS: '500' });
    const db = openDatabase(config.databaseUrl, config.database);
    const app = await buildApp(config, { db });
    try {
      const ready = await app.inject('/readyz');
      expect(ready.statusCode).toBe(503);
      expect(ready.headers['retry-after']).toBe('5');
      expect(ready.json()).toEqual({ status: 'unavailable', database: 'down', cache: 'up' });
      expect((await app.inject('/healthz')).statusCode).toBe(200);
    } finally {
      await app.close();
      await db.close();
      await database.drop();
    }
  });
});

describe('probes with FORCE_HTTPS', () => {
  // TLS ends at the proxy, whose X-Forwarded-Proto is believed; probes come without it.
  const t = useTestApp({ FORCE_HTTPS: 'true', TRUST_PROXY: '1' });

  it('answer over plain HTTP, where pages are redirected', async () => {
    expect((await t().app.inject('/')).statusCode).toBe(301);
    expect((await t().app.inject('/healthz')).statusCode).toBe(200);
    expect((await t().app.inject('/readyz')).statusCode).toBe(200);
  });
});
