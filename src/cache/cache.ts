// The cache behind page caching: one small interface, four backends chosen by
// CACHE_URL (index.ts). Values are bytes (a page's compressed variants);
// keys are any string (a backend that needs another spelling maps them).
import { createHash } from 'node:crypto';

export interface Cache {
  /** The value, or undefined when absent or expired. */
  get(key: string): Promise<Buffer | undefined>;
  /** Several values in one round trip where the backend allows it; in the keys' order. */
  getMany(keys: readonly string[]): Promise<(Buffer | undefined)[]>;
  /** Stores the value for `ttlSeconds` (1 to MAX_TTL_SECONDS). */
  set(key: string, value: Buffer, ttlSeconds: number): Promise<void>;
  /**
   * Stores the value only when the key holds none (or an expired one), atomically
   * across processes. True when this call stored it.
   */
  add(key: string, value: Buffer, ttlSeconds: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The longest TTL: memcached reads a larger number as an absolute Unix time.
 * Generation counters (generations.ts) live this long unless evicted.
 */
export const MAX_TTL_SECONDS = 30 * 24 * 3600;

export function checkTtl(ttlSeconds: number): void {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new RangeError(`cache TTL must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS}, got ${ttlSeconds}`);
  }
}

/**
 * A key as a backend with limits stores it: printable ASCII up to 200 bytes
 * as it is (readable when debugging), anything else by its SHA-256. memcached
 * refuses longer keys or spaces; a database index prefers short ones.
 */
export function storedKey(key: string): string {
  if (/^[\x21-\x7e]{1,200}$/.test(key)) return `k:${key}`;
  return `h:${createHash('sha256').update(key).digest('base64url')}`;
}
