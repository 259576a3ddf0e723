import type { Kysely } from 'kysely';
import type { Clock } from '../errors.js';
import type { Database } from '../db/schema.js';
import { checkTtl, storedKey, type Cache } from './cache.js';

/** A write culls at most this often (per process). */
const CULL_INTERVAL_MS = 60_000;

/**
 * The cache as a table of the app's database (`cache_entries`), as Django's
 * database cache: nothing else to run, shared by every process on the same
 * database, but each hit is a query. Expired rows count as absent; a write
 * culls them now and then, and trims the table to `maxEntries`, dropping the
 * entries that would expire soonest.
 */
export class DbCache implements Cache {
  private lastCull = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: Clock,
    private readonly maxEntries: number,
  ) {}

  async get(key: string): Promise<Buffer | undefined> {
    const [value] = await this.getMany([key]);
    return value;
  }

  async getMany(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return [];
    const stored = keys.map(storedKey);
    const rows = await this.db
      .selectFrom('cache_entries')
      .select(['key', 'value'])
      .where('key', 'in', stored)
      .where('expires_at', '>', this.now())
      .execute();
    const byKey = new Map(rows.map((row) => [row.key, row.value]));
    return stored.map((key) => byKey.get(key));
  }

  async set(key: string, value: Buffer, ttlSeconds: number): Promise<void> {
    await this.write(key, value, ttlSeconds, false);
  }

  async add(key: string, value: Buffer, ttlSeconds: number): Promise<boolean> {
    return this.write(key, value, ttlSeconds, true);
  }

  async delete(key: string): Promise<void> {
    await this.db.deleteFrom('cache_entries').where('key', '=', storedKey(key)).execute();
  }

  async close(): Promise<void> {
    // The database belongs to the app, which closes it.
  }

  /** One upsert; `onlyIfAbsent` overwrites an expired row only. */
  private async write(key: string, value: Buffer, ttlSeconds: number, onlyIfAbsent: boolean): Promise<boolean> {
    checkTtl(ttlSeconds);
    const now = this.now();
    const result = await this.db
      .insertInto('cache_entries')
      .values({ key: storedKey(key), value, expires_at: now + ttlSeconds * 1000 })
      .onConflict((conflict) => {
        const update = conflict.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), expires_at: eb.ref('excluded.expires_at') }));
        return onlyIfAbsent ? update.where('cache_entries.expires_at', '<=', now) : update;
      })
      .executeTakeFirst();
    await this.cullNowAndThen(now);
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  private async cullNowAndThen(now: number): Promise<void> {
    if (now - this.lastCull < CULL_INTERVAL_MS) return;
    this.lastCull = now;
    await this.db.deleteFrom('cache_entries').where('expires_at', '<=', now).execute();
    const { count } = await this.db
      .selectFrom('cache_entries')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    const excess = Number(count) - this.maxEntries;
    if (excess <= 0) return;
    // A tenth more than the excess, so the next writes do not each trim again.
    const soonest = this.db.selectFrom('cache_entries').select('key').orderBy('expires_at').limit(excess + Math.ceil(this.maxEntries / 10));
    await this.db.deleteFrom('cache_entries').where('key', 'in', soonest).execute();
  }
}
