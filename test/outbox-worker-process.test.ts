// `charcha worker` as its own process (the built CLI), delivering SMS to a
// stand-in Milio on loopback, e-mail to a real SMTP server and web push to a
// stand-in push service: SIGKILLed mid-batch and started again, it loses
// nothing, texts nobody twice, and sends a push again with the same Topic;
// SIGTERMed, it finishes what it was sending. And `charcha serve` runs the
// worker in-process unless told --no-worker.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import webPush from 'web-push';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import { Outbox } from '../src/outbox/queue.js';
import { jsonField } from '../src/sms/http.js';
import { startMilioServer, type StandInServer } from '../src/sms/test-support.js';
import { startPushService, subscribedMember, type PushServiceStandin } from './support/push-service.js';
import { startServerProcess } from './support/server-process.js';
import { SmtpInbox } from './support/smtp-inbox.js';
import { createTestDatabase, type TestDatabase } from './support/test-db.js';

const SECRET_KEY = 'test-secret-key-that-is-long-enough-000';
const MILIO_TOKEN = 'milio-test-token';

interface WorkerProcess {
  child: ChildProcess;
  output(): string;
}

async function startWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['dist/cli.js', 'worker'], {
    env: { ...process.env, BASE_URL: '', NODE_ENV: 'test', LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await until(async () => output.includes('outbox worker started') || child.exitCode !== null, 20_000);
  if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}:\n${output}`);
  return { child, output: () => output };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  for (const started = Date.now(); !(await check()); await new Promise((r) => setTimeout(r, 25))) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms`);
  }
}

const phone = (i: number) => `+9198765432${String(10 + i)}`;

