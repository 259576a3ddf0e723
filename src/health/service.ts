import { sql, type Kysely } from 'kysely';
import type { ResilientCache } from '../cache/resilient-cache.js';
import type { Database } from '../db/schema.js';

export interface Readiness {
  /** The database answered a query: without it this instance can serve nothing. */
  database: boolean;
  /** The cache answered; without it pages are served uncached, so it does not decide readiness. */
  cache: boolean;
}

/** What a load balancer asks before sending this instance traffic. */
export class HealthService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly cache: ResilientCache,
  ) {}

  /** Never throws: a failure is the answer. The cache logs its own outage (once). */
  async readiness(): Promise<{ readiness: Readiness; databaseError?: unknown }> {
    let databaseError: unknown;
    try {
      await sql`select 1`.execute(this.db);
    } catch (error) {
      databaseError = error;
    }
    await this.cache.get('readyz');
    return { readiness: { database: databaseError === undefined, cache: this.cache.available }, databaseError };
  }
}
