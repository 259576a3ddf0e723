import type { Kysely, Transaction } from 'kysely';
import { isTransactionConflict } from './faults.js';
import type { Database } from './schema.js';

/** How often a transaction that lost a conflict runs again before the error goes up. */
export const TRANSACTION_ATTEMPTS = 4;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` in a transaction, running it again when PostgreSQL aborts it as
 * a deadlock or serialization failure: a rolled-back transaction changed
 * nothing, so the repeat is safe. `work` must touch only the database.
 */
export async function inTransaction<T>(db: Kysely<Database>, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      if (attempt >= TRANSACTION_ATTEMPTS || !isTransactionConflict(error)) throw error;
      // A short random pause, so the two sides of a deadlock do not meet again.
      await pause(Math.random() * 20 * attempt);
    }
  }
}