describe('the outbox worker process', () => {
  let database: TestDatabase;
  let db: Db;
  let outbox: Outbox;
  let milio: StandInServer;
  let inbox: SmtpInbox;
  let pushService: PushServiceStandin;
  let env: Record<string, string>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.open();
    outbox = new Outbox(db.kysely, db.dialect, Date.now, { maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 10_000 });
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    await db.kysely.deleteFrom('outbox_jobs').execute();
    milio = await startMilioServer({ accessToken: MILIO_TOKEN });
    inbox = await SmtpInbox.start();
    pushService = await startPushService();
    const caFile = join(database.dir, 'push-service.pem');
    writeFileSync(caFile, pushService.certificate);
    const vapid = webPush.generateVAPIDKeys();
    env = {
      DATABASE_URL: database.url,
      DATA_DIR: database.dir,
      SECRET_KEY,
      SMS_PROVIDERS: 'milio:1',
      MILIO_URL: milio.url,
      MILIO_ACCESS_TOKEN: MILIO_TOKEN,
      SMS_TIMEOUT_MS: '30000',
      SMTP_URL: inbox.url,
      OUTBOX_POLL_MS: '100',
      OUTBOX_LEASE_MS: '1000',
      OUTBOX_CONCURRENCY: '4',
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      VAPID_SUBJECT: 'mailto:admin@forum.example',
      NODE_EXTRA_CA_CERTS: caFile,
    };
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await milio.close();
    await inbox.close();
    await pushService.stop();
  });

  const texted = () => milio.requestsTo('/v1/messages').map((r) => jsonField(r.body, 'to') as string);
  const jobs = () => db.kysely.selectFrom('outbox_jobs').selectAll().orderBy('id').execute();

  it('SIGKILLed mid-batch and started again: nothing is lost, no SMS is sent twice, a push goes again with its Topic', async () => {
    const { userId } = await subscribedMember(db, pushService, 'asha', 'Chrome on Android');
    // Two pushes first, then text and mail interleaved, so mail gets through while texts and pushes hang.
    for (const n of [1, 2]) await outbox.enqueue(db.kysely, { kind: 'push', payload: { userId, topic: `n${n}`, title: `reply #${n}`, body: 'someone replied', url: `/discuss/1/#c${n}` } });
    for (let i = 0; i < 8; i++) {
      await outbox.enqueue(db.kysely, { kind: 'sms', payload: { to: phone(i), message: `reply #${i}` } });
      if (i < 4) await outbox.enqueue(db.kysely, { kind: 'email', payload: { to: `reader${i}@example.com`, subject: `reply #${i}`, text: 'someone replied' } });
    }
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    milio.failAlways('/v1/messages', { holdUntil: answered });
    pushService.hold(answered);

    const first = await startWorker(env);
    children.push(first.child);
    // Two pushes and two texts in flight, waiting on their services: every slot is taken.
    await until(() => pushService.deliveries.length === 2 && texted().length === 2);
    const inFlight = texted();
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    milio.failAlways('/v1/messages', undefined);
    pushService.hold(undefined);
    answer(); // their answers go to a dead process

    const second = await startWorker(env);
    children.push(second.child);
    await until(async () => (await jobs()).every((job) => job.state === 'done' || job.state === 'unknown'));
    second.child.kill('SIGTERM');
    await once(second.child, 'exit');

    const rows = await jobs();
    const sms = rows.filter((job) => job.kind === 'sms');
    const to = (job: (typeof rows)[number]) => (JSON.parse(job.payload) as { to: string }).to;
    // What was mid-send when the worker died is unknown, and was not sent again; the rest was sent once.
    expect(sms.filter((job) => job.state === 'unknown').map(to).sort()).toEqual([...inFlight].sort());
    expect(sms.filter((job) => job.state === 'done')).toHaveLength(6);
    expect(texted().sort()).toEqual(sms.map(to).sort()); // each number exactly once
    for (const job of sms.filter((j) => j.state === 'unknown')) expect(job.last_error).toContain('delivery unknown');
    const mail = rows.filter((job) => job.kind === 'email');
    expect(mail.map((job) => job.state)).toEqual(['done', 'done', 'done', 'done']);
    expect(inbox.messages.map((m) => m.to[0]).sort()).toEqual(mail.map(to).sort());
    // A push mid-send ran again (at least once): the device got it twice, under one Topic, so the second replaces the first.
    expect(rows.filter((job) => job.kind === 'push').map((job) => job.state)).toEqual(['done', 'done']);
    expect(pushService.problems).toEqual([]);
    const topics = pushService.deliveries.map((d) => d.topic).sort();
    expect(topics).toEqual(['n1', 'n1', 'n2', 'n2']);
    for (const delivery of pushService.deliveries) expect(delivery.message).toMatchObject({ tag: delivery.topic, title: `reply #${delivery.topic!.slice(1)}` });
    expect(second.output()).toContain('outbox worker stopped');
  }, 90_000);

  it('on SIGTERM finishes the sends in flight, then exits', async () => {
    await outbox.enqueue(db.kysely, { kind: 'sms', payload: { to: phone(0), message: 'hello' } });
    let answer!: () => void;
    milio.failAlways('/v1/messages', { holdUntil: new Promise<void>((resolve) => (answer = resolve)) });
    const worker = await startWorker(env);
    children.push(worker.child);
    await until(() => texted().length === 1);
    const exited = once(worker.child, 'exit') as Promise<[number | null]>;
    worker.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    expect(worker.child.exitCode).toBeNull(); // still sending
    answer();
    expect((await exited)[0]).toBe(0);
    expect((await jobs()).map((job) => job.state)).toEqual(['done']);
  }, 60_000);

  it('runs inside `charcha serve`, and not with --no-worker', async () => {
    const serveEnv = { ...env, PASSWORD_HASH_COST: 'low' };
    const without = await startServerProcess(serveEnv, ['--no-worker']);
    try {
      await outbox.enqueue(db.kysely, { kind: 'email', payload: { to: 'solo@example.com', subject: 'hello', text: 'one command' } });
      await new Promise((r) => setTimeout(r, 1_000)); // ten polls' worth
      expect((await jobs()).map((job) => job.state)).toEqual(['pending']);
    } finally {
      await without.stop();
    }
    const server = await startServerProcess(serveEnv);
    try {
      await inbox.waitFor('solo@example.com', 1, 'hello', 20_000);
      await until(async () => (await jobs())[0]!.state === 'done');
      expect(server.output()).toContain('outbox worker started');
    } finally {
      await server.stop();
    }
  }, 90_000);
});
