// The outbox table as a queue: jobs are written in the caller's transaction,
// claimed by workers (several may share the table), and finished as done,
// retried later, failed, or of unknown outcome. Knows nothing of what a job
// does: handlers (handlers.ts) do that, and say per kind whether a job that
// was running when its worker died may run again.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DialectName } from '../db/database.js';
import type { Database, OutboxJob } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import type { Clock } from '../errors.js';

export interface NewJob {
  kind: string;
  /** Anything JSON can hold: the handler's input. */
  payload: unknown;
  /** Epoch ms; not before. Default: now. */
  runAfter?: number;
}

export interface RetryPolicy {
  /** Claims at most; the last failure after this many makes the job `failed`. */
  maxAttempts: number;
  /** Wait after the first failure; doubled after each further one, up to maxDelayMs, then jittered. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** The handler refused the job for good (bad input, nowhere to send): no retry. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/** The send went out and no answer came: it may have been delivered, so it is not sent again. */
export class DeliveryUnknownError extends Error {
  override name = 'DeliveryUnknownError';
}

/** What a worker knows of the kinds it runs, for claiming and for recovering crashed jobs. */
export interface KindRules {
  /** Kinds this worker has handlers for: it claims only these. */
  kinds: readonly string[];
  /** Of those, the ones a job may run again after its worker died mid-job. */
  resendable: readonly string[];
}

/**
 * Delay before attempt `attempts + 1`: exponential, capped, with "equal
 * jitter" (half fixed, half random), so jobs that failed together (a provider
 * outage) do not all come back at the same moment.
 */
export function retryDelay(attempts: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

const MAX_ERROR_LENGTH = 1_000;

/** How long finished jobs are kept, to look into what was sent and what went wrong. */
export interface Retention {
  /** OUTBOX_KEEP_DAYS: done jobs. */
  doneDays: number;
  /** OUTBOX_KEEP_FAILED_DAYS: failed and unknown ones, the ones an operator looks into. */
  failedDays: number;
}

const DAY_MS = 86_400_000;
/** Rows per DELETE: no statement holds the write lock (SQLite's only one) for long. */
const PRUNE_BATCH = 1_000;

export class Outbox {
  readonly #listeners = new Set<() => void>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly now: Clock,
    private readonly retry: RetryPolicy,
  ) {}

  /**
   * Adds a job in `trx`, the caller's transaction (or the database itself):
   * it commits, or rolls back, with whatever caused it. Workers of this
   * process are woken; others find it at their next poll.
   */
  async enqueue(trx: Kysely<Database> | Transaction<Database>, job: NewJob): Promise<number> {
    const [id] = await this.enqueueAll(trx, [job]);
    return id!;
  }

  /** enqueue for several jobs, in one insert. */
  async enqueueAll(trx: Kysely<Database> | Transaction<Database>, jobs: readonly NewJob[]): Promise<number[]> {
    if (jobs.length === 0) return [];
    const now = this.now();
    const rows = await trx
      .insertInto('outbox_jobs')
      .values(jobs.map((job) => ({ kind: job.kind, payload: JSON.stringify(job.payload), run_after: job.runAfter ?? now, created_at: now })))
      .returning('id')
      .execute();
    for (const listener of this.#listeners) listener();
    return rows.map((row) => row.id);
  }

  /** Called after each enqueue in this process; returns the unsubscribe. */
  onEnqueue(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Recovers jobs whose worker died (their lease ran out), then claims up to
   * `limit` due jobs of `rules.kinds` for `workerId`, as one write.
   * PostgreSQL: the rows are picked `FOR UPDATE SKIP LOCKED`, so concurrent
   * claimers take different jobs without waiting on each other. SQLite: the
   * transaction begins IMMEDIATE (the database's one write lock), so claims
   * are serialised and each is a single `UPDATE … RETURNING`.
   */
  async claim(workerId: string, limit: number, rules: KindRules, leaseMs: number): Promise<OutboxJob[]> {
    if (limit <= 0 || rules.kinds.length === 0) return [];
    const now = this.now();
    // Two indexed reads first: an idle poll takes no write lock (SQLite has one for the whole database).
    if (!(await this.#anythingToDo(workerId, rules, now, now - leaseMs))) return [];
    return inTransaction(this.db, async (trx) => {
      await this.#recover(trx, workerId, rules, now - leaseMs, now);
      const due = trx
        .selectFrom('outbox_jobs')
        .select('id')
        .where('state', '=', 'pending')
        .where('run_after', '<=', now)
        .where('kind', 'in', rules.kinds)
        .orderBy('run_after')
        .orderBy('id')
        .limit(limit);
      const claimed = await trx
        .updateTable('outbox_jobs')
        .set({ state: 'running', attempts: sql`attempts + 1`, claimed_at: now, claimed_by: workerId })
        .where('id', 'in', this.dialect === 'postgres' ? due.forUpdate().skipLocked() : due)
        .returningAll()
        .execute();
      // RETURNING has no order: oldest first again.
      return claimed.sort((a, b) => a.run_after - b.run_after || a.id - b.id);
    });
  }

  async #anythingToDo(workerId: string, rules: KindRules, now: number, staleBefore: number): Promise<boolean> {
    const due = await this.db.selectFrom('outbox_jobs').select('id').where('state', '=', 'pending').where('run_after', '<=', now).where('kind', 'in', rules.kinds).limit(1).executeTakeFirst();
    if (due) return true;
    const stale = await this.db.selectFrom('outbox_jobs').select('id').where('state', '=', 'running').where('claimed_at', '<', staleBefore).where('kind', 'in', rules.kinds).where('claimed_by', '<>', workerId).limit(1).executeTakeFirst();
    return stale !== undefined;
  }

  /**
   * A running job whose lease ran out lost its worker mid-job. A resendable
   * kind runs again (at least once), unless its attempts are spent; any
   * other kind may have been sent, so it becomes `unknown` and is not sent
   * again. Kinds this worker does not know are left to workers that do.
   */
  async #recover(trx: Transaction<Database>, workerId: string, rules: KindRules, staleBefore: number, now: number): Promise<void> {
    // Never its own jobs: this worker knows they are running (a stalled event loop may have delayed their renewal).
    const stale = (kinds: readonly string[]) =>
      trx.updateTable('outbox_jobs').where('state', '=', 'running').where('claimed_at', '<', staleBefore).where('kind', 'in', kinds).where('claimed_by', '<>', workerId);
    const resendable = rules.resendable;
    const final = rules.kinds.filter((kind) => !resendable.includes(kind));
    if (resendable.length > 0) {
      await stale(resendable)
        .where('attempts', '<', this.retry.maxAttempts)
        .set({ state: 'pending', run_after: now, claimed_at: null, last_error: 'its worker stopped mid-job; run again' })
        .execute();
      await stale(resendable).set({ state: 'failed', done_at: now, last_error: 'its worker stopped mid-job, and its attempts are spent' }).execute();
    }
    if (final.length > 0) {
      await stale(final).set({ state: 'unknown', done_at: now, last_error: 'its worker stopped mid-send: delivery unknown, not sent again' }).execute();
    }
  }

  /** Renews the lease of the jobs `workerId` is still running. */
  async renew(workerId: string, ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.updateTable('outbox_jobs').set({ claimed_at: this.now() }).where('id', 'in', ids).where('claimed_by', '=', workerId).where('state', '=', 'running').execute();
  }

  /** Done; `remark` (kept in last_error) says why nothing was sent, or where it was not, when the handler said so. */
  async complete(workerId: string, job: OutboxJob, remark?: string): Promise<void> {
    await this.#finish(workerId, job, { state: 'done', done_at: this.now(), last_error: remark === undefined ? null : remark.slice(0, MAX_ERROR_LENGTH) });
  }

  /**
   * Records a failed run: `unknown` when the send may have happened,
   * `failed` when refused for good or out of attempts, else pending again
   * after the backoff. Returns the state the job is left in.
   */
  async fail(workerId: string, job: OutboxJob, error: unknown): Promise<'pending' | 'failed' | 'unknown'> {
    const now = this.now();
    const message = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, MAX_ERROR_LENGTH);
    if (error instanceof DeliveryUnknownError) {
      await this.#finish(workerId, job, { state: 'unknown', done_at: now, last_error: message });
      return 'unknown';
    }
    if (error instanceof PermanentJobError || job.attempts >= this.retry.maxAttempts) {
      await this.#finish(workerId, job, { state: 'failed', done_at: now, last_error: message });
      return 'failed';
    }
    await this.#finish(workerId, job, { state: 'pending', run_after: now + retryDelay(job.attempts, this.retry), claimed_at: null, last_error: message });
    return 'pending';
  }

  /** Deletes the finished jobs older than `retention` says; returns how many. */
  async prune(retention: Retention): Promise<number> {
    const now = this.now();
    let deleted = 0;
    for (const [states, days] of [
      [['done'], retention.doneDays],
      [['failed', 'unknown'], retention.failedDays],
    ] as const) {
      for (;;) {
        const old = this.db.selectFrom('outbox_jobs').select('id').where('state', 'in', states).where('done_at', '<', now - days * DAY_MS).limit(PRUNE_BATCH);
        // PostgreSQL: two workers pruning at once take different rows rather than wait for each other.
        const result = await this.db
          .deleteFrom('outbox_jobs')
          .where('id', 'in', this.dialect === 'postgres' ? old.forUpdate().skipLocked() : old)
          .executeTakeFirst();
        const count = Number(result.numDeletedRows);
        deleted += count;
        if (count < PRUNE_BATCH) break;
      }
    }
    return deleted;
  }

  // Only while this worker still holds the job: after a lost lease, the recovery's verdict stands.
  async #finish(workerId: string, job: OutboxJob, changes: Partial<Pick<OutboxJob, 'state' | 'done_at' | 'last_error' | 'run_after' | 'claimed_at'>>): Promise<void> {
    await this.db.updateTable('outbox_jobs').set(changes).where('id', '=', job.id).where('claimed_by', '=', workerId).where('state', '=', 'running').execute();
  }
}
