// inTransaction runs a transaction again when PostgreSQL aborts it to break a
// deadlock, so both sides of a forced deadlock complete; other errors are not
// retried. (SQLite takes the write lock up front and cannot deadlock.)
import { describe, expect, it } from 'vitest';
import { inTransaction, TRANSACTION_ATTEMPTS } from '../src/db/transaction.js';
import { useTestApp } from './support/app.js';
import { testDbKind } from './support/test-db.js';

describe('transactions', () => {
  const t = useTestApp();

  const twoUsers = async () => {
    const rows = await t()
      .db.kysely.insertInto('users')
      .values(['one', 'two'].map((name) => ({ username: `${name}${Math.random()}`, username_key: `${name}${Math.random()}`, password_hash: 'x', created_at: 0 })))
      .returning('id')
      .execute();
    return rows.map((r) => r.id) as [number, number];
  };

  it.runIf(testDbKind === 'postgres')('run again when PostgreSQL breaks a deadlock, so both sides complete', async () => {
    const [a, b] = await twoUsers();
    let attempts = 0;
    let arrived = 0;
    let releaseBoth: () => void = () => {};
    const bothLocked = new Promise<void>((resolve) => (releaseBoth = resolve));
    // Each side locks one row, waits (first attempt only) until the other holds its row, then wants the other's.
    const side = (first: number, second: number) =>
      inTransaction(t().db.kysely, async (trx) => {
        attempts++;
        await trx.updateTable('users').set((eb) => ({ score: eb('score', '+', 1) })).where('id', '=', first).execute();
        if (++arrived === 2) releaseBoth();
        await bothLocked;
        await trx.updateTable('users').set((eb) => ({ score: eb('score', '+', 1) })).where('id', '=', second).execute();
      });
    await Promise.all([side(a, b), side(b, a)]);
    expect(attempts).toBe(3);
    const scores = await t().db.kysely.selectFrom('users').select('score').where('id', 'in', [a, b]).execute();
    expect(scores.map((s) => s.score)).toEqual([2, 2]);
  });

  it('do not run again for other errors, and give up after a bounded number of conflicts', async () => {
    let attempts = 0;
    const duplicate = inTransaction(t().db.kysely, async (trx) => {
      attempts++;
      await trx.insertInto('users').values({ username: 'x', username_key: 'same-key', password_hash: 'x', created_at: 0 }).execute();
      await trx.insertInto('users').values({ username: 'y', username_key: 'same-key', password_hash: 'x', created_at: 0 }).execute();
    });
    await expect(duplicate).rejects.toThrow();
    expect(attempts).toBe(1);

    attempts = 0;
    const conflict = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    const endless = inTransaction(t().db.kysely, async () => {
      attempts++;
      throw conflict;
    });
    await expect(endless).rejects.toBe(conflict);
    expect(attempts).toBe(TRANSACTION_ATTEMPTS);
  });
});
