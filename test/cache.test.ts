// One behaviour for every cache backend, each against the real thing: this
// process's memory, a redis-server and a memcached started here, the test
// database (SQLite and PostgreSQL). Then what an unreachable or hung server
// means: no caching, one warning, and a full invalidation once it is back.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheSettings } from '../src/config.js';
import type { Cache } from '../src/cache/cache.js';
import { DbCache } from '../src/cache/db-cache.js';
import { createBackend, createCache, Generations } from '../src/cache/index.js';
import type { CacheLogger } from '../src/cache/resilient-cache.js';
import type { Db } from '../src/db/database.js';
import { TestClock } from './support/app.js';
import { memcachedInstalled, startMemcached, type MemcachedServer } from './support/memcached-server.js';
import { redisServerInstalled, startRedisServer, type RedisServer } from './support/redis-server.js';
import { createTestDatabase, testDbKind, type TestDatabase } from './support/test-db.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bytes = (text: string) => Buffer.from(text);

/** Polls until `check` holds (a server's clock ticks in whole seconds). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 4_000): Promise<void> {
  for (const started = Date.now(); !(await check()); await pause(50)) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached in time');
  }
}

/** A backend under test: `open()` gives a client as another process would have it (shared backends share entries). */
interface Subject {
  name: string;
  shared: boolean;
  skip: boolean;
  start(): Promise<void>;
  open(): Cache;
  stop(): Promise<void>;
}

// The database backend runs on both databases; the others do not depend on one, so they run once.
const onSqliteRun = testDbKind === 'sqlite';

function databaseSubject(): Subject {
  let database: TestDatabase;
  let db: Db;
  return {
    name: `db (${testDbKind})`,
    shared: true,
    skip: false,
    async start() {
      database = await createTestDatabase();
      db = database.open();
    },
    open: () => new DbCache(db.kysely, Date.now, 1_000),
    async stop() {
      await db.close();
      await database.drop();
    },
  };
}

function redisSubject(): Subject {
  let server: RedisServer;
  return {
    name: 'redis',
    shared: true,
    skip: !onSqliteRun || !redisServerInstalled(),
    async start() {
      server = await startRedisServer();
    },
    open: () => createBackend({ backend: 'redis', url: server.url }, { db: undefined!, now: Date.now }),
    stop: () => server.stop(),
  };
}

function memcachedSubject(): Subject {
  let server: MemcachedServer;
  return {
    name: 'memcached',
    shared: true,
    skip: !onSqliteRun || !memcachedInstalled(),
    async start() {
      server = await startMemcached();
    },
    open: () => createBackend({ backend: 'memcached', servers: server.servers }, { db: undefined!, now: Date.now }),
    stop: () => server.stop(),
  };
}

function memorySubject(): Subject {
  return {
    name: 'memory',
    shared: false,
    skip: !onSqliteRun,
    async start() {},
    open: () => createBackend({ backend: 'memory', maxBytes: 16 * 1024 * 1024 }, { db: undefined!, now: Date.now }),
    async stop() {},
  };
}

