import { Redis } from 'ioredis';
import { DependencyUnavailableError } from '../errors.js';
import type { Hit, LimitRule, LimitStore } from './limit-store.js';

// afterHit() of limit-store.ts, run inside Redis so that hits arriving at the
// same moment through several app processes never read the same count. The
// key expires when its count is forgotten; the expiry is relative, so Redis's
// clock may differ from the app's.
const HIT = `
local now, limit, window, lockBase, lockMax = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local stored = redis.call('HMGET', KEYS[1], 'count', 'blockedUntil', 'resetAt')
local count, blockedUntil, resetAt = tonumber(stored[1]), tonumber(stored[2]), tonumber(stored[3])
if not count or now >= resetAt then count, blockedUntil, resetAt = 0, 0, now + window end
if blockedUntil > now then return {0, count, blockedUntil} end
count = count + 1
if count >= limit then
  if lockBase > 0 then
    blockedUntil = now + math.min(lockBase * 2 ^ (count - limit), lockMax)
    resetAt = blockedUntil + window
  else
    blockedUntil = resetAt
  end
end
redis.call('HSET', KEYS[1], 'count', count, 'blockedUntil', blockedUntil, 'resetAt', resetAt)
redis.call('PEXPIRE', KEYS[1], resetAt - now)
return {1, count, blockedUntil}
`;

const UNDO_HIT = `
local count = tonumber(redis.call('HGET', KEYS[1], 'count'))
if count and count > 0 then redis.call('HSET', KEYS[1], 'count', count - 1, 'blockedUntil', 0) end
return 0
`;

export interface RedisLimitStoreOptions {
  /** Called when Redis cannot be reached (ioredis keeps reconnecting meanwhile). */
  onError: (error: Error) => void;
  keyPrefix?: string;
}

/**
 * Limits shared by every app process that uses the same Redis. Connects on
 * first use. A request that finds Redis down fails (503) rather than going
 * unlimited.
 */
export class RedisLimitStore implements LimitStore {
  private readonly redis: Redis;

  constructor(url: string, options: RedisLimitStoreOptions) {
    this.redis = new Redis(url, {
      lazyConnect: true,
      keyPrefix: options.keyPrefix ?? 'charcha:limit:',
      // Fail a request within seconds instead of queueing it while Redis is away.
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: 2_000,
    });
    this.redis.on('error', options.onError);
  }

  async hit(key: string, rule: LimitRule, now: number): Promise<Hit> {
    const lock = rule.lock ?? { baseMs: 0, maxMs: 0 };
    const reply = (await this.#command(() => this.redis.eval(HIT, 1, key, now, rule.limit, rule.windowMs, lock.baseMs, lock.maxMs))) as [number, number, number];
    const [admitted, count, blockedUntil] = reply;
    return { admitted: admitted === 1, count, blockedUntil };
  }

  async undoHit(key: string): Promise<void> {
    await this.#command(() => this.redis.eval(UNDO_HIT, 1, key));
  }

  async clear(key: string): Promise<void> {
    await this.#command(() => this.redis.del(key));
  }

  /** Redis's failures, told as what they mean to a caller: the store is away for now. */
  async #command<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new DependencyUnavailableError('the rate-limit store (Redis)', { cause: error });
    }
  }

  async close(): Promise<void> {
    // Never connected (lazyConnect): nothing to say goodbye to.
    if (this.redis.status === 'wait') this.redis.disconnect();
    else await this.redis.quit();
  }
}
