// The outbox as a queue, on the real database of the project (SQLite, then
// PostgreSQL): jobs commit or roll back with their cause, concurrent claimers
// never share a job, failures back off and end, and a worker that died
// mid-job leaves each kind in the state its crash rule says.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import type { OutboxJobState } from '../src/db/schema.js';
import { inTransaction } from '../src/db/transaction.js';
import type { JobHandler } from '../src/outbox/handlers.js';
import { DeliveryUnknownError, Outbox, PermanentJobError, retryDelay, type KindRules, type Retention, type RetryPolicy } from '../src/outbox/queue.js';
import { Worker } from '../src/outbox/worker.js';
import { TestClock } from './support/app.js';
import { createTestDatabase, testDbKind, type TestDatabase } from './support/test-db.js';

const POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 };
const RULES: KindRules = { kinds: ['email', 'sms'], resendable: [] };
const LEASE_MS = 30_000;
const RETENTION = { doneDays: 7, failedDays: 90 };
const DAY = 86_400_000;
const silent = { info: () => {}, warn: () => {}, error: () => {} };

const until = async (check: () => Promise<boolean>, timeoutMs = 10_000) => {
  for (const started = Date.now(); !(await check()); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
  }
};

/**
 * A claimer in a process of its own (the built code): from `startAt`, claims
 * batches of 5 until none is left, and returns the ids it got. On SQLite,
 * claimers in one process could not wait for each other's lock
 * (better-sqlite3 waits synchronously, blocking the holder's own commit).
 */
