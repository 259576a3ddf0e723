import { LRUCache } from 'lru-cache';
import type { Clock } from '../errors.js';
import { checkTtl, type Cache } from './cache.js';

/**
 * This process's own cache (the default): bounded by the bytes it holds, the
 * least recently used entries go first. Not shared: with several processes
 * each would keep pages another one's write made stale.
 */
export class MemoryCache implements Cache {
  private readonly entries: LRUCache<string, Buffer>;

  /** `now`: the app's clock, so entries expire when a test moves time, as the db:// backend's do. */
  constructor(maxBytes: number, now: Clock) {
    this.entries = new LRUCache<string, Buffer>({
      maxSize: maxBytes,
      sizeCalculation: (value, key) => value.length + key.length,
      perf: { now },
      // Ask the clock on every look rather than keep its answer for a millisecond of real time.
      ttlResolution: 0,
    });
  }

  async get(key: string): Promise<Buffer | undefined> {
    return this.entries.get(key);
  }

  async getMany(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    return keys.map((key) => this.entries.get(key));
  }

  async set(key: string, value: Buffer, ttlSeconds: number): Promise<void> {
    checkTtl(ttlSeconds);
    this.entries.set(key, value, { ttl: ttlSeconds * 1000 });
  }

  async add(key: string, value: Buffer, ttlSeconds: number): Promise<boolean> {
    checkTtl(ttlSeconds);
    // One thread: nothing runs between the look and the write.
    if (this.entries.has(key)) return false;
    this.entries.set(key, value, { ttl: ttlSeconds * 1000 });
    return true;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
