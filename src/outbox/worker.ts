// Runs outbox jobs: polls, claims as many due jobs as it has free slots,
// runs their handlers, records each outcome. Renews the lease of the jobs it
// runs, so a job whose lease runs out really lost its worker, and deletes
// old finished jobs now and then. stop() claims nothing more and resolves
// once the jobs in flight have finished.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { OutboxJob } from '../db/schema.js';
import { kindRules, type JobHandlers, type JobOutcome } from './handlers.js';
import type { KindRules, Outbox, Retention } from './queue.js';

export interface WorkerSettings {
  /** Wait between polls when there is nothing to do (an enqueue in this process wakes it sooner). */
  pollMs: number;
  /** Jobs run at once, at most. */
  concurrency: number;
  /** A running job whose claim is older than this lost its worker; renewed every third of it while it runs. */
  leaseMs: number;
  /** Finished jobs older than this are deleted, when the worker starts and every hour. */
  retention: Retention;
}

const PRUNE_EVERY_MS = 3_600_000;

export interface WorkerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What last_error keeps of a job that is done: nothing when it was simply sent. */
function remarkOn(outcome: JobOutcome): string | undefined {
  if (!outcome) return undefined;
  return 'skipped' in outcome ? `skipped: ${outcome.skipped}` : `sent, except: ${outcome.sentExcept}`;
}

export class Worker {
  /** Written into the jobs it claims: which process holds them. */
  readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  readonly #rules: KindRules;
  readonly #running = new Map<number, Promise<void>>();
  #loop: Promise<void> | undefined;
  #stopping = false;
  #woken = false;
  #resume: (() => void) | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #pruning: NodeJS.Timeout | undefined;
  #pruned: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void) | undefined;

  constructor(
    private readonly outbox: Outbox,
    private readonly handlers: JobHandlers,
    private readonly settings: WorkerSettings,
    private readonly log: WorkerLogger,
  ) {
    this.#rules = kindRules(handlers);
  }

  start(): void {
    if (this.#loop) return;
    this.#unsubscribe = this.outbox.onEnqueue(() => this.wake());
    this.#heartbeat = setInterval(() => void this.#renew(), Math.max(1, Math.floor(this.settings.leaseMs / 3)));
    this.#loop = this.#run();
    this.#pruned = this.#prune();
    this.#pruning = setInterval(() => {
      this.#pruned = this.#prune();
    }, PRUNE_EVERY_MS);
    this.log.info({ worker: this.id, kinds: this.#rules.kinds, concurrency: this.settings.concurrency }, 'outbox worker started');
  }

  /** Claim now rather than at the next poll. */
  wake(): void {
    this.#woken = true;
    this.#resume?.();
  }

  /** Claims nothing more; resolves when the jobs in flight have finished and their outcomes are recorded. */
  async stop(): Promise<void> {
    if (!this.#loop || this.#stopping) return;
    this.#stopping = true;
    this.#unsubscribe?.();
    this.wake();
    await this.#loop;
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
    clearInterval(this.#heartbeat);
    clearInterval(this.#pruning);
    await this.#pruned;
    this.log.info({ worker: this.id }, 'outbox worker stopped');
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      this.#woken = false;
      const free = this.settings.concurrency - this.#running.size;
      if (free > 0) {
        try {
          for (const job of await this.outbox.claim(this.id, free, this.#rules, this.settings.leaseMs)) this.#start(job);
        } catch (err) {
          this.log.warn({ err }, 'outbox: claiming jobs failed; trying again at the next poll');
        }
      }
      // Woken meanwhile (an enqueue, a finished job): claim again at once.
      if (!this.#woken && !this.#stopping) await this.#pause();
    }
  }

  #pause(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#resume = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.settings.pollMs);
      this.#resume = done;
    });
  }

  #start(job: OutboxJob): void {
    const task = this.#runJob(job).finally(() => {
      this.#running.delete(job.id);
      this.wake(); // a slot is free
    });
    this.#running.set(job.id, task);
  }

  async #runJob(job: OutboxJob): Promise<void> {
    const context = { job: job.id, kind: job.kind, attempt: job.attempts };
    let failure: { error: unknown } | undefined;
    let outcome: JobOutcome = undefined;
    try {
      outcome = await this.handlers.get(job.kind)!.handle(JSON.parse(job.payload));
    } catch (error) {
      failure = { error };
    }
    // Recorded apart from the handler's outcome: a database error here must not pass for a failed send (and resend it).
    try {
      if (!failure) {
        if (outcome && 'sentExcept' in outcome) this.log.warn({ ...context, refused: outcome.sentExcept }, 'outbox: job sent, but not everywhere');
        return await this.outbox.complete(this.id, job, remarkOn(outcome));
      }
      const state = await this.outbox.fail(this.id, job, failure.error);
      const line = { ...context, err: failure.error, state };
      if (state === 'failed') this.log.error(line, 'outbox: job failed for good');
      else if (state === 'unknown') this.log.warn(line, 'outbox: delivery unknown; not sent again');
      else this.log.warn(line, 'outbox: job failed; retrying later');
    } catch (err) {
      this.log.error({ ...context, err }, 'outbox: could not record a job outcome; its lease will run out and the crash rules apply');
    }
  }

  async #prune(): Promise<void> {
    try {
      const deleted = await this.outbox.prune(this.settings.retention);
      if (deleted > 0) this.log.info({ worker: this.id, deleted }, 'outbox: deleted old finished jobs');
    } catch (err) {
      this.log.warn({ err }, 'outbox: deleting old finished jobs failed; trying again in an hour');
    }
  }

  async #renew(): Promise<void> {
    try {
      await this.outbox.renew(this.id, [...this.#running.keys()]);
    } catch (err) {
      this.log.warn({ err }, 'outbox: renewing leases failed');
    }
  }
}
