// What a session guarantees, run against each SESSION_STORE: db (the
// default), redis (a real redis-server) and cookie (sealed in the browser).
// Every way a session ends (logout, sign out others, password change and
// reset, a ban, account deletion) holds for a copy of the cookie too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { COOKIE_CONTEXT } from '../src/accounts/cookie-sessions.js';
import { LAST_SEEN_RESOLUTION_MS, type SessionStoreKind } from '../src/accounts/sessions.js';
import { CONFIRM_WINDOW_MS } from '../src/accounts/two-step/recent-auth.js';
import { SecretBox } from '../src/security/secret-box.js';
import { TestClock, testConfig, useTestApp, type TestApp } from './support/app.js';
import { BrowserSession, queryCount } from './support/browser-session.js';
import { member } from './support/forum.js';
import { joinGroup } from './support/moderation.js';
import { redisServerInstalled, startRedisServer, useRedisServer, type RedisServer } from './support/redis-server.js';
import { createTestDatabase } from './support/test-db.js';
import { enrolTotp, passwordStep, totpCode } from './support/totp.js';

const PASSWORD = 'correct-horse-battery';
const signedIn = (body: string) => body.includes('action="/logout"');
const STORES: SessionStoreKind[] = ['db', 'redis', 'cookie'];

/** A second browser signed in as the same person, and a third holding a copy of the first one's cookie. */
async function twoDevicesAndACopy(t: TestApp) {
  const laptop = await member(t.app);
  const phone = new BrowserSession(t.app);
  expect((await phone.login(laptop.username)).statusCode).toBe(303);
  const copy = new BrowserSession(t.app);
  copy.cookies.set('sid', laptop.cookies.get('sid')!);
  expect(signedIn((await copy.get('/')).body)).toBe(true);
  return { laptop, phone, copy };
}

const isSignedIn = async (browser: BrowserSession) => signedIn((await browser.get('/')).body);

