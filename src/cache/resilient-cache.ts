import type { Clock } from '../errors.js';
import { checkTtl, type Cache } from './cache.js';

export interface CacheLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface ResilientCacheOptions {
  /** Named in the log lines (the backend, never its URL: that may hold a password). */
  name: string;
  log: CacheLogger;
  now: Clock;
  /** While the backend is down, calls skip it this long before one tries it again. */
  retryAfterMs?: number;
  /**
   * The probe while the backend is down, on the backend itself: its success
   * ends the outage (index.ts invalidates every page, as the writes during
   * the outage could not). By default a read.
   */
  onRecovered?: (backend: Cache) => Promise<void>;
}

/**
 * A cache that never fails its caller: while the backend cannot be reached,
 * reads miss and writes are dropped, so the forum serves without a cache
 * instead of answering errors. The outage is logged once when it starts and
 * once when it ends, not per request; meanwhile calls skip the backend, and
 * one call every `retryAfterMs` tries it again.
 */
export class ResilientCache implements Cache {
  /** Since when the backend is failing; undefined while it answers. */
  private downSince: number | undefined;
  private nextTryAt = 0;

  constructor(
    private readonly backend: Cache,
    private readonly options: ResilientCacheOptions,
  ) {}

  /** Whether the backend answered the last call made to it. */
  get available(): boolean {
    return this.downSince === undefined;
  }

  get(key: string): Promise<Buffer | undefined> {
    return this.attempt(() => this.backend.get(key), undefined);
  }

  getMany(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    return this.attempt(
      () => this.backend.getMany(keys),
      keys.map(() => undefined),
    );
  }

  // A bad TTL is our bug, not an outage: it is refused before the backend is asked.
  async set(key: string, value: Buffer, ttlSeconds: number): Promise<void> {
    checkTtl(ttlSeconds);
    return this.attempt(() => this.backend.set(key, value, ttlSeconds), undefined);
  }

  async add(key: string, value: Buffer, ttlSeconds: number): Promise<boolean> {
    checkTtl(ttlSeconds);
    return this.attempt(() => this.backend.add(key, value, ttlSeconds), false);
  }

  delete(key: string): Promise<void> {
    return this.attempt(() => this.backend.delete(key), undefined);
  }

  close(): Promise<void> {
    return this.backend.close();
  }

  private async attempt<T>(run: () => Promise<T>, fallback: T): Promise<T> {
    if (this.downSince !== undefined && !(await this.recovered())) return fallback;
    try {
      return await run();
    } catch (err) {
      this.failed(err);
      return fallback;
    }
  }

  /** While down: whether the backend answers again, tried once per interval. */
  private async recovered(): Promise<boolean> {
    if (this.options.now() < this.nextTryAt) return false;
    // Other calls meanwhile skip the backend rather than pile onto it.
    this.nextTryAt = this.options.now() + this.retryAfterMs;
    try {
      // First thing once it answers, before any read could return what the outage made stale.
      await (this.options.onRecovered ?? ((backend) => backend.get('ping')))(this.backend);
    } catch (err) {
      this.failed(err);
      return false;
    }
    this.options.log.info({ cache: this.options.name, downForMs: this.options.now() - this.downSince! }, 'cache answers again');
    this.downSince = undefined;
    return true;
  }

  private failed(err: unknown): void {
    const now = this.options.now();
    this.nextTryAt = now + this.retryAfterMs;
    if (this.downSince !== undefined) return;
    this.downSince = now;
    this.options.log.warn({ err, cache: this.options.name }, 'cache unavailable: serving without it until it answers again');
  }

  private get retryAfterMs(): number {
    return this.options.retryAfterMs ?? 5_000;
  }
}
