// Web push, end to end on the real database: browsers subscribe through the
// API (CSRF, schema, endpoint and key rules, a cap per person), the devices
// page lists and removes them, and `push` outbox jobs run by the real Worker
// reach a push service on loopback that checks the VAPID signature and
// decrypts each message with the browser's keys.
import webPush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxJob } from '../src/db/schema.js';
import { pushHandler, PUSH_TTL_SECONDS, type PushJob } from '../src/push/handler.js';
import { MAX_DEVICES } from '../src/push/subscriptions.js';
import { Worker } from '../src/outbox/worker.js';
import { startTestApp, stopTestApp, useTestApp } from './support/app.js';
import { BrowserSession, queryCount } from './support/browser-session.js';
import { startPushService, type BrowserSubscription, type PushServiceStandin } from './support/push-service.js';

const VAPID = webPush.generateVAPIDKeys();
const ENV = { VAPID_PUBLIC_KEY: VAPID.publicKey, VAPID_PRIVATE_KEY: VAPID.privateKey, VAPID_SUBJECT: 'mailto:admin@forum.example' };
const PASSWORD = 'a-long-enough-secret';
const DEVICES = '/settings/notifications/devices/';
const silent = { info: () => {}, warn: () => {}, error: () => {} };

const until = async (check: () => Promise<boolean>, timeoutMs = 10_000) => {
  for (const started = Date.now(); !(await check()); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
  }
};

