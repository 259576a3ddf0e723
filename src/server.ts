import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { openDatabase, type Db } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';

/** Opens the database, brings its schema up to date, and listens. */
export async function startServer(config: Config): Promise<{ app: FastifyInstance; db: Db }> {
  // A lost connection is reported on stderr until the app's logger exists.
  const report = { connectionLost: (err: Error) => console.error('database connection lost:', err.message) };
  const db = openDatabase(config.databaseUrl, { ...config.database, onConnectionError: (err) => report.connectionLost(err) });
  await migrateToLatest(db);
  const app = await buildApp(config, { db });
  if (config.isProduction && !config.mail.smtpUrl) app.log.warn('SMTP_URL is not set: this forum sends no e-mail, so addresses cannot be verified and passwords cannot be reset by mail');
  if (config.isProduction && config.sms.providers.length === 0) {
    app.log.warn('SMS_PROVIDERS is not set: this forum sends no text messages, so phones cannot be verified and sign-in codes are not offered by text (the console provider, which logs messages, is for development only)');
  }
  report.connectionLost = (err) => app.log.warn({ err }, 'database connection lost; dropped from the pool');
  app.addHook('onClose', () => db.close());
  await app.listen({ host: config.host, port: config.port });
  return { app, db };
}
