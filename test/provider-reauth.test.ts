// Accounts that sign in only with a provider, against the real OpenID
// provider on 127.0.0.1 (test/support/oidc-provider.ts): they confirm it is
// them through the provider ("Confirm with …", which asks the provider for a
// fresh sign-in), set a password without a current one, and every change of
// sign-in methods waits for a recent confirmation. A deleted account's
// identity signs in to nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIRM_WINDOW_MS } from '../src/accounts/two-step/recent-auth.js';
import { startTestApp, stopTestApp, type TestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { ProviderClient, startTestIdp, type TestIdp } from './support/oidc-provider.js';

const CLIENT = { clientId: 'charcha', clientSecret: 'test-client-secret' };
const STALE = CONFIRM_WINDOW_MS + 1;

let t: TestApp;
let idp: TestIdp;

beforeAll(async () => {
  idp = await startTestIdp({ ...CLIENT, redirectUris: ['http://localhost/auth/test/callback'] });
  t = await startTestApp({
    AUTH_PROVIDERS: 'test',
    OIDC_TEST_ISSUER: idp.issuer,
    OIDC_TEST_CLIENT_ID: CLIENT.clientId,
    OIDC_TEST_CLIENT_SECRET: CLIENT.clientSecret,
    OIDC_TEST_LABEL: 'Test ID',
  });
});

afterAll(async () => {
  if (t) await stopTestApp(t);
  await idp?.stop();
});

/** Through the provider's login page as `login` (or cancelling); the app's callback, as a path. */
async function atProvider(authorizationUrl: string, choice: { login: string } | 'cancel'): Promise<string> {
  const back = await new ProviderClient().authorize(authorizationUrl, choice);
  return back.pathname + back.search;
}

/** A new provider-only account, signed in in a browser of its own. */
async function providerAccount(login: string): Promise<{ browser: BrowserSession; userId: number }> {
  idp.accounts.set(login, { preferred_username: login });
  const browser = new BrowserSession(t.app);
  const leave = await browser.get('/auth/test/login?next=/');
  const back = await browser.get(await atProvider(String(leave.headers.location), { login }));
  expect(back.headers.location).toBe('/');
  const user = await t.services.accounts.requireByUsername(login);
  expect(user.password_hash).toBeNull();
  return { browser, userId: user.id };
}

const sessionOf = (userId: number) => t.db.kysely.selectFrom('sessions').select(['authenticated_at', 'second_step']).where('user_id', '=', userId).executeTakeFirstOrThrow();

describe('confirming with a provider', () => {
  it('offers "Confirm with …" to an account with neither password nor two-step, asks the provider for a fresh sign-in, and goes back to next', async () => {
    const { browser, userId } = await providerAccount('uma');
    t.clock.advance(STALE);
    const asked = await browser.get('/settings/identities/');
    expect(asked.statusCode).toBe(303);
    expect(asked.headers.location).toBe('/settings/confirm/?next=%2Fsettings%2Fidentities%2F');

    const page = await browser.get(String(asked.headers.location));
    expect(page.body).toContain('Confirm with Test ID');
    expect(page.body).not.toContain('Your password');

    const leave = await browser.post('/auth/test/login', { purpose: 'confirm', next: '/settings/identities/' });
    expect(leave.statusCode).toBe(303);
    const authorization = new URL(String(leave.headers.location));
    expect(authorization.origin).toBe(idp.issuer);
    expect(authorization.searchParams.get('prompt')).toBe('login');

    const back = await browser.get(await atProvider(authorization.href, { login: 'uma' }));
    expect(back.statusCode).toBe(303);
    expect(back.headers.location).toBe('/settings/identities/');
    expect(await sessionOf(userId)).toEqual({ authenticated_at: t.clock.now(), second_step: 0 });
    expect((await browser.get('/settings/identities/')).statusCode).toBe(200);
  });

  it('refuses another person’s provider account, and a cancelled one, leaving the person signed in and unconfirmed', async () => {
    const { browser, userId } = await providerAccount('vera');
    idp.accounts.set('someone-else', {});
    t.clock.advance(STALE);
    const before = await sessionOf(userId);
    await browser.get('/settings/confirm/?next=/settings/password/');

    const leave = await browser.post('/auth/test/login', { purpose: 'confirm', next: '/settings/password/' });
    const other = await browser.get(await atProvider(String(leave.headers.location), { login: 'someone-else' }));
    expect(other.headers.location).toBe('/settings/confirm/?next=%2Fsettings%2Fpassword%2F&problem=other-account');
    expect((await browser.get(String(other.headers.location))).body).toContain('is not linked to yours here');
    // Nobody was signed in or made an account by it.
    expect(await t.services.accounts.findByUsername('someone-else')).toBeUndefined();

    const again = await browser.post('/auth/test/login', { purpose: 'confirm', next: '/settings/password/' });
    const cancelled = await browser.get(await atProvider(String(again.headers.location), 'cancel'));
    expect(cancelled.headers.location).toBe('/settings/confirm/?next=%2Fsettings%2Fpassword%2F&problem=provider-failed');
    expect((await browser.get(String(cancelled.headers.location))).body).toContain('did not confirm who you are');

    expect(await sessionOf(userId)).toEqual(before);
    expect((await browser.get('/settings/password/')).headers.location).toBe('/settings/confirm/?next=%2Fsettings%2Fpassword%2F');
  });

  it('starts only from a signed-in person’s CSRF-checked form', async () => {
    const { browser } = await providerAccount('wes');
    const forged = await browser.post('/auth/test/login', { purpose: 'confirm', next: '/', _csrf: 'forged' });
    expect(forged.statusCode).toBe(403);
    const visitor = new BrowserSession(t.app);
    await visitor.get('/login');
    expect((await visitor.post('/auth/test/login', { purpose: 'confirm' })).headers.location).toMatch(/^\/login/);
  });
});

describe('sign-in methods wait for a recent confirmation', () => {
  it('sets a first password without a current one, once confirmed; the password then signs in', async () => {
    const { browser, userId } = await providerAccount('xia');
    const form = await browser.get('/settings/password/');
    expect(form.body).toContain('<h1>Set a password</h1>');
    expect(form.body).not.toContain('Current password');
    expect((await browser.get('/settings/security/')).body).toContain('<a href="/settings/password/">Set a password</a>');

    t.clock.advance(STALE);
    const stale = await browser.post('/settings/password/', { new_password: 'xia-has-a-password-now' });
    expect(stale.headers.location).toBe('/settings/confirm/?next=%2Fsettings%2Fpassword%2F');
    expect(await t.services.accounts.hasPassword(userId)).toBe(false);

    await browser.get('/settings/confirm/');
    const leave = await browser.post('/auth/test/login', { purpose: 'confirm', next: '/settings/password/' });
    await browser.get(await atProvider(String(leave.headers.location), { login: 'xia' }));
    await browser.get('/settings/password/');
    const weak = await browser.post('/settings/password/', { new_password: 'short' });
    expect(weak.statusCode).toBe(400);
    const set = await browser.post('/settings/password/', { new_password: 'xia-has-a-password-now' });
    expect(set.statusCode).toBe(303);
    expect(await t.services.accounts.hasPassword(userId)).toBe(true);

    // From now on the form asks for it, and it signs in.
    expect((await browser.get('/settings/password/')).body).toContain('Current password');
    expect((await new BrowserSession(t.app).login('xia', 'xia-has-a-password-now')).headers.location).toBe('/');
  });

  it('asks before linking or unlinking an identity', async () => {
    const { browser, userId } = await providerAccount('yan');
    idp.accounts.set('yan-work', {});
    await browser.get('/settings/identities/');
    const linkNow = await browser.post('/auth/test/login', {});
    expect(String(linkNow.headers.location)).toContain(idp.issuer);
    await browser.get(await atProvider(String(linkNow.headers.location), { login: 'yan-work' }));
    const [first] = await t.services.identities.listForUser(userId);

    t.clock.advance(STALE);
    const link = await browser.post('/auth/test/login', {});
    expect(link.headers.location).toBe('/settings/confirm/?next=%2Fsettings%2Fidentities%2F');
    const unlink = await browser.post(`/settings/identities/${first!.id}/unlink/`, {});
    expect(unlink.headers.location).toBe('/settings/confirm/?next=%2Fsettings%2Fidentities%2F');
    expect(await t.services.identities.listForUser(userId)).toHaveLength(2);
  });
});

describe('a deleted account', () => {
  it('cannot be signed in to through its old identity: that makes a stranger, who may not have the old name', async () => {
    const { browser, userId } = await providerAccount('zed');
    await browser.get('/settings/delete-account/');
    expect((await browser.post('/settings/delete-account/', { confirm_username: 'zed' })).statusCode).toBe(200);

    const again = new BrowserSession(t.app);
    const leave = await again.get('/auth/test/login?next=/');
    const back = await again.get(await atProvider(String(leave.headers.location), { login: 'zed' }));
    expect(back.headers.location).toBe('/auth/test/username');
    expect((await again.get('/auth/test/username')).body).toContain('The name zed is taken here.');
    expect((await t.db.kysely.selectFrom('sessions').select('id').where('user_id', '=', userId).execute()).length).toBe(0);
  });
});
