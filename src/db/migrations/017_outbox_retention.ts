import type { Kysely } from 'kysely';

// Finished outbox jobs are deleted after a while (Outbox.prune: done ones
// after OUTBOX_KEEP_DAYS, failed and unknown ones after
// OUTBOX_KEEP_FAILED_DAYS). The prune finds them by state and age.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('outbox_jobs_finished').on('outbox_jobs').columns(['state', 'done_at']).execute();
}
