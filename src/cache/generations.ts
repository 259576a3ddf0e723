import { randomBytes } from 'node:crypto';
import { MAX_TTL_SECONDS, type Cache } from './cache.js';

/** The family every stamp includes: bumping it invalidates every page at once. */
const EVERYTHING = '*';

const keyOf = (family: string) => `gen:${family}`;
const newToken = () => Buffer.from(randomBytes(6).toString('base64url'));

/**
 * Invalidation by generation ("namespace versioning", as memcached's own
 * FAQ suggests): every family of cached things (`front`, `post:42`,
 * `user:7`) has a random token in the cache; a page's key carries the tokens
 * of the families it shows (its stamp); a write replaces the tokens of the
 * families it changed, so every process's next lookup builds a new key and
 * misses. Nothing is listed or deleted: old entries age out by TTL or LRU.
 *
 * Tokens are random, not counters, so a token lost to eviction or a restart
 * is replaced by one no old entry was stored under. Correct across processes
 * when a page reads its stamp before it reads the database and a write bumps
 * after its transaction commits: a page rendered from data older than the
 * write carries the old token and is never looked up again.
 */
export class Generations {
  private bumps = 0;

  /** `processLocal`: the cache is this process's own (memory), so every bump is one of this instance's. */
  constructor(
    private readonly cache: Cache,
    private readonly processLocal = false,
  ) {}

  /**
   * With a process-local cache, how many bumps there have been: a stamp read
   * while this number stays the same is still current, without reading it
   * again (the front door's hits). Undefined when other processes can bump.
   */
  get localVersion(): number | undefined {
    return this.processLocal ? this.bumps : undefined;
  }

  /**
   * The stamp for a page showing these families; undefined when the cache
   * cannot say (it is unavailable): then the page must not be cached.
   */
  async stamp(families: readonly string[]): Promise<string | undefined> {
    const all = [EVERYTHING, ...families];
    const tokens = await this.cache.getMany(all.map(keyOf));
    for (const [i, token] of tokens.entries()) {
      if (token) continue;
      // None yet (or evicted): make one; of processes racing here, the first one's stands.
      const made = newToken();
      const key = keyOf(all[i]!);
      tokens[i] = (await this.cache.add(key, made, MAX_TTL_SECONDS)) ? made : await this.cache.get(key);
      if (!tokens[i]) return undefined;
    }
    return tokens.map(String).join('.');
  }

  /** Invalidates every page whose stamp includes one of these families. Call after the write commits. */
  async bump(...families: readonly string[]): Promise<void> {
    this.bumps++;
    await Promise.all(families.map((family) => this.cache.set(keyOf(family), newToken(), MAX_TTL_SECONDS)));
  }

  /** Invalidates every page (after a cache outage, when invalidations may have been lost). */
  bumpAll(): Promise<void> {
    return this.bump(EVERYTHING);
  }
}