describe.each(STORES)('SESSION_STORE=%s', (store) => {
  describe.skipIf(store === 'redis' && !redisServerInstalled())('', () => {
    const env: Record<string, string> = { SESSION_STORE: store, SESSION_IDLE_MINUTES: '30', SESSION_MAX_DAYS: '1', STAFF_TWO_STEP: 'required' };
    if (store === 'redis') {
      const redis = useRedisServer();
      beforeAll(() => {
        env.REDIS_URL = redis().url;
      });
    }
    const t = useTestApp(env);

    it('uses the chosen store', () => {
      expect(t().services.sessions.kind).toBe(store);
    });

    it('logout: a copy of the cookie signs no one in afterwards', async () => {
      const { laptop, phone, copy } = await twoDevicesAndACopy(t());
      expect((await laptop.post('/logout')).statusCode).toBe(303);
      expect(await isSignedIn(laptop)).toBe(false);
      expect(await isSignedIn(copy)).toBe(false);
      // Nothing server-side names one cookie: a cookie session's logout ends them all.
      expect(await isSignedIn(phone)).toBe(store !== 'cookie');
    });

    it('sign out the others: they are out, this device stays in', async () => {
      const { laptop, phone } = await twoDevicesAndACopy(t());
      const page = await laptop.get('/settings/sessions/');
      if (store === 'cookie') {
        expect(page.body).toContain('cannot list the devices');
        expect(page.body).toContain('Sign out everywhere else');
      } else {
        expect(page.body).toContain('(this device)');
        // The phone and the copied cookie's session (one session, two browsers).
        expect(page.body).toContain('Sign out the 1 other session');
      }
      expect((await laptop.post('/settings/sessions/sign-out-others/')).statusCode).toBe(303);
      expect(await isSignedIn(phone)).toBe(false);
      expect(await isSignedIn(laptop)).toBe(true);
      // The form still works: the CSRF token rides with the (possibly new) session.
      expect((await laptop.post('/settings/sessions/sign-out-others/')).statusCode).toBe(303);
    });

    it('a password change ends every other session; this one carries on under a new cookie', async () => {
      const { laptop, phone, copy } = await twoDevicesAndACopy(t());
      await laptop.get('/settings/password/');
      expect((await laptop.post('/settings/password/', { current_password: PASSWORD, new_password: 'a-brand-new-secret' })).statusCode).toBe(303);
      expect(laptop.cookies.get('sid')).not.toBe(copy.cookies.get('sid'));
      expect(await isSignedIn(laptop)).toBe(true);
      expect(await isSignedIn(phone)).toBe(false);
      expect(await isSignedIn(copy)).toBe(false);
    });

    it('a password reset ends every session', async () => {
      const { laptop, phone, copy } = await twoDevicesAndACopy(t());
      const { services } = t();
      const user = await services.accounts.requireByUsername(laptop.username);
      const link = new URL(services.email.passwordResetLink(user, 'http://localhost'));
      const token = link.pathname.split('/')[2]!;
      expect(await services.email.resetPassword(token, 'a-brand-new-secret')).toMatchObject({ userId: user.id });
      for (const browser of [laptop, phone, copy]) expect(await isSignedIn(browser)).toBe(false);
    });

    it('a ban ends every session at once, and lifting it brings none back', async () => {
      const { laptop, phone, copy } = await twoDevicesAndACopy(t());
      const { services } = t();
      const root = await services.accounts.signup({ username: `root${Date.now()}${store}`, password: PASSWORD });
      await services.admin.makeSuperuser(root.id);
      const admin = await services.accounts.actor(root.id);
      await services.moderation.ban(admin, laptop.username, { reason: 'Spam' });
      expect(await isSignedIn(phone)).toBe(false);
      await services.moderation.unban(admin, laptop.username, 'Appeal granted');
      for (const browser of [laptop, copy]) expect(await isSignedIn(browser)).toBe(false);
      expect((await new BrowserSession(t().app).login(laptop.username)).statusCode).toBe(303);
    });

    it('deleting the account ends every session', async () => {
      const { laptop, phone, copy } = await twoDevicesAndACopy(t());
      const user = await t().services.accounts.requireByUsername(laptop.username);
      // Kept aside: were the row switched on again, the copy must still be dead.
      await t().services.accounts.deleteAccount(user.id);
      for (const browser of [laptop, phone, copy]) expect(await isSignedIn(browser)).toBe(false);
      await t().db.kysely.updateTable('users').set({ is_active: 1 }).where('id', '=', user.id).execute();
      expect(await isSignedIn(copy)).toBe(false);
    });

    it('a form posted with another session’s CSRF token is refused', async () => {
      const { laptop, phone } = await twoDevicesAndACopy(t());
      await laptop.get('/settings/sessions/');
      await phone.get('/settings/sessions/');
      expect(laptop.csrf).not.toBe(phone.csrf);
      expect((await laptop.post('/settings/sessions/sign-out-others/', { _csrf: phone.csrf })).statusCode).toBe(403);
    });

    it('confirming it is you again, and a second step, are recorded on the session', async () => {
      const name = `guard${Date.now()}${store}`;
      await t().services.accounts.signup({ username: name, password: PASSWORD });
      await joinGroup(t().db, name, 'moderator');
      const browser = new BrowserSession(t().app);
      await browser.login(name);
      // Staff rights wait for a second step (STAFF_TWO_STEP=required).
      expect((await browser.get('/moderation/')).statusCode).toBe(403);
      t().clock.advance(CONFIRM_WINDOW_MS + 1);
      expect((await browser.get('/settings/security/authenticator/')).statusCode).toBe(303);
      await browser.get('/settings/confirm/');
      expect((await browser.post('/settings/confirm/', { method: 'password', password: PASSWORD, next: '/' })).statusCode).toBe(303);
      const { secret } = await enrolTotp(browser, t().clock);
      expect((await browser.get('/moderation/')).statusCode).toBe(200);

      const other = new BrowserSession(t().app);
      await passwordStep(other, name);
      t().clock.advance(30_000);
      expect((await other.post('/login/two-step/', { method: 'totp', code: totpCode(secret, t().clock.now()), next: '/' })).statusCode).toBe(303);
      expect((await other.get('/moderation/')).statusCode).toBe(200);
    });

    it('costs a signed-in page one query, the lookup with the user’s row; "last seen" a write only in the database store', async () => {
      const reader = await member(t().app);
      const visitor = queryCount(await t().app.inject({ method: 'GET', url: '/' }));
      expect(queryCount(await reader.get('/'))).toBe(visitor + 1);
      t().clock.advance(LAST_SEEN_RESOLUTION_MS + 1);
      const later = await reader.get('/');
      expect(queryCount(later)).toBe(visitor + 1 + (store === 'db' ? 1 : 0));
      // The cookie store writes "last seen" into a new cookie instead.
      expect(later.cookies.some((c) => c.name === 'sid')).toBe(store === 'cookie');
      expect(queryCount(await reader.get('/'))).toBe(visitor + 1);
    });

    it('ends a session left idle too long', async () => {
      const reader = await member(t().app);
      t().clock.advance(29 * 60_000);
      expect(await isSignedIn(reader)).toBe(true); // and refreshes "last seen"
      t().clock.advance(29 * 60_000);
      expect(await isSignedIn(reader)).toBe(true);
      t().clock.advance(31 * 60_000);
      expect(await isSignedIn(reader)).toBe(false);
      expect(reader.cookies.has('sid')).toBe(false); // the dead cookie is cleared
    });

    it('ends even an active session after its absolute lifetime', async () => {
      const reader = await member(t().app);
      // Active every 20 minutes for 23 h 40 min: never idle, still signed in...
      for (let step = 0; step < 71; step++) {
        t().clock.advance(20 * 60_000);
        expect(await isSignedIn(reader)).toBe(true);
      }
      // ...until the day (SESSION_MAX_DAYS=1) is over.
      t().clock.advance(21 * 60_000);
      expect(await isSignedIn(reader)).toBe(false);
    });
  });
});

