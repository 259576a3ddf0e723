// One behaviour, two backends: the in-memory store and the Redis store (its
// Lua script) must answer every sequence of hits alike.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { redisServerInstalled, useRedisServer } from '../../test/support/redis-server.js';
import type { LimitRule, LimitStore } from './limit-store.js';
import { MemoryLimitStore } from './memory-limit-store.js';
import { RedisLimitStore } from './redis-limit-store.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const speedRule: LimitRule = { limit: 3, windowMs: 10 * MINUTE };
const lockRule: LimitRule = { limit: 3, windowMs: 15 * MINUTE, lock: { baseMs: MINUTE, maxMs: 8 * MINUTE } };

function contract(name: string, makeStore: () => LimitStore) {
  describe(`${name} limit store`, () => {
    const stores: LimitStore[] = [];
    const store = () => {
      const made = makeStore();
      stores.push(made);
      return made;
    };
    afterAll(() => Promise.all(stores.map((s) => s.close())));
    const key = () => randomUUID();

    it('admits `limit` hits per window, then blocks until the window (opened by the first hit) closes', async () => {
      const s = store();
      const k = key();
      expect(await s.hit(k, speedRule, T0)).toEqual({ admitted: true, count: 1, blockedUntil: 0 });
      expect(await s.hit(k, speedRule, T0 + 4 * MINUTE)).toEqual({ admitted: true, count: 2, blockedUntil: 0 });
      expect(await s.hit(k, speedRule, T0 + 5 * MINUTE)).toEqual({ admitted: true, count: 3, blockedUntil: T0 + 10 * MINUTE });
      expect(await s.hit(k, speedRule, T0 + 9 * MINUTE)).toEqual({ admitted: false, count: 3, blockedUntil: T0 + 10 * MINUTE });
      expect(await s.hit(k, speedRule, T0 + 10 * MINUTE)).toEqual({ admitted: true, count: 1, blockedUntil: 0 });
    });

    it('locks at the limit for the base time, doubling with each further hit up to the cap; hits during a lock change nothing', async () => {
      const s = store();
      const k = key();
      let now = T0;
      await s.hit(k, lockRule, now);
      await s.hit(k, lockRule, now);
      const locks: number[] = [];
      for (let i = 0; i < 6; i++) {
        const hit = await s.hit(k, lockRule, now);
        expect(hit.admitted).toBe(true);
        locks.push(hit.blockedUntil - now);
        expect(await s.hit(k, lockRule, now + 1000)).toEqual({ ...hit, admitted: false });
        now = hit.blockedUntil;
      }
      expect(locks).toEqual([1, 2, 4, 8, 8, 8].map((m) => m * MINUTE));
    });

    it('forgets the count a window after the lock ends, not before', async () => {
      const s = store();
      const k = key();
      for (let i = 0; i < 3; i++) await s.hit(k, lockRule, T0);
      const lockEnd = T0 + MINUTE;
      expect((await s.hit(k, lockRule, lockEnd + 15 * MINUTE - 1)).count).toBe(4);
      const secondLockEnd = lockEnd + 15 * MINUTE - 1 + 2 * MINUTE;
      expect(await s.hit(k, lockRule, secondLockEnd + 15 * MINUTE)).toEqual({ admitted: true, count: 1, blockedUntil: 0 });
    });

    it('takes back an admitted hit with the lock it started', async () => {
      const s = store();
      const k = key();
      for (let i = 0; i < 2; i++) await s.hit(k, lockRule, T0);
      const third = await s.hit(k, lockRule, T0);
      expect(third.blockedUntil).toBe(T0 + MINUTE);
      await s.undoHit(k);
      expect(await s.hit(k, lockRule, T0 + 1000)).toEqual({ admitted: true, count: 3, blockedUntil: T0 + 1000 + MINUTE });
    });

    it('forgets a cleared key and keeps keys apart', async () => {
      const s = store();
      const [a, b] = [key(), key()];
      for (let i = 0; i < 3; i++) await s.hit(a, speedRule, T0);
      expect((await s.hit(b, speedRule, T0)).count).toBe(1);
      await s.clear(a);
      expect(await s.hit(a, speedRule, T0)).toEqual({ admitted: true, count: 1, blockedUntil: 0 });
    });

    it('admits exactly `limit` of many simultaneous hits', async () => {
      const s = store();
      const k = key();
      const hits = await Promise.all(Array.from({ length: 40 }, () => s.hit(k, lockRule, T0)));
      expect(hits.filter((h) => h.admitted)).toHaveLength(3);
    });
  });
}

contract('memory', () => new MemoryLimitStore());

describe('memory limit store housekeeping', () => {
  it('drops forgotten records, so made-up keys do not pile up', async () => {
    const s = new MemoryLimitStore();
    for (let i = 0; i < 100; i++) await s.hit(`user:${i}`, speedRule, T0);
    expect(s.size).toBe(100);
    await s.hit('later', speedRule, T0 + 11 * MINUTE);
    expect(s.size).toBe(1);
  });
});

describe.skipIf(!redisServerInstalled())('Redis', () => {
  const redis = useRedisServer();
  contract('redis', () => new RedisLimitStore(redis().url, { onError: (error) => expect.fail(error.message) }));

  it('shares one count between clients (app processes) of the same Redis', async () => {
    const stores = [1, 2].map(() => new RedisLimitStore(redis().url, { onError: (error) => expect.fail(error.message) }));
    try {
      const k = randomUUID();
      const hits = await Promise.all(Array.from({ length: 30 }, (_, i) => stores[i % 2]!.hit(k, speedRule, T0)));
      expect(hits.filter((h) => h.admitted)).toHaveLength(3);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('fails, rather than letting everything through, when Redis cannot be reached', async () => {
    const errors: Error[] = [];
    const store = new RedisLimitStore('redis://127.0.0.1:1', { onError: (error) => errors.push(error) });
    await expect(store.hit('k', speedRule, T0)).rejects.toThrow();
    expect(errors.length).toBeGreaterThan(0);
    await store.close();
  });
});
