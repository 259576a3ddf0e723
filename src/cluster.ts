// `charcha serve --workers N` (or WEB_CONCURRENCY): one machine's cores, one
// port. The primary brings the schema up to date once, then forks the
// workers, which share the listening socket (node:cluster); a worker that
// dies is replaced; SIGTERM is passed on and the primary exits once every
// worker has finished its requests. The primary also runs the outbox worker
// (unless --no-worker): one per machine, and it outlives any HTTP worker.
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { startWorkerProcess } from './outbox/process.js';

/**
 * Why these settings cannot run several workers, if they cannot: each worker
 * would keep its own page cache (a write in one could not invalidate the
 * others') and its own rate-limit counts (N workers, N times the limits).
 */
export function workersRefusal(config: Config, workers: number): string | undefined {
  if (workers <= 1) return undefined;
  const missing = [
    ...(config.cache.backend === 'memory' ? ['a shared CACHE_URL (redis://, memcached:// or db://)'] : []),
    ...(config.redisUrl ? [] : ['REDIS_URL (for the rate limits)']),
  ];
  if (missing.length === 0) return undefined;
  return `${workers} workers need ${missing.join(' and ')}: with memory only, each worker would keep its own cache and its own rate-limit counts, and one worker's writes could not reach the others.`;
}

export async function servePrimary(config: Config, workers: number, options: { outboxWorker: boolean }): Promise<void> {
  const db = openDatabase(config.databaseUrl, config.database);
  await migrateToLatest(db);
  await db.close();
  const outbox = options.outboxWorker ? await startWorkerProcess(config) : undefined;

  let stopping = false;
  const fork = (): Worker => cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`worker ${worker.process.pid} ended (${signal ?? code}); starting another`);
    fork();
  });
  for (let i = 0; i < workers; i++) fork();

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopping = true;
      console.error(`${signal}: closing ${workers} workers`);
      const running = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      void Promise.all([
        ...running.map((w) => {
          const exited = once(w, 'exit');
          w.process.kill('SIGTERM');
          return exited;
        }),
        outbox?.stop(),
      ]).then(() => process.exit(0));
    });
  }
}
