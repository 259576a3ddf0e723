import type { FastifyContextConfig, FastifyInstance, RouteOptions } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Services } from '../../src/services.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Db } from '../../src/db/database.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';

/** A clock tests can move. */
export class TestClock {
  constructor(public time = Date.UTC(2026, 10, 25, 12)) {}
  now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  services: Services;
  config: Config;
  clock: TestClock;
  database: TestDatabase;
  /** Every route the app registered, so route-wide tests cannot miss a new one. */
  routes: RegisteredRoute[];
}

export interface RegisteredRoute {
  method: string;
  url: string;
  config: FastifyContextConfig;
}

export function testConfig(database: TestDatabase, env: Record<string, string> = {}): Config {
  return loadConfig({
    DATA_DIR: database.dir,
    DATABASE_URL: database.url,
    SECRET_KEY: 'test-secret-key-that-is-long-enough-000',
    LOG_LEVEL: 'silent',
    DEBUG_QUERIES: 'true',
    // Tests sign up many members from one address; test/rate-limits.test.ts sets the real limits (1).
    RATE_LIMIT_SCALE: '1000',
    // Argon2id at a low cost; test/accounts.test.ts runs sign-up and login at the standard one.
    PASSWORD_HASH_COST: 'low',
    ...env,
  });
}

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = testConfig(database, env);
  const db = database.open(config.database);
  const clock = new TestClock();
  const routes: RegisteredRoute[] = [];
  const onRoute = (route: RouteOptions) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, config: route.config ?? {} });
  };
  const app = await buildApp(config, { db, now: clock.now, onRoute });
  await app.ready();
  return { app, db, services: app.services, config, clock, database, routes };
}

export async function stopTestApp(t: TestApp): Promise<void> {
  await t.app.close();
  await t.db.close();
  await t.database.drop();
}

/** One app and database for the whole file: `const t = useTestApp();` then `t().app`. */
export function useTestApp(env: Record<string, string> = {}): () => TestApp {
  let current: TestApp | undefined;
  beforeAll(async () => {
    current = await startTestApp(env);
  });
  afterAll(async () => {
    if (current) await stopTestApp(current);
  });
  return () => {
    if (!current) throw new Error('useTestApp(): the app is not started yet');
    return current;
  };
}
