// The worker outside an HTTP server: `charcha worker`, and the primary of
// `charcha serve --workers N`. Its own services over its own connection.
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { loggerOptions } from '../logging.js';
import { buildServices } from '../services.js';
import { deliveryHandlers } from './handlers.js';
import { Worker } from './worker.js';

/** Fastify's pino, set up as the server's: the same lines, in the same format, from a process that serves no HTTP. */
export function processLogger(config: Config): FastifyBaseLogger {
  return Fastify({ logger: loggerOptions(config) }).log;
}

/** Brings the schema up to date and starts the worker; stop() finishes the jobs in flight, then closes everything. */
export async function startWorkerProcess(config: Config, log: FastifyBaseLogger = processLogger(config)): Promise<{ stop(): Promise<void> }> {
  const db = openDatabase(config.databaseUrl, { ...config.database, onConnectionError: (err) => log.warn({ err }, 'database connection lost; dropped from the pool') });
  await migrateToLatest(db);
  const services = buildServices(db, config, Date.now, log);
  const worker = new Worker(services.outbox, deliveryHandlers(services), config.outbox, log);
  worker.start();
  return {
    async stop() {
      await worker.stop();
      await services.mail.close();
      await services.cache.store.close();
      await db.close();
    },
  };
}
