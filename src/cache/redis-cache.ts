import { Redis } from 'ioredis';
import { checkTtl, type Cache } from './cache.js';

/** How long one command may take: a slow cache is worse than none. */
const COMMAND_TIMEOUT_MS = 1_000;

/**
 * The cache in Redis, shared by every app process that uses the same server.
 * Connects on first use; while Redis is away commands fail at once (the
 * caller, resilient-cache.ts, then serves without a cache) and ioredis keeps
 * reconnecting in the background.
 */
export class RedisCache implements Cache {
  private readonly redis: Redis;

  constructor(url: string, options: { keyPrefix?: string } = {}) {
    this.redis = new Redis(url, {
      lazyConnect: true,
      keyPrefix: options.keyPrefix ?? 'charcha:cache:',
      // Queued commands fail at the first reconnection that does not succeed.
      maxRetriesPerRequest: 0,
      connectTimeout: COMMAND_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    });
    // Failures reach the callers of each command; the connection's own errors are noise here.
    this.redis.on('error', () => {});
  }

  async get(key: string): Promise<Buffer | undefined> {
    return (await this.redis.getBuffer(key)) ?? undefined;
  }

  async getMany(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.redis.mgetBuffer(...keys);
    return values.map((value) => value ?? undefined);
  }

  async set(key: string, value: Buffer, ttlSeconds: number): Promise<void> {
    checkTtl(ttlSeconds);
    await this.redis.set(key, value, 'EX', ttlSeconds);
  }

  async add(key: string, value: Buffer, ttlSeconds: number): Promise<boolean> {
    checkTtl(ttlSeconds);
    return (await this.redis.set(key, value, 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(key);
  }

  async close(): Promise<void> {
    // Never connected (lazyConnect), or gone: nothing to say goodbye to.
    if (this.redis.status === 'ready') await this.redis.quit();
    else this.redis.disconnect();
  }
}
