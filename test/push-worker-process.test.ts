// `charcha worker` (the built CLI) runs `push` jobs: the kind is registered
// with the worker's other delivery handlers, signs with the VAPID keys from
// its environment, and reaches the loopback push service (whose certificate
// the process trusts through NODE_EXTRA_CA_CERTS), which decrypts the message.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import webPush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import { Outbox } from '../src/outbox/queue.js';
import { startPushService, subscribedMember, type PushServiceStandin } from './support/push-service.js';
import { createTestDatabase, type TestDatabase } from './support/test-db.js';

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  for (const started = Date.now(); !(await check()); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms`);
  }
}

describe('push jobs in the worker process', () => {
  let database: TestDatabase;
  let db: Db;
  let service: PushServiceStandin;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.open();
    service = await startPushService();
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await service?.stop();
    await db?.close();
    await database?.drop();
  });

  it('delivers a push job to the person’s browser', async () => {
    const keys = webPush.generateVAPIDKeys();
    const { userId, browser: sub } = await subscribedMember(db, service, 'asha', 'Chrome on Linux');
    const outbox = new Outbox(db.kysely, db.dialect, Date.now, { maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 10_000 });
    const jobId = await outbox.enqueue(db.kysely, { kind: 'push', payload: { userId, topic: 'n7', title: 'bob replied', body: 'Hello', url: '/discuss/1/#c7' } });

    const caFile = join(database.dir, 'push-service.pem');
    writeFileSync(caFile, service.certificate);
    let output = '';
    child = spawn(process.execPath, ['dist/cli.js', 'worker'], {
      env: {
        ...process.env,
        BASE_URL: '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
        DATABASE_URL: database.url,
        DATA_DIR: database.dir,
        SECRET_KEY: 'test-secret-key-that-is-long-enough-000',
        VAPID_PUBLIC_KEY: keys.publicKey,
        VAPID_PRIVATE_KEY: keys.privateKey,
        VAPID_SUBJECT: 'mailto:admin@forum.example',
        NODE_EXTRA_CA_CERTS: caFile,
        OUTBOX_POLL_MS: '100',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const job = () => db.kysely.selectFrom('outbox_jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
    await until(async () => (await job()).state !== 'pending' && (await job()).state !== 'running').catch((error: unknown) => {
      throw new Error(`${String(error)}\n${output}`);
    });
    expect(await job(), output).toMatchObject({ state: 'done', attempts: 1 });
    expect(service.problems).toEqual([]);
    expect(service.deliveries.map((d) => [d.endpoint, d.message, d.publicKey])).toEqual([[sub.endpoint, { title: 'bob replied', body: 'Hello', url: '/discuss/1/#c7', tag: 'n7' }, keys.publicKey]]);

    child.kill('SIGTERM');
    await once(child, 'exit');
  }, 60_000);
});