async function claimInChild(url: string, name: string, startAt: number, now: number): Promise<number[]> {
  const dist = resolve('dist');
  const script = `
    import { openDatabase } from '${dist}/db/database.js';
    import { Outbox } from '${dist}/outbox/queue.js';
    const db = openDatabase(process.env.URL, { sqliteBusyTimeoutMs: 20000 });
    const queue = new Outbox(db.kysely, db.dialect, () => ${now}, { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10000 });
    await db.kysely.selectFrom('outbox_jobs').select('id').limit(1).execute(); // connected
    await new Promise((r) => setTimeout(r, ${startAt} - Date.now()));
    const ids = [];
    for (;;) {
      const batch = await queue.claim('${name}', 5, { kinds: ['email'], resendable: [] }, 30000);
      if (batch.length === 0) break;
      ids.push(...batch.map((job) => job.id));
      // A worker runs what it claimed before claiming more. Without a pause, on SQLite the first
      // claimer can take all 400 before the others' busy handlers (sleeping 1, 2, 5 … 100 ms) look again.
      await new Promise((r) => setTimeout(r, 1));
    }
    await db.close();
    console.log(JSON.stringify(ids));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, URL: url }, timeout: 50_000 });
  return JSON.parse(stdout) as number[];
}

describe('outbox', () => {
  let database: TestDatabase;
  let db: Db;
  let clock: TestClock;
  let outbox: Outbox;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.open();
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    await db.kysely.deleteFrom('outbox_jobs').execute();
    clock = new TestClock();
    outbox = new Outbox(db.kysely, db.dialect, clock.now, POLICY);
  });

  const job = (id: number) => db.kysely.selectFrom('outbox_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('commits a job with the transaction that enqueued it, and rolls it back with it', async () => {
    const kept = await inTransaction(db.kysely, (trx) => outbox.enqueue(trx, { kind: 'email', payload: { to: 'a@example.com', subject: 's', text: 't' } }));
    await expect(
      inTransaction(db.kysely, async (trx) => {
        await outbox.enqueue(trx, { kind: 'sms', payload: { to: '+919876543210', message: 'hi' } });
        throw new Error('the cause failed');
      }),
    ).rejects.toThrow('the cause failed');
    const rows = await db.kysely.selectFrom('outbox_jobs').selectAll().execute();
    expect(rows.map((r) => r.id)).toEqual([kept]);
    expect(rows[0]).toMatchObject({ kind: 'email', state: 'pending', attempts: 0, run_after: clock.time, created_at: clock.time });
    expect(JSON.parse(rows[0]!.payload)).toEqual({ to: 'a@example.com', subject: 's', text: 't' });
  });

  it('gives each job to one claimer only, however many claim at once (separate processes)', async () => {
    const count = 400;
    await db.kysely
      .insertInto('outbox_jobs')
      .values(Array.from({ length: count }, (_, i) => ({ kind: 'email', payload: `{"n":${i}}`, run_after: clock.time, created_at: clock.time })))
      .execute();
    const startAt = Date.now() + 2_500; // all four have started by then, and claim together
    const claimed = await Promise.all(Array.from({ length: 4 }, (_, i) => claimInChild(database.url, `claimer-${i}`, startAt, clock.time)));
    const all = claimed.flat();
    expect(all).toHaveLength(count);
    expect(new Set(all).size).toBe(count);
    expect(claimed.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);
    const rows = await db.kysely.selectFrom('outbox_jobs').select(['id', 'state', 'attempts', 'claimed_by']).execute();
    for (const row of rows) {
      expect(row).toMatchObject({ state: 'running', attempts: 1 });
      expect(claimed[Number(row.claimed_by!.split('-')[1])]).toContain(row.id);
    }
  }, 60_000);

  it.runIf(testDbKind === 'postgres')('skips rows another transaction holds, without waiting for it (PostgreSQL)', async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, () => outbox.enqueue(db.kysely, { kind: 'email', payload: {} })));
    const other = database.open();
    try {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const lockTaken = new Promise<void>((resolve) => (locked = resolve));
      // Another claimer, mid-transaction, holding the two oldest jobs.
      const holder = other.kysely.transaction().execute(async (trx) => {
        await sql`select id from outbox_jobs where id in (${ids[0]}, ${ids[1]}) for update`.execute(trx);
        locked();
        await released;
      });
      await lockTaken;
      const started = Date.now();
      const claimed = await outbox.claim('second', 10, RULES, LEASE_MS);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(claimed.map((j) => j.id).sort()).toEqual(ids.slice(2).sort());
      release();
      await holder;
    } finally {
      await other.close();
    }
  });

  it('backs off exponentially with jitter, then fails the job for good after the last attempt', async () => {
    expect(retryDelay(1, POLICY, () => 0)).toBe(500);
    expect(retryDelay(1, POLICY, () => 0.999999)).toBe(1_000);
    expect(retryDelay(3, POLICY, () => 0)).toBe(2_000);
    expect(retryDelay(10, POLICY, () => 0.999999)).toBe(10_000); // capped

    const id = await outbox.enqueue(db.kysely, { kind: 'sms', payload: {} });
    for (let attempt = 1; attempt <= POLICY.maxAttempts; attempt++) {
      const [claimed] = await outbox.claim('w', 10, RULES, LEASE_MS);
      expect(claimed).toMatchObject({ id, attempts: attempt, state: 'running', claimed_by: 'w' });
      const state = await outbox.fail('w', claimed!, new Error(`provider down #${attempt}`));
      const row = await job(id);
      if (attempt < POLICY.maxAttempts) {
        expect(state).toBe('pending');
        const wait = row.run_after - clock.time;
        const full = POLICY.baseDelayMs * 2 ** (attempt - 1);
        expect(wait).toBeGreaterThanOrEqual(full / 2);
        expect(wait).toBeLessThanOrEqual(full);
        expect(await outbox.claim('w', 10, RULES, LEASE_MS)).toEqual([]); // not due yet
        clock.advance(wait);
      } else {
        expect(state).toBe('failed');
        expect(row).toMatchObject({ state: 'failed', attempts: 3, done_at: clock.time, last_error: 'Error: provider down #3' });
      }
    }
    clock.advance(3_600_000);
    expect(await outbox.claim('w', 10, RULES, LEASE_MS)).toEqual([]); // kept, visible, never claimed again
  });

  it('fails a refused job at once, and marks a send of unknown outcome unknown', async () => {
    const refused = await outbox.enqueue(db.kysely, { kind: 'sms', payload: {} });
    const unanswered = await outbox.enqueue(db.kysely, { kind: 'sms', payload: {} });
    const [first, second] = await outbox.claim('w', 10, RULES, LEASE_MS);
    expect(await outbox.fail('w', first!, new PermanentJobError('bad number'))).toBe('failed');
    expect(await outbox.fail('w', second!, new DeliveryUnknownError('no answer in time'))).toBe('unknown');
    expect(await job(refused)).toMatchObject({ state: 'failed', attempts: 1, last_error: 'PermanentJobError: bad number' });
    expect(await job(unanswered)).toMatchObject({ state: 'unknown', attempts: 1, last_error: 'DeliveryUnknownError: no answer in time' });
  });

  it('after a worker died mid-job: runs a resendable kind again, marks any other kind unknown and never runs it', async () => {
    const runs = { resendable: 0, final: 0 };
    const handlers = new Map<string, JobHandler>([
      ['test-push', { resendAfterCrash: true, handle: async () => void runs.resendable++ }],
      ['test-text', { resendAfterCrash: false, handle: async () => void runs.final++ }],
    ]);
    const push = await outbox.enqueue(db.kysely, { kind: 'test-push', payload: {} });
    const text = await outbox.enqueue(db.kysely, { kind: 'test-text', payload: {} });
    // A worker claims both, then dies: it never finishes and never renews.
    const rules = { kinds: ['test-push', 'test-text'], resendable: ['test-push'] };
    expect(await outbox.claim('dead-worker', 10, rules, LEASE_MS)).toHaveLength(2);
    // Within the lease, nobody touches them.
    clock.advance(LEASE_MS - 1);
    expect(await outbox.claim('other', 10, rules, LEASE_MS)).toEqual([]);
    clock.advance(2);
    // Nor does the worker that holds them: it knows they are running, whatever the clock says.
    expect(await outbox.claim('dead-worker', 10, rules, LEASE_MS)).toEqual([]);
    expect((await job(text)).state).toBe('running');

    const worker = new Worker(outbox, handlers, { pollMs: 20, concurrency: 2, leaseMs: LEASE_MS, retention: RETENTION }, silent);
    worker.start();
    try {
      await until(async () => (await job(push)).state === 'done');
    } finally {
      await worker.stop();
    }
    expect(await job(push)).toMatchObject({ state: 'done', attempts: 2, claimed_by: worker.id });
    expect(await job(text)).toMatchObject({ state: 'unknown', attempts: 1, claimed_by: 'dead-worker', done_at: clock.time });
    expect((await job(text)).last_error).toContain('delivery unknown');
    expect(runs).toEqual({ resendable: 1, final: 0 });
  });

  describe('deleting old finished jobs', () => {
    /** `count` jobs of `kind`, finished as `state` `ageDays` ago (null: still pending or running). */
    async function finished(count: number, state: OutboxJobState, ageDays: number | null): Promise<void> {
      const doneAt = ageDays === null ? null : clock.time - ageDays * DAY;
      for (let from = 0; from < count; from += 500) {
        const rows = Array.from({ length: Math.min(500, count - from) }, () => ({ kind: 'email', payload: '{}', state, run_after: 0, created_at: 0, done_at: doneAt }));
        await db.kysely.insertInto('outbox_jobs').values(rows).execute();
      }
    }
    const left = async () =>
      (await db.kysely.selectFrom('outbox_jobs').select(['state', 'done_at']).execute())
        .map((row) => `${row.state} ${row.done_at === null ? '-' : (clock.time - row.done_at) / DAY}`)
        .sort();

    it('deletes done jobs after OUTBOX_KEEP_DAYS and failed or unknown ones after OUTBOX_KEEP_FAILED_DAYS, never unfinished ones', async () => {
      await finished(1, 'done', 8);
      await finished(1, 'done', 7);
      await finished(1, 'done', 6);
      await finished(1, 'failed', 91);
      await finished(1, 'failed', 89);
      await finished(1, 'unknown', 91);
      await finished(1, 'unknown', 8);
      await finished(1, 'pending', null);
      await finished(1, 'running', null);
      const retention: Retention = { doneDays: 7, failedDays: 90 };
      // Exactly at the limit is kept: older than it goes.
      expect(await outbox.prune(retention)).toBe(3);
      expect(await left()).toEqual(['done 6', 'done 7', 'failed 89', 'pending -', 'running -', 'unknown 8']);
      expect(await outbox.prune(retention)).toBe(0);
    });

    it('deletes any number of them, a thousand rows per statement', async () => {
      await finished(2_345, 'done', 30);
      await finished(3, 'done', 1);
      expect(await outbox.prune(RETENTION)).toBe(2_345);
      expect(await left()).toEqual(['done 1', 'done 1', 'done 1']);
    });

    it('is done by the worker when it starts, and an enqueued job still runs', async () => {
      await finished(5, 'done', 10);
      await finished(2, 'unknown', 100);
      let ran = 0;
      const handlers = new Map<string, JobHandler>([['test-fresh', { resendAfterCrash: true, handle: async () => void ran++ }]]);
      const fresh = await outbox.enqueue(db.kysely, { kind: 'test-fresh', payload: {} });
      const lines: { msg?: string; deleted?: number }[] = [];
      const log = { ...silent, info: (obj: object, msg?: string) => lines.push({ ...obj, msg }) };
      const worker = new Worker(outbox, handlers, { pollMs: 20, concurrency: 2, leaseMs: LEASE_MS, retention: RETENTION }, log);
      worker.start();
      try {
        await until(async () => (await job(fresh)).state === 'done' && (await left()).length === 1);
      } finally {
        await worker.stop();
      }
      expect(ran).toBe(1);
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'outbox: deleted old finished jobs', deleted: 7 }));
    });
  });

  it('runs at most `concurrency` jobs at once, wakes on an enqueue, and on stop finishes what it runs and claims nothing more', async () => {
    let running = 0;
    let most = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handlers = new Map<string, JobHandler>([
      [
        'test-slow',
        {
          resendAfterCrash: true,
          async handle() {
            most = Math.max(most, ++running);
            await gate;
            running--;
          },
        },
      ],
    ]);
    // A poll far away: only the enqueue's wake-up can start the jobs in time.
    const worker = new Worker(outbox, handlers, { pollMs: 60_000, concurrency: 2, leaseMs: LEASE_MS, retention: RETENTION }, silent);
    worker.start();
    await new Promise((r) => setTimeout(r, 100)); // its first (empty) poll is over
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await outbox.enqueue(db.kysely, { kind: 'test-slow', payload: { i } }));
    await until(async () => running === 2, 5_000);
    const stopped = worker.stop();
    release();
    await stopped;
    expect(most).toBe(2);
    const states = await db.kysely.selectFrom('outbox_jobs').select(['id', 'state']).orderBy('id').execute();
    expect(states.filter((s) => s.state === 'done')).toHaveLength(2);
    expect(states.filter((s) => s.state === 'pending')).toHaveLength(3);
  });
});
