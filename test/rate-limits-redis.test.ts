// With REDIS_URL, the limits hold across app processes: two app instances
// share one real redis-server (and one database and clock), and a client
// alternating between them, or hitting both at once, gets no more than one
// instance would give it.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import type { Db } from '../src/db/database.js';
import { TestClock, testConfig } from './support/app.js';
import { BrowserAt } from './support/browser-at.js';
import { redisServerInstalled, useRedisServer } from './support/redis-server.js';
import { createTestDatabase, type TestDatabase } from './support/test-db.js';

const PASSWORD = 'correct-horse-battery';
let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}x${Math.floor(Math.random() * 1e6)}`;

describe.skipIf(!redisServerInstalled())('rate limits shared through Redis by two app instances', () => {
  const redis = useRedisServer();
  const clock = new TestClock();
  let database: TestDatabase;
  let dbs: Db[] = [];
  let apps: FastifyInstance[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = testConfig(database, { REDIS_URL: redis().url, RATE_LIMIT_SCALE: '1', TRUST_PROXY: 'true' });
    dbs = [database.open(), database.open()];
    apps = await Promise.all(dbs.map((db) => buildApp(config, { db, now: clock.now })));
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all(dbs.map((db) => db.close()));
    await database?.drop();
  });

  /** One browser per instance, both at the same address and signed in as the same member when `username` is given. */
  const browsers = async (ip: string, username?: string) => {
    const both = apps.map((app) => new BrowserAt(app, ip));
    for (const browser of both) {
      await browser.get('/login');
      if (username) expect((await browser.post('/login', { username, password: PASSWORD })).statusCode).toBe(303);
      await browser.get('/');
    }
    return both as [BrowserAt, BrowserAt];
  };

  const member = async () => {
    const username = unique('member');
    const browser = new BrowserAt(apps[0]!, '192.0.2.200');
    await browser.signup(username, PASSWORD);
    return username;
  };

  it('lock a username after 5 failures, wherever they land', async () => {
    const username = await member();
    const [a, b] = await browsers('192.0.2.1');
    const statuses = [];
    for (const browser of [a, b, a, b, a, b]) statuses.push((await browser.post('/login', { username, password: 'wrong-guess' })).statusCode);
    expect(statuses).toEqual([400, 400, 400, 400, 429, 429]);
  });

  it('check only 5 passwords of 30 guesses sent at once to both instances', async () => {
    const username = await member();
    const pair = await browsers('192.0.2.2');
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => pair[i % 2]!.post('/login', { username, password: `guess-${i}` })));
    const statuses = responses.map((r) => r.statusCode);
    // Four "wrong password" answers; the fifth checked guess started the lock.
    expect(statuses.filter((s) => s === 400)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(26);
  });

  it('count sign-ups from one address on both instances together', async () => {
    const signUp = async (app: FastifyInstance) => {
      const browser = new BrowserAt(app, '192.0.2.3');
      await browser.get('/signup');
      return (await browser.post('/signup', { username: unique('new'), password: PASSWORD })).statusCode;
    };
    const statuses = [];
    for (let i = 0; i < 11; i++) statuses.push(await signUp(apps[i % 2]!));
    expect(statuses).toEqual([...Array<number>(10).fill(303), 429]);
  });

  it("count a member's comments on both instances together", async () => {
    const [a, b] = await browsers('192.0.2.4', await member());
    const created = await a.post('/start-discussion/', { title: 'Shared limits', text: 'across processes' });
    const discussion = String(created.headers.location);
    const statuses = [];
    for (let i = 0; i < 11; i++) statuses.push((await [a, b][i % 2]!.post(discussion, { text: `comment ${i}` })).statusCode);
    expect(statuses).toEqual([...Array<number>(10).fill(303), 429]);
  });
});