describe('SESSION_STORE=cookie: the cookie itself', () => {
  const OLD_KEY = 'an-earlier-secret-key-that-is-long-enough';
  const t = useTestApp({ SESSION_STORE: 'cookie', SECRET_KEY_FALLBACKS: OLD_KEY });
  const box = (key: string, purpose = 'session') => new SecretBox([key], purpose);
  /** A member, and what their cookie holds (opened with the server's key). */
  const opened = async () => {
    const browser = await member(t().app);
    const cookie = browser.cookies.get('sid')!;
    const plain = box(t().config.secretKey).open(cookie, COOKIE_CONTEXT)!.plain;
    return { browser, cookie, plain };
  };
  const withCookie = (value: string) => {
    const browser = new BrowserSession(t().app);
    browser.cookies.set('sid', value);
    return browser;
  };

  it('is sealed: it shows neither the person nor the CSRF token, and stays far below 4 KB', async () => {
    const { browser, cookie } = await opened();
    await browser.get('/settings/sessions/');
    expect(cookie.length).toBeLessThan(600);
    expect(cookie).not.toContain(browser.csrf);
    expect(Buffer.from(cookie.split('.')[1]!, 'base64url').toString('latin1')).not.toMatch(/"u"|"c"|csrf/);
  });

  it('signs no one in when altered, sealed with another key, for another purpose or context', async () => {
    const { cookie, plain } = await opened();
    const body = cookie.split('.')[1]!;
    const flipped = `v1.${body.slice(0, 20)}${body[20] === 'A' ? 'B' : 'A'}${body.slice(21)}`;
    const forged = [
      flipped,
      box('a-stranger-secret-key-that-is-long-enough').seal(plain, COOKIE_CONTEXT),
      box(t().config.secretKey, 'totp').seal(plain, COOKIE_CONTEXT),
      box(t().config.secretKey).seal(plain, 'another context'),
      'v1.garbage',
      'an-opaque-token-of-another-store',
    ];
    for (const value of forged) {
      const browser = withCookie(value);
      expect(await isSignedIn(browser)).toBe(false);
      expect(browser.cookies.has('sid')).toBe(false);
    }
    // The same payload sealed as the server seals it is accepted: the refusals above are the seal's doing.
    expect(await isSignedIn(withCookie(box(t().config.secretKey).seal(plain, COOKIE_CONTEXT)))).toBe(true);
  });

  it('still opens under a key in SECRET_KEY_FALLBACKS, and comes back sealed under the current key', async () => {
    const { plain } = await opened();
    const browser = withCookie(box(OLD_KEY).seal(plain, COOKIE_CONTEXT));
    expect(await isSignedIn(browser)).toBe(true);
    expect(box(t().config.secretKey).open(browser.cookies.get('sid')!, COOKIE_CONTEXT)?.plain).toBeDefined();
    expect(box(OLD_KEY).open(browser.cookies.get('sid')!, COOKIE_CONTEXT)).toBeUndefined();
  });
});

describe.skipIf(!redisServerInstalled())('REDIS_URL alone', () => {
  const redis = useRedisServer();

  it('keeps sessions in the database: setting it (for rate limits or the cache) signs nobody out', async () => {
    const database = await createTestDatabase();
    const clock = new TestClock();
    const db = database.open();
    try {
      const before = await buildApp(testConfig(database), { db, now: clock.now });
      const reader = await member(before);
      await before.close();

      const config = testConfig(database, { REDIS_URL: redis().url, CACHE_URL: redis().url });
      expect(config.sessionStore).toBe('db');
      const after = await buildApp(config, { db, now: clock.now });
      try {
        const same = new BrowserSession(after);
        same.cookies.set('sid', reader.cookies.get('sid')!);
        expect(await isSignedIn(same)).toBe(true);
        // New sign-ins are rows of the sessions table too.
        const newcomer = await member(after);
        const user = await db.kysely.selectFrom('users').select('id').where('username', '=', newcomer.username).executeTakeFirstOrThrow();
        expect(await db.kysely.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).toHaveLength(1);
      } finally {
        await after.close();
      }
    } finally {
      await db.close();
      await database.drop();
    }
  });
});

describe.skipIf(!redisServerInstalled())('SESSION_STORE=redis while Redis is away', () => {
  let server: RedisServer;
  const env: Record<string, string> = { SESSION_STORE: 'redis' };
  beforeAll(async () => {
    server = await startRedisServer();
    env.REDIS_URL = server.url;
  });
  afterAll(() => server.stop());
  const t = useTestApp(env);

  it('answers 503 to the signed-in rather than signing them out; a restart without persistence loses the sessions', async () => {
    const reader = await member(t().app);
    await server.stop();
    const away = await reader.get('/');
    expect(away.statusCode).toBe(503);
    expect(away.headers['retry-after']).toBeDefined();
    expect(reader.cookies.has('sid')).toBe(true);
    // Visitors have no session to look up.
    expect((await t().app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
    // Without persistence (docs/operations.md, "Sessions") the sessions went with the server.
    server = await startRedisServer(server.port);
    await expect.poll(async () => (await reader.get('/')).statusCode, { timeout: 10_000 }).toBe(200);
    expect(reader.cookies.has('sid')).toBe(false);
    expect((await reader.login(reader.username)).statusCode).toBe(303);
    expect(await isSignedIn(reader)).toBe(true);
  });
});
