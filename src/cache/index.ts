// The cache chosen by CACHE_URL, wrapped so that an outage means "no cache",
// with the generations that invalidate pages across processes.
import type { Kysely } from 'kysely';
import type { CacheSettings } from '../config.js';
import type { Database } from '../db/schema.js';
import type { Clock } from '../errors.js';
import type { Cache } from './cache.js';
import { DbCache } from './db-cache.js';
import { Generations } from './generations.js';
import { MemcachedCache } from './memcached-cache.js';
import { MemoryCache } from './memory-cache.js';
import { RedisCache } from './redis-cache.js';
import { ResilientCache, type CacheLogger } from './resilient-cache.js';

export type { Cache } from './cache.js';
export { Generations } from './generations.js';

export interface AppCache {
  /** Never throws: misses and dropped writes while the backend is unavailable. */
  store: ResilientCache;
  generations: Generations;
  /** Where the entries live: `memory` is this process's own, the others are shared. */
  backend: CacheSettings['backend'];
}

export interface CacheDeps {
  db: Kysely<Database>;
  now: Clock;
  log: CacheLogger;
  /** While unavailable, how long calls skip the backend before trying it again (tests shorten it). */
  retryAfterMs?: number;
}

/** Builds the configured backend; no connection is made until the first call. */
export function createBackend(settings: CacheSettings, deps: Pick<CacheDeps, 'db' | 'now'>): Cache {
  switch (settings.backend) {
    case 'memory':
      return new MemoryCache(settings.maxBytes, deps.now);
    case 'redis':
      return new RedisCache(settings.url);
    case 'memcached':
      return new MemcachedCache(settings.servers);
    case 'db':
      return new DbCache(deps.db, deps.now, settings.maxEntries);
  }
}

export function createCache(settings: CacheSettings, deps: CacheDeps): AppCache {
  const store = new ResilientCache(createBackend(settings, deps), {
    name: settings.backend,
    log: deps.log,
    now: deps.now,
    retryAfterMs: deps.retryAfterMs,
    // Writes during the outage could not bump their generations: none of what was cached before can be trusted.
    onRecovered: (backend) => new Generations(backend).bumpAll(),
  });
  return { store, generations: new Generations(store, settings.backend === 'memory'), backend: settings.backend };
}
