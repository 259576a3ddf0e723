import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { openDatabase, type Db } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { deliveryHandlers } from './outbox/handlers.js';
import { Worker } from './outbox/worker.js';

/**
 * Opens the database, brings its schema up to date, and listens; with
 * `outboxWorker`, runs the outbox worker in this process too (closing the
 * app finishes its jobs in flight before the database closes).
 */
export async function startServer(config: Config, options: { outboxWorker: boolean }): Promise<{ app: FastifyInstance; db: Db }> {
  // A lost connection is reported on stderr until the app's logger exists.
  const report = { connectionLost: (err: Error) => console.error('database connection lost:', err.message) };
  const db = openDatabase(config.databaseUrl, { ...config.database, onConnectionError: (err) => report.connectionLost(err) });
  await migrateToLatest(db);
  const app = await buildApp(config, { db });
  if (config.isProduction && !config.mail.smtpUrl) app.log.warn('SMTP_URL is not set: this forum sends no e-mail, so addresses cannot be verified and passwords cannot be reset by mail');
  if (config.isProduction && config.sms.providers.length === 0) {
    app.log.warn('SMS_PROVIDERS is not set: this forum sends no text messages, so phones cannot be verified and sign-in codes are not offered by text (the console provider, which logs messages, is for development only)');
  }
  if (config.isProduction && !config.push) {
    app.log.warn('VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are not set: this forum sends no push notifications (make a pair with `charcha vapid-keys`)');
  }
  report.connectionLost = (err) => app.log.warn({ err }, 'database connection lost; dropped from the pool');
  // After the server closed (Fastify's own onClose hook, added at listen, runs first): connections are gone,
  // but a handler whose client left may still be writing. Waited for, as long as a request may take.
  app.addHook('onClose', async () => {
    const running = app.handlersInFlight.running;
    if (running > 0) app.log.info({ running }, 'closing: waiting for the requests still being handled');
    if (!(await app.handlersInFlight.finished(config.http.requestTimeoutMs))) {
      app.log.warn({ running }, 'closing the database with requests still being handled (HTTP_REQUEST_TIMEOUT_MS passed)');
    }
    await db.close();
  });
  if (options.outboxWorker) {
    const worker = new Worker(app.services.outbox, deliveryHandlers(app.services), config.outbox, app.log);
    worker.start();
    app.addHook('onClose', () => worker.stop()); // onClose hooks run last-added first: before the database closes
  }
  await app.listen({ host: config.host, port: config.port });
  return { app, db };
}
