// Passkeys against the server's real checks, with a software authenticator
// (support/soft-authenticator.ts) in place of a device: adding, signing in,
// the second step, confirming, and the refusals (a replayed answer, another
// challenge, another origin, an unknown or removed passkey, a banned account).
// test/browser/passkeys.test.ts does the same in Chromium with its virtual authenticator.
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { CONFIRM_WINDOW_MS } from '../src/accounts/two-step/recent-auth.js';
import { SignedValues } from '../src/security/signed-values.js';
import { useTestApp, type TestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { member } from './support/forum.js';
import { SoftAuthenticator, type Options } from './support/soft-authenticator.js';

const CHROME_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

describe('passkeys', () => {
  const t = useTestApp();

  /** What the client script does, from Chrome. */
  const postJson = (browser: BrowserSession, url: string, body: unknown): Promise<LightMyRequestResponse> => browser.postJson(url, body, { 'user-agent': CHROME_ON_LINUX });

  async function addPasskey(browser: BrowserSession, name?: string): Promise<SoftAuthenticator> {
    const device = new SoftAuthenticator();
    await browser.get('/settings/security/');
    const options = await postJson(browser, '/settings/security/passkeys/options', {});
    expect(options.statusCode).toBe(200);
    const added = await postJson(browser, '/settings/security/passkeys', { credential: device.register(options.json<Options>()), name });
    expect(added.statusCode).toBe(303);
    expect(added.headers.location).toBe('/settings/security/');
    return device;
  }

  /** A visitor on the login page: the options, and the browser holding their challenge. */
  async function signInOptions(): Promise<{ visitor: BrowserSession; options: Options }> {
    const visitor = new BrowserSession(t().app);
    await visitor.get('/login');
    const options = await postJson(visitor, '/login/passkey/options', {});
    expect(options.statusCode).toBe(200);
    return { visitor, options: options.json<Options>() };
  }

  async function signInWith(device: SoftAuthenticator, next = '/new') {
    const { visitor, options } = await signInOptions();
    const answer = await postJson(visitor, '/login/passkey', { credential: device.authenticate(options), next });
    return { visitor, answer };
  }

  const userId = async (t: () => TestApp, username: string) =>
    (await t().db.kysely.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;

  it('adds passkeys from settings, named after the browser unless named, and signs in with one on a fresh session that passed a second step', async () => {
    const browser = await member(t().app);
    await addPasskey(browser);
    const device = await addPasskey(browser, '  My   phone ');
    const page = await browser.get('/settings/security/');
    expect(page.body).toContain('Chrome on Linux');
    expect(page.body).toContain('My phone');
    expect(page.body).toContain('never used');

    const { visitor, answer } = await signInWith(device);
    expect(answer.statusCode).toBe(303);
    expect(answer.headers.location).toBe('/new');
    expect(visitor.cookies.has('sid')).toBe(true);
    expect(visitor.cookies.has('passkey_challenge')).toBe(false);
    const home = await visitor.get('/');
    expect(home.body).toContain(browser.username);
    const session = await t()
      .db.kysely.selectFrom('sessions')
      .select(['second_step', 'user_id'])
      .where('user_id', '=', await userId(t, browser.username))
      .orderBy('created_at', 'desc')
      .orderBy('second_step', 'desc')
      .executeTakeFirstOrThrow();
    expect(session.second_step).toBe(1);
    expect((await browser.get('/settings/security/')).body).toContain('last used');
  });

  it('refuses a replayed answer, an answer to another challenge, another origin, and a sign-in without user verification', async () => {
    const device = await addPasskey(await member(t().app));

    const { visitor, options } = await signInOptions();
    const credential = device.authenticate(options);
    const challengeCookie = visitor.cookies.get('passkey_challenge')!;
    expect((await postJson(visitor, '/login/passkey', { credential })).statusCode).toBe(303);
    // The same cookie and answer again, as someone who captured them would send them.
    const replay = new BrowserSession(t().app);
    await replay.get('/login');
    replay.cookies.set('passkey_challenge', challengeCookie);
    const replayed = await postJson(replay, '/login/passkey', { credential });
    expect(replayed.statusCode).toBe(400);
    expect(replayed.json()).toEqual({ error: 'That request was already used or has expired. Try again.' });

    // An answer signed over one challenge, sent with another's cookie.
    const first = await signInOptions();
    const second = await signInOptions();
    const crossed = await postJson(second.visitor, '/login/passkey', { credential: device.authenticate(first.options) });
    expect(crossed.statusCode).toBe(400);
    expect(crossed.json<{ error: string }>().error).toContain('could not be checked');

    const elsewhere = await signInOptions();
    const phished = await postJson(elsewhere.visitor, '/login/passkey', { credential: device.authenticate(elsewhere.options, { origin: 'http://evil.example' }) });
    expect(phished.statusCode).toBe(400);

    const unverified = await signInOptions();
    const presenceOnly = await postJson(unverified.visitor, '/login/passkey', { credential: device.authenticate(unverified.options, { userVerified: false }) });
    expect(presenceOnly.statusCode).toBe(400);
    for (const refused of [replay, second.visitor, elsewhere.visitor, unverified.visitor]) expect(refused.cookies.has('sid')).toBe(false);
  });

  it('refuses an expired challenge, an answer without one, and a challenge given for another ceremony', async () => {
    const browser = await member(t().app);
    const device = await addPasskey(browser);
    const { visitor, options } = await signInOptions();
    t().clock.advance(5 * 60_000 + 1);
    expect((await postJson(visitor, '/login/passkey', { credential: device.authenticate(options) })).statusCode).toBe(400);

    const bare = new BrowserSession(t().app);
    await bare.get('/login');
    expect((await postJson(bare, '/login/passkey', { credential: device.authenticate(options) })).statusCode).toBe(400);

    // A sign-in challenge does not register a passkey.
    const { visitor: holder } = await signInOptions();
    await browser.get('/settings/security/');
    browser.cookies.set('passkey_challenge', holder.cookies.get('passkey_challenge')!);
    const registration = await postJson(browser, '/settings/security/passkeys', { credential: new SoftAuthenticator().register({ challenge: 'x', rp: { id: 'localhost' } }) });
    expect(registration.statusCode).toBe(400);
  });

  it('refuses a passkey never registered here, and one removed from settings', async () => {
    const unknown = await signInWith(new SoftAuthenticator());
    expect(unknown.answer.statusCode).toBe(400);
    expect(unknown.answer.json()).toEqual({ error: 'That passkey is not registered here, or was removed.' });

    const browser = await member(t().app);
    const device = await addPasskey(browser);
    const row = await t().db.kysely.selectFrom('passkeys').select('id').where('credential_id', '=', device.id).executeTakeFirstOrThrow();
    expect((await browser.post(`/settings/security/passkeys/${row.id}/delete`)).statusCode).toBe(303);
    expect((await browser.get('/settings/security/')).body).toContain('You have no passkeys yet.');
    const removed = await signInWith(device);
    expect(removed.answer.statusCode).toBe(400);
    expect(removed.visitor.cookies.has('sid')).toBe(false);
  });

  it('tells a banned person, and only after their passkey was right', async () => {
    const browser = await member(t().app);
    const device = await addPasskey(browser);
    await t().db.kysely.updateTable('users').set({ banned_at: t().clock.now(), ban_reason: 'spam' }).where('username', '=', browser.username).execute();
    const { visitor, answer } = await signInWith(device);
    expect(answer.statusCode).toBe(403);
    expect(answer.json()).toEqual({ error: 'This account is banned: spam' });
    expect(visitor.cookies.has('sid')).toBe(false);
  });

  it('renames one’s own passkeys only, and keeps the last way in of an account without a password', async () => {
    const browser = await member(t().app);
    const device = await addPasskey(browser);
    const row = await t().db.kysely.selectFrom('passkeys').select('id').where('credential_id', '=', device.id).executeTakeFirstOrThrow();
    expect((await browser.post(`/settings/security/passkeys/${row.id}/rename`, { name: 'Work laptop' })).statusCode).toBe(303);
    expect((await browser.get('/settings/security/')).body).toContain('Work laptop');
    const other = await member(t().app);
    expect((await other.post(`/settings/security/passkeys/${row.id}/rename`, { name: 'Mine now' })).statusCode).toBe(404);
    expect((await other.post(`/settings/security/passkeys/${row.id}/delete`)).statusCode).toBe(404);

    await t().db.kysely.updateTable('users').set({ password_hash: null }).where('username', '=', browser.username).execute();
    const refused = await browser.post(`/settings/security/passkeys/${row.id}/delete`);
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('This passkey is your only way to sign in.');
    expect(await t().db.kysely.selectFrom('passkeys').select('id').where('id', '=', row.id).executeTakeFirst()).toBeDefined();
  });

  it('asks to confirm it is you before adding or removing one, and confirms with a passkey', async () => {
    const browser = await member(t().app);
    const device = await addPasskey(browser);
    t().clock.advance(CONFIRM_WINDOW_MS + 1);
    await browser.get('/settings/security/');
    const ask = await postJson(browser, '/settings/security/passkeys/options', {});
    expect(ask.statusCode).toBe(303);
    expect(ask.headers.location).toBe('/settings/confirm/?next=%2Fsettings%2Fsecurity%2F');
    const row = await t().db.kysely.selectFrom('passkeys').select('id').where('credential_id', '=', device.id).executeTakeFirstOrThrow();
    expect((await browser.post(`/settings/security/passkeys/${row.id}/delete`)).headers.location).toBe('/settings/confirm/?next=%2Fsettings%2Fsecurity%2F');

    const page = await browser.get('/settings/confirm/?next=/settings/security/');
    expect(page.body).toContain('Confirm with a passkey');
    const options = await postJson(browser, '/settings/confirm/passkey/options', {});
    expect(options.statusCode).toBe(200);
    // Another device than one of this account's passkeys does not confirm.
    const stranger = await postJson(browser, '/settings/confirm/passkey', { credential: new SoftAuthenticator().authenticate(options.json<Options>()), next: '/settings/security/' });
    expect(stranger.statusCode).toBe(400);
    const again = await postJson(browser, '/settings/confirm/passkey/options', {});
    const confirmed = await postJson(browser, '/settings/confirm/passkey', { credential: device.authenticate(again.json<Options>()), next: '/settings/security/' });
    expect(confirmed.statusCode).toBe(303);
    expect(confirmed.headers.location).toBe('/settings/security/');
    expect((await postJson(browser, '/settings/security/passkeys/options', {})).statusCode).toBe(200);
  });

  it('passes the second step with one of the pending person’s passkeys, and no one else’s', async () => {
    const owner = await member(t().app);
    const device = await addPasskey(owner);
    const intruder = await addPasskey(await member(t().app));
    const ownerId = await userId(t, owner.username);
    // The pending cookie the password step sets (sign-in-flow.ts) when two-step sign-in is on.
    const pending = new SignedValues(t().config.secretKey, t().clock.now).sign('two_step', { userId: ownerId, next: '/new' }, 600_000);

    const visitor = new BrowserSession(t().app);
    await visitor.get('/login');
    visitor.cookies.set('two_step', pending);
    const page = await visitor.get('/login/two-step/');
    expect(page.body).toContain('Use a passkey');
    const first = await postJson(visitor, '/login/two-step/passkey/options', {});
    expect(first.json<{ allowCredentials: { id: string }[] }>().allowCredentials.map((c) => c.id)).toEqual([device.id]);
    const wrong = await postJson(visitor, '/login/two-step/passkey', { credential: intruder.authenticate(first.json<Options>()) });
    expect(wrong.statusCode).toBe(400);
    const second = await postJson(visitor, '/login/two-step/passkey/options', {});
    const right = await postJson(visitor, '/login/two-step/passkey', { credential: device.authenticate(second.json<Options>()) });
    expect(right.statusCode).toBe(303);
    expect(right.headers.location).toBe('/new');
    expect(visitor.cookies.has('sid')).toBe(true);

    const nobody = new BrowserSession(t().app);
    await nobody.get('/login');
    expect((await postJson(nobody, '/login/two-step/passkey/options', {})).statusCode).toBe(400);
  });
});

describe('passkey sign-ins, with the real rate limits', () => {
  const t = useTestApp({ RATE_LIMIT_SCALE: '1' });

  it('answers 429 with Retry-After after 30 answers from one address in 10 minutes', async () => {
    const visitor = new BrowserSession(t().app);
    await visitor.get('/login');
    const send = () =>
      t().app.inject({
        method: 'POST',
        url: '/login/passkey',
        payload: JSON.stringify({ credential: new SoftAuthenticator().authenticate({ challenge: 'made-up' }) }),
        headers: { accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': visitor.csrf, origin: 'http://localhost', cookie: `csrf_pre=${visitor.cookies.get('csrf_pre')}` },
      });
    for (let i = 0; i < 30; i++) expect((await send()).statusCode).toBe(400);
    const refused = await send();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.json<{ error: string }>().error).toContain('Too many passkey sign-ins');
  });
});