for (const subject of [memorySubject(), redisSubject(), memcachedSubject(), databaseSubject()]) {
  describe.skipIf(subject.skip)(`cache backend: ${subject.name}`, () => {
    let cache: Cache;
    let other: Cache;
    beforeAll(async () => {
      await subject.start();
      cache = subject.open();
      other = subject.shared ? subject.open() : cache;
    });
    afterAll(async () => {
      await cache?.close();
      if (other !== cache) await other?.close();
      await subject.stop();
    });

    it('stores bytes, misses what it does not hold, overwrites and deletes', async () => {
      const binary = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0a, 0x0d, 0x20]);
      expect(await cache.get('absent')).toBeUndefined();
      await cache.set('bin', binary, 60);
      expect(await cache.get('bin')).toEqual(binary);
      await cache.set('bin', bytes('second'), 60);
      expect(await cache.get('bin')).toEqual(bytes('second'));
      await cache.delete('bin');
      expect(await cache.get('bin')).toBeUndefined();
      await cache.delete('never-there');
    });

    it('reads several keys at once, in their order, with misses in place', async () => {
      await cache.set('many:a', bytes('A'), 60);
      await cache.set('many:c', bytes('C'), 60);
      expect(await cache.getMany(['many:c', 'many:b', 'many:a'])).toEqual([bytes('C'), undefined, bytes('A')]);
      expect(await cache.getMany([])).toEqual([]);
    });

    it('keeps keys of any spelling apart: spaces, other scripts, 1,000 characters', async () => {
      const keys = ['page /discuss/1/?page=2 br', 'page /discuss/1/?page=2 gz', 'नमस्ते', 'x'.repeat(1_000), 'x'.repeat(999) + 'y', `k:${'z'.repeat(300)}`];
      for (const [i, key] of keys.entries()) await cache.set(key, bytes(String(i)), 60);
      expect(await cache.getMany(keys)).toEqual(keys.map((_, i) => bytes(String(i))));
    });

    it('holds a half-megabyte page', async () => {
      const page = Buffer.alloc(512 * 1024, 'abcdefgh');
      await cache.set('big', page, 60);
      expect((await cache.get('big'))?.equals(page)).toBe(true);
    });

    it('adds only what is absent, once, whoever asks', async () => {
      expect(await cache.add('once', bytes('first'), 60)).toBe(true);
      expect(await other.add('once', bytes('second'), 60)).toBe(false);
      expect(await cache.get('once')).toEqual(bytes('first'));
      // Racing adds: exactly one stands.
      const results = await Promise.all([cache.add('race', bytes('1'), 60), other.add('race', bytes('2'), 60), cache.add('race', bytes('3'), 60)]);
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('forgets an entry when its TTL has passed, and then lets it be added again', async () => {
      await cache.set('short', bytes('soon gone'), 1);
      await cache.add('short-add', bytes('soon gone'), 1);
      await cache.set('long', bytes('stays'), 60);
      expect(await cache.get('short')).toEqual(bytes('soon gone'));
      await eventually(async () => (await cache.get('short')) === undefined);
      await eventually(async () => (await cache.get('short-add')) === undefined);
      expect(await cache.add('short-add', bytes('again'), 60)).toBe(true);
      expect(await cache.get('short-add')).toEqual(bytes('again'));
      expect(await cache.get('long')).toEqual(bytes('stays'));
    });

    it('refuses a TTL it could not honour', async () => {
      await expect(cache.set('k', bytes('v'), 0)).rejects.toThrow(RangeError);
      await expect(cache.set('k', bytes('v'), 31 * 24 * 3600)).rejects.toThrow(RangeError);
      await expect(cache.add('k', bytes('v'), 1.5)).rejects.toThrow(RangeError);
    });

    it('invalidates by generation: a bump changes the stamps that include its family, for every process', async () => {
      const here = new Generations(cache);
      const there = new Generations(other);
      const front = await here.stamp(['front']);
      const thread = await here.stamp(['front', 'post:1']);
      expect(front).toBeDefined();
      expect(await there.stamp(['front'])).toBe(front);
      expect(await here.stamp(['front', 'post:1'])).toBe(thread);

      await there.bump('post:1');
      expect(await here.stamp(['front'])).toBe(front);
      const afterComment = await here.stamp(['front', 'post:1']);
      expect(afterComment).not.toBe(thread);
      expect(await there.stamp(['front', 'post:1'])).toBe(afterComment);

      await here.bumpAll();
      expect(await there.stamp(['front'])).not.toBe(front);
    });

    it('never gives an evicted generation a stamp used before', async () => {
      const generations = new Generations(cache);
      const before = await generations.stamp(['user:7']);
      await cache.delete('gen:user:7');
      expect(await generations.stamp(['user:7'])).not.toBe(before);
    });
  });
}

describe.skipIf(!onSqliteRun)('memory backend', () => {
  it('follows the app’s clock, as the database backend does', async () => {
    const clock = new TestClock();
    const cache = createBackend({ backend: 'memory', maxBytes: 1_000 }, { db: undefined!, now: clock.now });
    await cache.set('page', bytes('v'), 300);
    clock.advance(299_000);
    expect(await cache.get('page')).toEqual(bytes('v'));
    clock.advance(2_000);
    expect(await cache.get('page')).toBeUndefined();
  });

  it('keeps at most its size in bytes, dropping the least recently used first', async () => {
    const cache = createBackend({ backend: 'memory', maxBytes: 1_000 }, { db: undefined!, now: Date.now });
    for (let i = 0; i < 10; i++) {
      await cache.set(`k${i}`, Buffer.alloc(200), 60);
      if (i >= 1) await cache.get('k0'); // k0 stays in use
    }
    const held = (await cache.getMany(Array.from({ length: 10 }, (_, i) => `k${i}`))).map(Boolean);
    expect(held.filter(Boolean).length).toBeLessThanOrEqual(4);
    expect(held[0]).toBe(true);
    expect(held[9]).toBe(true);
    expect(held[1]).toBe(false);
  });
});

describe.skipIf(!onSqliteRun)('the resilient wrapper', () => {
  it('passes a bad TTL on as the bug it is, not as an outage', async () => {
    const log = recordingLog();
    const { store } = createCache({ backend: 'memory', maxBytes: 1_000 }, { db: undefined!, now: Date.now, log });
    await expect(store.set('k', bytes('v'), 0)).rejects.toThrow(RangeError);
    await expect(store.add('k', bytes('v'), 2 ** 31)).rejects.toThrow(RangeError);
    expect(store.available).toBe(true);
    expect(log.warnings).toEqual([]);
  });
});

