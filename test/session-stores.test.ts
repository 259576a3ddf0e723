// What a session guarantees, run against each SESSION_STORE: db (the
// default), redis (a real redis-server) and cookie (sealed in the browser).
// Every way a session ends (logout, sign out others, password change and
// reset, a ban, account deletion) holds for a copy of the cookie too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIRM_WINDOW_MS } from '../src/accounts/two-step/recent-auth.js';
import type { SessionStoreKind } from '../src/accounts/sessions.js';
import { useTestApp, type TestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { member } from './support/forum.js';
import { joinGroup } from './support/moderation.js';
import { redisServerInstalled, useRedisServer } from './support/redis-server.js';
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
    // The test's own services (beside the app's) hold a store too.
    afterAll(() => t().services.sessions.close());

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