describe('web push', () => {
  const t = useTestApp(ENV);
  let service: PushServiceStandin;
  let unique = 0;

  beforeAll(async () => {
    service = await startPushService();
  });
  afterAll(() => service?.stop());

  const member = async () => {
    const user = await t().services.accounts.signup({ username: `pusher${++unique}`, password: PASSWORD });
    const browser = new BrowserSession(t().app);
    await browser.login(user.username, PASSWORD);
    await browser.get(DEVICES);
    return { user, browser };
  };

  const devicesOf = (userId: number) => t().db.kysely.selectFrom('push_subscriptions').selectAll().where('user_id', '=', userId).orderBy('id').execute();

  const sendJson = (browser: BrowserSession, url: string, body: unknown, headers: Record<string, string> = {}) =>
    browser.postJson(url, body, { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', ...headers });

  /** What a browser's PushSubscription.toJSON() gives. */
  const asBrowserSends = (s: BrowserSubscription) => ({ endpoint: s.endpoint, expirationTime: null, keys: s.keys });

  describe('subscribing', () => {
    it('stores the subscription with a label from the User-Agent; the same endpoint again updates it and moves it to whoever subscribed last', async () => {
      const a = await member();
      const b = await member();
      const sub = service.subscribe();
      const first = await sendJson(a.browser, '/api/push/subscribe', asBrowserSends(sub));
      expect(first.statusCode).toBe(200);
      expect(first.json()).toEqual({ subscribed: true });
      const [stored] = await devicesOf(a.user.id);
      expect(stored).toMatchObject({ endpoint: sub.endpoint, p256dh: sub.keys.p256dh, auth: sub.keys.auth, label: 'Firefox on Linux', last_used_at: null });

      // The browser's keys changed (it subscribed again): one row, the new keys.
      const renewed = { endpoint: sub.endpoint, keys: service.subscribe().keys };
      expect((await sendJson(a.browser, '/api/push/subscribe', renewed)).statusCode).toBe(200);
      expect((await devicesOf(a.user.id)).map((d) => d.p256dh)).toEqual([renewed.keys.p256dh]);

      // Another account signed in on that browser turns push on: the browser is theirs now.
      expect((await sendJson(b.browser, '/api/push/subscribe', asBrowserSends(sub))).statusCode).toBe(200);
      expect(await devicesOf(a.user.id)).toEqual([]);
      expect((await devicesOf(b.user.id)).map((d) => d.endpoint)).toEqual([sub.endpoint]);
    });

    it('refuses a request without the CSRF token (403), a visitor (401), and stores nothing', async () => {
      const { user, browser } = await member();
      const sub = asBrowserSends(service.subscribe());
      const forged = await sendJson(browser, '/api/push/subscribe', sub, { 'x-csrf-token': '' });
      expect(forged.statusCode).toBe(403);
      const otherSite = await sendJson(browser, '/api/push/subscribe', sub, { origin: 'https://evil.example' });
      expect(otherSite.statusCode).toBe(403);
      const visitor = await sendJson(new BrowserSession(t().app), '/api/push/subscribe', sub);
      expect(visitor.statusCode).toBe(401);
      expect(visitor.json()).toEqual({ error: 'Log in first.' });
      expect(await devicesOf(user.id)).toEqual([]);
    });

    it('refuses endpoints that are not a push service’s HTTPS URL, and keys of the wrong kind or size (400), storing nothing', async () => {
      const { user, browser } = await member();
      const good = service.subscribe();
      const p256dh = good.keys.p256dh;
      const auth = good.keys.auth;
      const cases: [unknown, RegExp][] = [
        [{ endpoint: 'http://push.example.com/x', keys: { p256dh, auth } }, /https:\/\//],
        [{ endpoint: 'https://10.0.0.5/x', keys: { p256dh, auth } }, /not an IP address/],
        [{ endpoint: 'https://metadata/x', keys: { p256dh, auth } }, /not an IP address or a local name/],
        [{ endpoint: 'https://user:pw@push.example.com/x', keys: { p256dh, auth } }, /user name or password/],
        [{ endpoint: 'not a url', keys: { p256dh, auth } }, /not a URL/],
        [{ endpoint: `https://push.example.com/${'x'.repeat(2_100)}`, keys: { p256dh, auth } }, /endpoint/],
        [{ endpoint: good.endpoint, keys: { p256dh: p256dh.slice(0, 40), auth } }, /65 bytes/],
        [{ endpoint: good.endpoint, keys: { p256dh: Buffer.alloc(65, 4).toString('base64url'), auth } }, /not a P-256 public key/],
        [{ endpoint: good.endpoint, keys: { p256dh, auth: Buffer.alloc(12).toString('base64url') } }, /16 bytes/],
        [{ endpoint: good.endpoint, keys: { p256dh: `${p256dh}!`, auth } }, /p256dh/],
        [{ endpoint: good.endpoint, keys: { p256dh, auth, extra: 'x' } }, /additional properties/],
        [{ endpoint: good.endpoint, keys: { p256dh, auth }, user_id: 1 }, /additional properties/],
        [{ endpoint: good.endpoint }, /keys/],
      ];
      for (const [body, message] of cases) {
        const response = await sendJson(browser, '/api/push/subscribe', body);
        expect(response.statusCode, JSON.stringify(body).slice(0, 100)).toBe(400);
        expect(response.json<{ error: string }>().error).toMatch(message);
      }
      expect(await devicesOf(user.id)).toEqual([]);
    });

    it(`keeps at most ${MAX_DEVICES} devices per person, saying what to do`, async () => {
      const { user, browser } = await member();
      for (let i = 0; i < MAX_DEVICES; i++) expect((await sendJson(browser, '/api/push/subscribe', service.subscribe())).statusCode).toBe(200);
      const over = await sendJson(browser, '/api/push/subscribe', service.subscribe());
      expect(over.statusCode).toBe(400);
      expect(over.json()).toEqual({ error: `You have notifications on in ${MAX_DEVICES} browsers, the most this forum keeps. Remove one you no longer use first.` });
      // One already kept subscribing again is not a new device.
      const [kept] = await devicesOf(user.id);
      expect((await sendJson(browser, '/api/push/subscribe', { endpoint: kept!.endpoint, keys: service.subscribe().keys })).statusCode).toBe(200);
      expect(await devicesOf(user.id)).toHaveLength(MAX_DEVICES);
    });

    it('unsubscribes only the caller’s own endpoint', async () => {
      const a = await member();
      const b = await member();
      const sub = service.subscribe();
      await sendJson(a.browser, '/api/push/subscribe', sub);
      expect((await sendJson(b.browser, '/api/push/unsubscribe', { endpoint: sub.endpoint })).statusCode).toBe(200);
      expect(await devicesOf(a.user.id)).toHaveLength(1);
      expect((await sendJson(a.browser, '/api/push/unsubscribe', { endpoint: sub.endpoint, keys: sub.keys })).statusCode).toBe(400);
      const off = await sendJson(a.browser, '/api/push/unsubscribe', { endpoint: sub.endpoint });
      expect(off.json()).toEqual({ subscribed: false });
      expect(await devicesOf(a.user.id)).toEqual([]);
    });
  });

  describe('the devices page', () => {
    it('lists this person’s devices with the turn-on box, and removes one with a plain form', async () => {
      const a = await member();
      const b = await member();
      const mine = service.subscribe();
      await sendJson(a.browser, '/api/push/subscribe', mine);
      await sendJson(b.browser, '/api/push/subscribe', service.subscribe(), { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1' });
      const page = await a.browser.get(DEVICES);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Firefox on Linux');
      expect(page.body).not.toContain('Safari on iOS');
      expect(page.body).not.toContain(mine.endpoint); // a capability URL: never shown
      expect(page.body).toContain(`data-key="${VAPID.publicKey}"`);
      expect(page.body).toContain('href="/settings/notifications/"');
      expect(page.body).toContain('Turn on notifications on this device');

      const [device] = await devicesOf(a.user.id);
      const [theirs] = await devicesOf(b.user.id);
      expect((await a.browser.post(`${DEVICES}${theirs!.id}/delete`)).statusCode).toBe(404);
      expect(await devicesOf(b.user.id)).toHaveLength(1);
      expect((await a.browser.post(`${DEVICES}${device!.id}/delete`, { _csrf: null })).statusCode).toBe(403);
      const removed = await a.browser.post(`${DEVICES}${device!.id}/delete`);
      expect(removed.statusCode).toBe(303);
      expect(removed.headers.location).toBe(`${DEVICES}?done=removed`);
      expect(await devicesOf(a.user.id)).toEqual([]);
      const after = await a.browser.get(`${DEVICES}?done=removed`);
      expect(after.body).toContain('The device was removed');
      expect(after.body).toContain('No device gets your notifications yet.');
    });

    it('costs one query beside the session lookup, however many devices there are', async () => {
      const { browser } = await member();
      const none = queryCount(await browser.get(DEVICES));
      for (let i = 0; i < 3; i++) await sendJson(browser, '/api/push/subscribe', service.subscribe());
      const three = await browser.get(DEVICES);
      expect(three.body.match(/<td>Firefox on Linux<\/td>/g)).toHaveLength(3);
      expect(queryCount(three)).toBe(none);
      expect(none).toBeLessThanOrEqual(2);
    });

    it('goes with the account when it is deleted', async () => {
      const { user, browser } = await member();
      await sendJson(browser, '/api/push/subscribe', service.subscribe());
      await t().services.accounts.deleteAccount(user.id);
      expect(await devicesOf(user.id)).toEqual([]);
    });
  });

  describe('the push job, through the outbox and its worker', () => {
    let worker: Worker;
    const warnings: { msg?: string; job?: number; refused?: string }[] = [];

    beforeAll(() => {
      const { services, config } = t();
      const handlers = new Map([['push', pushHandler(services.pushSubscriptions, config.push, { agent: service.agent })]]);
      const log = { ...silent, warn: (obj: object, msg?: string) => warnings.push({ ...obj, msg }) };
      worker = new Worker(services.outbox, handlers, { pollMs: 50, concurrency: 2, leaseMs: 30_000, retention: { doneDays: 7, failedDays: 90 } }, log);
      worker.start();
    });
    afterAll(() => worker?.stop());

    const job = (id: number) => t().db.kysely.selectFrom('outbox_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const enqueue = (payload: PushJob | Record<string, unknown>) => t().services.outbox.enqueue(t().db.kysely, { kind: 'push', payload });
    const settled = async (id: number, states: OutboxJob['state'][] = ['done', 'failed']) => {
      await until(async () => states.includes((await job(id)).state));
      return job(id);
    };

    const subscribed = async (count: number) => {
      const { user, browser } = await member();
      const subs = [];
      for (let i = 0; i < count; i++) {
        const sub = service.subscribe();
        await sendJson(browser, '/api/push/subscribe', sub);
        subs.push(sub);
      }
      return { user, subs };
    };

    it('delivers the exact message to each of the person’s devices, signed with VAPID, with TTL, Topic and Urgency', async () => {
      const { user, subs } = await subscribed(2);
      const payload: PushJob = { userId: user.id, topic: 'n345', title: 'asha replied to you', body: 'Thanks — “that” works <b>now</b>', url: '/discuss/12/#c345' };
      const done = await settled(await enqueue(payload));
      expect(done).toMatchObject({ state: 'done', attempts: 1, last_error: null });
      expect(service.problems).toEqual([]);
      const deliveries = service.deliveries.filter((d) => subs.some((s) => s.endpoint === d.endpoint));
      expect(deliveries.map((d) => d.endpoint).sort()).toEqual(subs.map((s) => s.endpoint).sort());
      for (const d of deliveries) {
        expect(d.message).toEqual({ title: 'asha replied to you', body: 'Thanks — “that” works <b>now</b>', url: '/discuss/12/#c345', tag: 'n345' });
        expect(d).toMatchObject({ ttl: PUSH_TTL_SECONDS, topic: 'n345', urgency: 'normal', publicKey: VAPID.publicKey });
        expect(d.claims.aud).toBe(service.origin);
        expect(d.claims.sub).toBe('mailto:admin@forum.example');
      }
      expect((await devicesOf(user.id)).map((d) => d.last_used_at)).toEqual([t().clock.now(), t().clock.now()]);
    });

    it('cuts a long title and body to fit the 4 kB a push service takes', async () => {
      const { user, subs } = await subscribed(1);
      const done = await settled(await enqueue({ userId: user.id, topic: 'n6', title: '語'.repeat(1_000), body: '語'.repeat(5_000), url: '/discuss/1/' }));
      expect(done.state).toBe('done');
      const [delivery] = service.deliveries.filter((d) => d.endpoint === subs[0]!.endpoint);
      const message = delivery!.message as { title: string; body: string };
      expect([message.title.length, message.body.length]).toEqual([150, 600]);
      expect(message.body.endsWith('語…')).toBe(true);
    });

    it('is done at once for a person with no devices', async () => {
      const { user } = await subscribed(0);
      const before = service.deliveries.length;
      expect((await settled(await enqueue({ userId: user.id, topic: 'n1', title: 't', body: 'b', url: '/' }))).state).toBe('done');
      expect(service.deliveries.length).toBe(before);
    });

    it('deletes a subscription the push service answers 410 or 404 to, and still delivers to the others', async () => {
      const { user, subs } = await subscribed(3);
      service.answer(subs[0]!.endpoint, 410);
      service.answer(subs[1]!.endpoint, 404);
      expect((await settled(await enqueue({ userId: user.id, topic: 'n2', title: 't', body: 'b', url: '/' }))).state).toBe('done');
      expect((await devicesOf(user.id)).map((d) => d.endpoint)).toEqual([subs[2]!.endpoint]);
      expect(service.deliveries.filter((d) => d.endpoint === subs[2]!.endpoint)).toHaveLength(1);
    });

    for (const status of [429, 500]) {
      it(`retries the job after a backoff when the push service answers ${status}, keeping the subscription`, async () => {
        const { user, subs } = await subscribed(1);
        const endpoint = subs[0]!.endpoint;
        service.answer(endpoint, status);
        const id = await enqueue({ userId: user.id, topic: 'n3', title: 't', body: 'b', url: '/' });
        await until(async () => (await job(id)).attempts === 1 && (await job(id)).state === 'pending');
        const waiting = await job(id);
        expect(waiting.run_after).toBeGreaterThan(t().clock.now());
        expect(waiting.last_error).toContain(`push service trouble, to retry`);
        expect(waiting.last_error).toContain(String(status));
        expect(await devicesOf(user.id)).toHaveLength(1);

        service.answer(endpoint, 201);
        t().clock.advance(waiting.run_after - t().clock.now());
        worker.wake();
        expect(await settled(id)).toMatchObject({ state: 'done', attempts: 2 });
        expect(service.deliveries.filter((d) => d.endpoint === endpoint)).toHaveLength(1);
        expect(service.requests.get(endpoint)).toBe(2);
      });
    }

    it('is done when some devices refuse it for good (400) and others take it, keeping and logging which refused', async () => {
      const { user, subs } = await subscribed(2);
      service.answer(subs[0]!.endpoint, 400);
      const id = await enqueue({ userId: user.id, topic: 'n6', title: 't', body: 'b', url: '/' });
      const done = await settled(id);
      expect(done.state).toBe('done');
      expect(done.last_error).toMatch(/^sent, except: refused by the push service: device \d+: 400/);
      expect(service.deliveries.filter((d) => d.endpoint === subs[1]!.endpoint)).toHaveLength(1);
      // Kept: a 400 says nothing of whether the subscription lives.
      expect(await devicesOf(user.id)).toHaveLength(2);
      const warning = warnings.find((w) => w.job === id);
      expect(warning).toMatchObject({ msg: 'outbox: job sent, but not everywhere' });
      expect(warning?.refused).toContain(': 400');
    });

    it('fails for good a job every device refuses (413), and a malformed payload, saying why', async () => {
      const { user, subs } = await subscribed(1);
      service.answer(subs[0]!.endpoint, 413);
      const refused = await settled(await enqueue({ userId: user.id, topic: 'n4', title: 't', body: 'b', url: '/' }));
      expect(refused).toMatchObject({ state: 'failed', attempts: 1 });
      expect(refused.last_error).toMatch(/PermanentJobError: refused by the push service: device \d+: 413/);
      expect(await devicesOf(user.id)).toHaveLength(1);

      for (const bad of [{ userId: user.id, topic: 'not a topic!', title: 't', body: 'b', url: '/' }, { userId: user.id, topic: 'n5', title: 't', body: 'b', url: 'https://evil.example/' }, { userId: 'x' }]) {
        const failed = await settled(await enqueue(bad));
        expect(failed).toMatchObject({ state: 'failed', attempts: 1 });
        expect(failed.last_error).toMatch(/^PermanentJobError: payload must be/);
      }
    });
  });
});

describe('web push without VAPID keys', () => {
  it('offers no push: the page says so, subscribing is refused, and a push job fails for good with the reason', async () => {
    const t = await startTestApp();
    try {
      const user = await t.services.accounts.signup({ username: 'nokeys', password: PASSWORD });
      const browser = new BrowserSession(t.app);
      await browser.login(user.username, PASSWORD);
      const page = await browser.get(DEVICES);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('This forum does not send push notifications');
      expect(page.body).not.toContain('data-push');
      const keys = { p256dh: webPush.generateVAPIDKeys().publicKey, auth: Buffer.alloc(16, 1).toString('base64url') };
      const refused = await t.app.inject({
        method: 'POST',
        url: '/api/push/subscribe',
        payload: JSON.stringify({ endpoint: 'https://push.example.com/x', keys }),
        headers: { accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': browser.csrf, origin: 'http://localhost', cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      expect(refused.statusCode).toBe(404);
      expect(refused.json()).toEqual({ error: 'This forum does not send push notifications.' });
      const handler = pushHandler(t.services.pushSubscriptions, t.config.push);
      await expect(handler.handle({ userId: user.id, topic: 'n1', title: 't', body: 'b', url: '/' })).rejects.toThrow(/no VAPID keys/);
    } finally {
      await stopTestApp(t);
    }
  });
});