describe('database backend culling', () => {
  let database: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.open();
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });
  const rows = async () => (await db.kysely.selectFrom('cache_entries').select('key').orderBy('key').execute()).map((r) => r.key);

  it('deletes expired rows, and trims the table to its size, soonest to expire first', async () => {
    const clock = new TestClock();
    const cache = new DbCache(db.kysely, clock.now, 10);
    for (let i = 0; i < 5; i++) await cache.set(`old${i}`, bytes('x'), 10);
    for (let i = 0; i < 12; i++) await cache.set(`new${String(i).padStart(2, '0')}`, bytes('x'), 100 + i);
    expect(await rows()).toHaveLength(17); // culled at most once a minute
    clock.advance(61_000); // the old ones have expired
    await cache.set('trigger', bytes('x'), 3_600);
    // 13 live rows over a bound of 10: the 4 expiring soonest go (the excess and a tenth more).
    expect(await rows()).toEqual(['k:new04', 'k:new05', 'k:new06', 'k:new07', 'k:new08', 'k:new09', 'k:new10', 'k:new11', 'k:trigger']);
  });
});

/** Stops a server's process (SIGSTOP) and waits until the kernel says it is stopped. */
async function freeze(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  await eventually(async () => /^\d+ \(.*\) [Tt]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')), 2_000);
}

/** A log that keeps what it was told. */
function recordingLog(): CacheLogger & { warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  return { warnings, infos, warn: (_obj, msg) => warnings.push(msg ?? ''), info: (_obj, msg) => infos.push(msg ?? '') };
}

interface Outage {
  name: string;
  skip: boolean;
  start(): Promise<{ settings: CacheSettings; pid: number; port: number; stop(): Promise<void> }>;
  restart(port: number): Promise<{ pid: number; stop(): Promise<void> }>;
}

const outages: Outage[] = [
  {
    name: 'redis',
    skip: !onSqliteRun || !redisServerInstalled(),
    async start() {
      const server = await startRedisServer();
      return { settings: { backend: 'redis', url: server.url }, pid: server.pid, port: server.port, stop: () => server.stop() };
    },
    restart: (port) => startRedisServer(port),
  },
  {
    name: 'memcached',
    skip: !onSqliteRun || !memcachedInstalled(),
    async start() {
      const server = await startMemcached();
      return { settings: { backend: 'memcached', servers: server.servers }, pid: server.pid, port: server.port, stop: () => server.stop() };
    },
    restart: (port) => startMemcached(port),
  },
];

for (const outage of outages) {
  describe.skipIf(outage.skip)(`${outage.name} unavailable`, () => {
    it('serves without a cache while the server is stopped, warns once, and comes back with it', async () => {
      const server = await outage.start();
      const log = recordingLog();
      const { store, generations } = createCache(server.settings, { db: undefined!, now: Date.now, log, retryAfterMs: 100 });
      let restarted: { stop(): Promise<void> } | undefined;
      try {
        await store.set('page', bytes('cached'), 60);
        expect(await store.get('page')).toEqual(bytes('cached'));

        await server.stop();
        // Many requests, some after the retry interval: each misses, none fails, one warning.
        for (let i = 0; i < 6; i++) {
          expect(await store.get('page')).toBeUndefined();
          await store.set('page', bytes('dropped'), 60);
          expect(await store.add('other', bytes('dropped'), 60)).toBe(false);
          expect(await generations.stamp(['front'])).toBeUndefined(); // so nothing gets cached meanwhile
          await generations.bump('front');
          await pause(60);
        }
        expect(store.available).toBe(false);
        expect(log.warnings).toEqual(['cache unavailable: serving without it until it answers again']);

        restarted = await outage.restart(server.port);
        await eventually(async () => {
          await store.set('page', bytes('again'), 60);
          return (await store.get('page'))?.toString() === 'again';
        }, 8_000);
        expect(store.available).toBe(true);
        expect(log.infos).toEqual(['cache answers again']);
        expect(log.warnings).toHaveLength(1);
      } finally {
        await store.close();
        await restarted?.stop();
        await server.stop();
      }
    });

    it('a hung server costs a request at most its timeout; once it answers, everything cached before is invalid', async () => {
      const server = await outage.start();
      const log = recordingLog();
      const { store, generations } = createCache(server.settings, { db: undefined!, now: Date.now, log, retryAfterMs: 100 });
      try {
        const before = await generations.stamp(['front']);
        expect(before).toBeDefined();

        await freeze(server.pid); // hung, its entries intact
        const started = Date.now();
        await generations.bump('front'); // this invalidation is lost
        expect(Date.now() - started).toBeLessThan(2_500);
        expect(log.warnings).toHaveLength(1);
        const skipped = Date.now();
        expect(await store.get('anything')).toBeUndefined(); // skips the backend within the retry interval
        expect(Date.now() - skipped).toBeLessThan(50);

        process.kill(server.pid, 'SIGCONT');
        await pause(150);
        // The first call that reaches it again invalidates every page: the lost bump cannot leave a stale one.
        let after: string | undefined;
        await eventually(async () => (after = await generations.stamp(['front'])) !== undefined, 8_000);
        expect(after).not.toBe(before);
        expect(log.infos).toEqual(['cache answers again']);
      } finally {
        process.kill(server.pid, 'SIGCONT');
        await store.close();
        await server.stop();
      }
    });
  });
}
