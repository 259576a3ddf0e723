import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

// The transactional outbox (src/outbox/): a delivery job is written in the
// same transaction as what causes it, and a worker claims and runs it later.
// Times are epoch milliseconds. `state`: pending (waiting for run_after),
// running (claimed_by holds it; claimed_at is its lease, renewed while it
// runs), done, failed (attempts spent or refused for good), unknown (a send
// whose outcome nobody knows: a worker died mid-send, or the provider never
// answered; never sent again).
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const table = db.schema.createTable('outbox_jobs');
  await (dialect === 'postgres' ? table.addColumn('id', 'bigserial', (c) => c.primaryKey()) : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('run_after', 'bigint', (c) => c.notNull())
    .addColumn('claimed_at', 'bigint')
    .addColumn('claimed_by', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('done_at', 'bigint')
    .execute();
  // The claim: pending jobs that are due, oldest first.
  await db.schema.createIndex('outbox_jobs_due').on('outbox_jobs').columns(['state', 'run_after', 'id']).execute();
  // Recovery: running jobs whose lease ran out.
  await db.schema.createIndex('outbox_jobs_claimed').on('outbox_jobs').columns(['state', 'claimed_at']).execute();
}
