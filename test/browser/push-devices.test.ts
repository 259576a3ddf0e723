// The devices page in Chromium: the page script turning push on and off in
// this browser, and removing a device without JavaScript. Chromium's own push
// service (Google's) is out of reach on this closed network, so the browser's
// PushManager hands out a subscription of the loopback push service instead
// (test/support/push-service.ts); everything else is real: the permission,
// the service worker the script waits for (a stand-in /sw.js until the PWA's
// worker exists), the script's requests, the server's checks, and a message
// the push service then decrypts with that subscription's keys.
// SHOTS_DIR=/some/dir saves the page at each screen size and colour scheme.
import type { BrowserContext } from 'playwright-core';
import webPush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/db/schema.js';
import { pushHandler } from '../../src/push/handler.js';
import { chromiumInstalled, newContext, saveScreens, signIn, submitWith, useBrowserApp } from '../support/chromium.js';
import { startPushService, type BrowserSubscription, type PushServiceStandin } from '../support/push-service.js';

const PASSWORD = 'a-long-enough-secret';
const DEVICES = '/settings/notifications/devices/';
const VAPID = webPush.generateVAPIDKeys();

/** The browser's push service, replaced: subscribe() gives `sub` and notes the key it was asked for; the state survives reloads. */
function pushManagerGiving(sub: BrowserSubscription): void {
  const made = () => ({
    endpoint: sub.endpoint,
    options: { applicationServerKey: null },
    toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }),
    unsubscribe: () => {
      localStorage.removeItem('subscribed');
      return Promise.resolve(true);
    },
  });
  PushManager.prototype.getSubscription = function () {
    return Promise.resolve(localStorage.getItem('subscribed') ? (made() as unknown as PushSubscription) : null);
  };
  PushManager.prototype.subscribe = function (options) {
    const key = new Uint8Array(options!.applicationServerKey as ArrayBuffer);
    localStorage.setItem('askedKey', btoa(String.fromCharCode(...key)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
    localStorage.setItem('userVisibleOnly', String(options!.userVisibleOnly));
    localStorage.setItem('subscribed', '1');
    return Promise.resolve(made() as unknown as PushSubscription);
  };
}

describe.skipIf(!chromiumInstalled())('the devices page, in Chromium', () => {
  const env = useBrowserApp(
    async (services, db) => {
      const user = await services.accounts.signup({ username: 'asha', password: PASSWORD });
      const ben = await services.accounts.signup({ username: 'ben', password: PASSWORD });
      await db.kysely
        .insertInto('push_subscriptions')
        .values({ user_id: user.id, endpoint: 'https://push.example.com/other', p256dh: 'AA', auth: 'AA', label: 'Firefox on Android', created_at: Date.UTC(2026, 10, 1), last_used_at: null })
        .execute();
      return { user, ben, services, db };
    },
    () => ({ VAPID_PUBLIC_KEY: VAPID.publicKey, VAPID_PRIVATE_KEY: VAPID.privateKey, VAPID_SUBJECT: 'mailto:admin@forum.example' }),
  );
  let service: PushServiceStandin;
  beforeAll(async () => {
    service = await startPushService();
  });
  afterAll(() => service?.stop());

  const devicesOf = (user: User) => env().data.db.kysely.selectFrom('push_subscriptions').select(['endpoint', 'label']).where('user_id', '=', user.id).orderBy('id').execute();

  /** A signed-in page on the devices page, with a service worker controlling it. */
  async function devicesPage(context: BrowserContext) {
    await context.route('**/sw.js', (route) => route.fulfill({ contentType: 'text/javascript', body: "self.addEventListener('push', () => {});" }));
    const page = await signIn(context, 'asha', PASSWORD);
    await page.goto(DEVICES);
    await page.evaluate(() => navigator.serviceWorker.register('/sw.js').then(() => navigator.serviceWorker.ready));
    await page.reload();
    return page;
  }

  // First: the device seeded elsewhere goes, so the push below reaches only the stand-in service.
  it('without JavaScript, says what turning push on needs, and removes a device with the plain form', async () => {
    const { user } = env().data;
    const context = await newContext(env(), { javaScriptEnabled: false });
    const page = await signIn(context, 'asha', PASSWORD);
    await page.goto(DEVICES);
    await saveScreens(page, 'push-devices-without-javascript');
    expect(await page.locator('[data-push-status]').textContent()).toContain('needs JavaScript');
    expect(await page.getByRole('button', { name: 'Turn on notifications on this device' }).isVisible()).toBe(false);
    await submitWith(page, page.getByRole('button', { name: /^Remove Firefox on Android/ }));
    expect(await page.getByRole('status').first().textContent()).toContain('The device was removed');
    expect(await devicesOf(user)).toEqual([]);
    await context.close();
  });

  it('turns push on in this browser (the subscription reaches the server, and a message reaches the browser), moves it to whoever signs in there next, then off again', async () => {
    const { user, ben, services } = env().data;
    const sub = service.subscribe();
    const context = await newContext(env());
    await context.grantPermissions(['notifications']);
    await context.addInitScript(pushManagerGiving, sub);
    const page = await devicesPage(context);
    await expect.poll(() => page.locator('[data-push-status]').textContent()).toBe('This browser does not get your notifications.');
    await saveScreens(page, 'push-devices');

    await submitWith(page, page.getByRole('button', { name: 'Turn on notifications on this device' }));
    await expect.poll(() => page.locator('[data-push-status]').textContent()).toBe('This browser gets your notifications.');
    expect(await page.evaluate(() => [localStorage.getItem('askedKey'), localStorage.getItem('userVisibleOnly')])).toEqual([VAPID.publicKey, 'true']);
    expect(await devicesOf(user)).toEqual([{ endpoint: sub.endpoint, label: 'Chrome on Linux' }]);
    expect(await page.getByRole('table').textContent()).toContain('Chrome on Linux');

    const handler = pushHandler(services.pushSubscriptions, services.pushSettings, { agent: service.agent });
    await handler.handle({ userId: user.id, topic: 'n1', title: 'bob replied', body: 'Hello', url: '/discuss/1/#c2' });
    expect(service.problems).toEqual([]);
    expect(service.deliveries.map((d) => [d.endpoint, d.message])).toEqual([[sub.endpoint, { title: 'bob replied', body: 'Hello', url: '/discuss/1/#c2', tag: 'n1' }]]);

    // Asha's session ends without the site's data being cleared (it expired; logging out clears it) and Ben
    // signs in on this browser: the page says this browser gets Ben's notifications, and now it does.
    await context.clearCookies();
    await page.goto('/login');
    await page.getByLabel('Username').fill('ben');
    await page.getByLabel('Password').fill(PASSWORD);
    await submitWith(page, page.getByRole('button', { name: 'Log in' }));
    await page.goto(DEVICES);
    await expect.poll(() => page.locator('[data-push-status]').textContent()).toBe('This browser gets your notifications.');
    await expect.poll(() => devicesOf(ben)).toEqual([{ endpoint: sub.endpoint, label: 'Chrome on Linux' }]);
    expect(await devicesOf(user)).toEqual([]);

    await submitWith(page, page.getByRole('button', { name: 'Turn off on this device' }));
    await expect.poll(() => page.locator('[data-push-status]').textContent()).toBe('This browser does not get your notifications.');
    expect(await devicesOf(ben)).toEqual([]);
    await context.close();
  });
});
