// An account's ways to sign in (a password, linked identities, passkeys): the
// last one may not be removed, whichever kind it is.
import type { Transaction } from 'kysely';
import type { DialectName } from '../db/database.js';
import type { Database } from '../db/schema.js';

export interface WaysIn {
  password: boolean;
  identityIds: number[];
  passkeyIds: number[];
}

/**
 * Read with the account row locked (SQLite: the transaction's write lock),
 * so two removals at once cannot take the last two ways in.
 */
export async function lockedWaysIn(trx: Transaction<Database>, dialect: DialectName, userId: number): Promise<WaysIn> {
  const user = await trx
    .selectFrom('users')
    .select('password_hash')
    .where('id', '=', userId)
    .$if(dialect === 'postgres', (q) => q.forUpdate())
    .executeTakeFirstOrThrow();
  const [identities, passkeys] = await Promise.all([
    trx.selectFrom('identities').select('id').where('user_id', '=', userId).execute(),
    trx.selectFrom('passkeys').select('id').where('user_id', '=', userId).execute(),
  ]);
  return { password: user.password_hash !== null, identityIds: identities.map((i) => i.id), passkeyIds: passkeys.map((p) => p.id) };
}

export const countWaysIn = (ways: WaysIn): number => (ways.password ? 1 : 0) + ways.identityIds.length + ways.passkeyIds.length;
