// "Sign in with …" end to end, against a real OpenID provider on 127.0.0.1
// (test/support/oidc-provider.ts) while the app answers as http://localhost:
// the flow's checks, every way it can fail, first and returning sign-ins,
// and the rule that a provider never takes over an account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignedValues } from '../src/security/signed-values.js';
import { startTestApp, stopTestApp, type TestApp } from './support/app.js';
import { BrowserSession, queryCount } from './support/browser-session.js';
import { freePort } from './support/free-port.js';
import { ProviderClient, startTestIdp, type TestIdp } from './support/oidc-provider.js';
import { enrolTotp, totpCode } from './support/totp.js';

const CLIENT = { clientId: 'charcha', clientSecret: 'test-client-secret' };

let t: TestApp;
let idp: TestIdp;
let flaky: TestIdp;

beforeAll(async () => {
  idp = await startTestIdp({ ...CLIENT, redirectUris: ['http://localhost/auth/test/callback'] });
  flaky = await startTestIdp({ ...CLIENT, redirectUris: ['http://localhost/auth/flaky/callback'] });
  const provider = (name: string, issuer: string) => ({
    [`OIDC_${name}_ISSUER`]: issuer,
    [`OIDC_${name}_CLIENT_ID`]: CLIENT.clientId,
    [`OIDC_${name}_CLIENT_SECRET`]: CLIENT.clientSecret,
  });
  t = await startTestApp({
    AUTH_PROVIDERS: 'test,flaky,gone',
    ...provider('TEST', idp.issuer),
    OIDC_TEST_LABEL: 'Test ID',
    ...provider('FLAKY', flaky.issuer),
    // Nobody listens there.
    ...provider('GONE', `http://127.0.0.1:${await freePort()}`),
  });
});

afterAll(async () => {
  if (t) await stopTestApp(t);
  await idp?.stop();
  await flaky?.stop();
});

/** Leaves the app for the provider: the authorization URL. */
async function leave(browser: BrowserSession, provider = 'test', next = '/'): Promise<string> {
  const response = await browser.get(`/auth/${provider}/login?next=${encodeURIComponent(next)}`);
  expect(response.statusCode, response.body.slice(0, 300)).toBe(303);
  return String(response.headers.location);
}

/** The provider's redirect back to the app, as a path with its query. */
async function atProvider(authorizationUrl: string, choice: { login: string } | 'cancel'): Promise<string> {
  const back = await new ProviderClient().authorize(authorizationUrl, choice);
  expect(back.origin).toBe('http://localhost');
  return back.pathname + back.search;
}

/** The whole round trip for a person known to the provider as `login`. */
async function signInAs(login: string, options: { next?: string; browser?: BrowserSession; provider?: string } = {}) {
  const browser = options.browser ?? new BrowserSession(t.app);
  const callback = await atProvider(await leave(browser, options.provider, options.next), { login });
  const response = await browser.get(callback);
  return { browser, response };
}

/** The username the page header shows, or null for a visitor. */
async function signedInAs(browser: BrowserSession): Promise<string | null> {
  const page = await browser.get('/');
  return /<a href="\/profile\/([^/"]+)\/">[^<]*<\/a> <span class="karma"/.exec(page.body)?.[1] ?? null;
}

const users = t_users();
function t_users() {
  return {
    count: async () => Number((await t.db.kysely.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    named: (username: string) => t.db.kysely.selectFrom('users').selectAll().where('username_key', '=', username.toLowerCase()).executeTakeFirst(),
  };
}
const identitiesOf = (userId: number) => t.services.identities.listForUser(userId);
/** The message the login page shows. */
const pageError = (body: string) => /class="error-summary-title">([^<]*)</.exec(body)?.[1]?.replace(/&#39;/g, "'").replace(/&#x2F;/g, '/');

describe('the login page', () => {
  it('offers the configured providers as plain links that keep next', async () => {
    const page = await new BrowserSession(t.app).get('/login?next=/new');
    expect(page.body).toContain('<a class="provider-button" href="/auth/test/login?next=%2Fnew">Sign in with Test ID</a>');
    expect(page.body).toContain('Sign in with Flaky');
  });
});

describe('signing in with a provider', () => {
  it('leaves with PKCE, state and nonce, keeping them in a signed 10-minute Lax cookie for /auth/', async () => {
    const response = await new BrowserSession(t.app).get('/auth/test/login?next=/new');
    const url = new URL(String(response.headers.location));
    expect(url.origin).toBe(idp.issuer);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: 'charcha',
      response_type: 'code',
      redirect_uri: 'http://localhost/auth/test/callback',
      scope: 'openid email profile',
      code_challenge_method: 'S256',
    });
    for (const name of ['state', 'nonce', 'code_challenge']) expect(url.searchParams.get(name)).toMatch(/^[\w-]{20,}$/);
    const cookie = response.cookies.find((c) => c.name === 'auth_flow');
    // Lax, not Strict: the provider's redirect back is a cross-site navigation.
    expect(cookie).toMatchObject({ path: '/auth/', httpOnly: true, sameSite: 'Lax', maxAge: 600 });
    // No session, no other cookie: a visitor stays a visitor until the provider answers.
    expect(response.cookies.map((c) => c.name)).toEqual(['auth_flow']);
  });

  it('creates an account at the first sign-in: a member without a password, named from the profile, back on next', async () => {
    idp.accounts.set('alice-sub', { email: 'alice@example.com', email_verified: true, preferred_username: 'alice' });
    const { browser, response } = await signInAs('alice-sub', { next: '/new' });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/new');
    expect(response.cookies.find((c) => c.name === 'auth_flow')?.value).toBe('');
    expect(await signedInAs(browser)).toBe('alice');
    const alice = (await users.named('alice'))!;
    expect(alice).toMatchObject({ password_hash: null, email: 'alice@example.com' });
    expect(await identitiesOf(alice.id)).toMatchObject([{ provider: 'test', subject: 'alice-sub', email: 'alice@example.com' }]);
    // A member: may start a discussion.
    expect((await browser.get('/start-discussion')).statusCode).toBe(200);
  });

  it('signs a returning identity in to its account, on a fresh session id', async () => {
    const before = await users.count();
    const browser = new BrowserSession(t.app);
    browser.cookies.set('sid', 'a-session-id-an-attacker-planted');
    const { response } = await signInAs('alice-sub', { browser });
    expect(response.statusCode).toBe(303);
    expect(browser.cookies.get('sid')).not.toBe('a-session-id-an-attacker-planted');
    expect(await signedInAs(browser)).toBe('alice');
    expect(await users.count()).toBe(before);
  });

  it('lets the person choose a username when the proposed one is taken, holding the identity in a signed cookie', async () => {
    await new BrowserSession(t.app).signup('bob');
    idp.accounts.set('bob-sub', { email: 'bob.other@example.com', email_verified: true, preferred_username: 'bob' });
    const { browser, response } = await signInAs('bob-sub', { next: '/new' });
    expect(response.headers.location).toBe('/auth/test/username');
    const pending = response.cookies.find((c) => c.name === 'auth_pending');
    expect(pending).toMatchObject({ path: '/auth/', httpOnly: true, sameSite: 'Lax', maxAge: 600 });
    expect(browser.cookies.has('sid')).toBe(false);

    const form = await browser.get('/auth/test/username');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('The name bob is taken here. Choose another.');
    expect((await browser.post('/auth/test/username', { username: 'BOB' })).statusCode).toBe(400);
    expect((await browser.post('/auth/test/username', { username: 'b' })).body).toContain('Use 3 to 30 letters');
    const created = await browser.post('/auth/test/username', { username: 'bobby' });
    expect(created.statusCode).toBe(303);
    expect(created.headers.location).toBe('/new');
    expect(await signedInAs(browser)).toBe('bobby');
    expect((await users.named('bobby'))?.password_hash).toBeNull();
    // The pending identity is spent.
    expect(browser.cookies.has('auth_pending')).toBe(false);
  });

  it('proposes a username from the e-mail when the profile has none, cleaned to what usernames allow', async () => {
    idp.accounts.set('dot-sub', { email: 'jane.doe+forum@example.com', email_verified: true });
    const { browser } = await signInAs('dot-sub');
    expect(await signedInAs(browser)).toBe('jane_doe_forum');
  });

  it('keeps next on this site only', async () => {
    idp.accounts.set('next-sub', { preferred_username: 'nextcase' });
    const { response } = await signInAs('next-sub', { next: '//evil.example/steal' });
    expect(response.headers.location).toBe('/');
  });
});

describe('a provider never takes over an account', () => {
  it('refuses to link on a matching verified e-mail: the owner must log in, then link from settings', async () => {
    const owner = new BrowserSession(t.app);
    await owner.get('/signup');
    expect((await owner.post('/signup', { username: 'carol', password: 'carols-long-password', email: 'Carol@Example.com' })).statusCode).toBe(303);
    const before = await users.count();

    idp.accounts.set('carol-sub', { email: 'carol@example.com', email_verified: true, preferred_username: 'carol_at_idp' });
    const { browser, response } = await signInAs('carol-sub');
    expect(response.statusCode).toBe(409);
    expect(pageError(response.body)).toBe('An account with the address carol@example.com exists here: log in to it, then link Test ID from your settings.');
    expect(response.body).toContain('name="next" value="/settings/identities/"');
    expect(browser.cookies.has('sid')).toBe(false);
    expect(await users.count()).toBe(before);
    const carol = (await users.named('carol'))!;
    expect(await identitiesOf(carol.id)).toEqual([]);

    // Carol logs in with her password and links the identity herself.
    const loggedIn = await browser.post('/login', { username: 'carol', password: 'carols-long-password', next: '/settings/identities/' });
    expect(loggedIn.headers.location).toBe('/settings/identities/');
    expect((await browser.get('/settings/identities/')).body).toContain('<button type="submit" class="provider-button">Link Test ID</button>');
    const link = await browser.post('/auth/test/login', {});
    expect(link.statusCode).toBe(303);
    const linked = await browser.get(await atProvider(String(link.headers.location), { login: 'carol-sub' }));
    expect(linked.headers.location).toBe('/settings/identities/?done=linked');
    expect((await browser.get('/settings/identities/?done=linked')).body).toContain('The account was linked');
    // From now on the identity signs in to Carol's account.
    expect(await signedInAs((await signInAs('carol-sub')).browser)).toBe('carol');
  });

  it('does not match an address the provider has not verified: that person gets an account of their own', async () => {
    idp.accounts.set('mallory-sub', { email: 'carol@example.com', email_verified: false, preferred_username: 'mallory' });
    const { browser } = await signInAs('mallory-sub');
    expect(await signedInAs(browser)).toBe('mallory');
    // Without the unverified address.
    expect((await users.named('mallory'))?.email).toBeNull();
  });

  it('refuses to link an identity that is another account’s', async () => {
    const browser = new BrowserSession(t.app);
    await browser.signup('dave');
    const link = await browser.post('/auth/test/login', {});
    const back = await browser.get(await atProvider(String(link.headers.location), { login: 'alice-sub' }));
    expect(back.headers.location).toBe('/settings/identities/?problem=linked-elsewhere');
    expect((await browser.get('/settings/identities/?problem=linked-elsewhere')).body).toContain('already linked to another account here');
    expect(await identitiesOf((await users.named('dave'))!.id)).toEqual([]);
  });

  it('answers a password login to a password-less account as it answers a wrong password', async () => {
    const browser = new BrowserSession(t.app);
    await browser.get('/login');
    const response = await browser.post('/login', { username: 'alice', password: 'any-password-at-all' });
    expect(response.statusCode).toBe(400);
    expect(pageError(response.body)).toBe('Wrong username or password.');
  });

  it('refuses a banned account signing in through its identity', async () => {
    idp.accounts.set('erin-sub', { preferred_username: 'erin' });
    await signInAs('erin-sub');
    await t.db.kysely.updateTable('users').set({ banned_at: t.clock.now(), ban_reason: 'spam' }).where('username_key', '=', 'erin').execute();
    const { browser, response } = await signInAs('erin-sub');
    expect(response.statusCode).toBe(403);
    expect(pageError(response.body)).toBe('This account is banned: spam');
    expect(browser.cookies.has('sid')).toBe(false);
  });
});

describe('a failed sign-in ends on the login page, signed out, saying why', () => {
  const expectFailure = (response: Awaited<ReturnType<BrowserSession['get']>>, browser: BrowserSession, status: number, message: string) => {
    expect(response.statusCode).toBe(status);
    expect(pageError(response.body)).toBe(message);
    expect(response.body).toContain('<form method="post" action="/login">');
    expect(browser.cookies.has('sid')).toBe(false);
  };
  const EXPIRED = 'This sign-in could not be checked: it took longer than 10 minutes, or was started in another browser. Please try again.';
  const UNVERIFIED = 'The answer from Test ID could not be verified, so you are not signed in. Please try again.';
  const USED = 'This sign-in with Test ID had expired or was already used. Please try again.';

  it('denied consent', async () => {
    const browser = new BrowserSession(t.app);
    const callback = await atProvider(await leave(browser, 'test', '/new'), 'cancel');
    expect(callback).toContain('error=access_denied');
    expectFailure(await browser.get(callback), browser, 400, 'You did not allow signing in with Test ID, so you are not signed in.');
  });

  it('a tampered state', async () => {
    const browser = new BrowserSession(t.app);
    const callback = await atProvider(await leave(browser), { login: 'alice-sub' });
    expectFailure(await browser.get(callback.replace(/state=[^&]+/, 'state=forged')), browser, 400, UNVERIFIED);
  });

  it('a callback without this browser’s checks, or with altered ones', async () => {
    const browser = new BrowserSession(t.app);
    const callback = await atProvider(await leave(browser), { login: 'alice-sub' });
    const elsewhere = new BrowserSession(t.app);
    expectFailure(await elsewhere.get(callback), elsewhere, 400, EXPIRED);
    browser.cookies.set('auth_flow', browser.cookies.get('auth_flow')!.replace(/^./, (c) => (c === 'e' ? 'f' : 'e')));
    expectFailure(await browser.get(callback), browser, 400, EXPIRED);
  });

  it('an ID token whose nonce is not the one this browser sent', async () => {
    const browser = new BrowserSession(t.app);
    const callback = await atProvider(await leave(browser), { login: 'alice-sub' });
    // The flow cookie, re-signed with the app's own key but another nonce: only the nonce check can catch it.
    const signed = new SignedValues(t.config.secretKey, t.clock.now);
    const flow = signed.verify('auth_flow', browser.cookies.get('auth_flow')) as Record<string, unknown>;
    browser.cookies.set('auth_flow', signed.sign('auth_flow', { ...flow, nonce: 'another-nonce-entirely' }, 600_000));
    expectFailure(await browser.get(callback), browser, 400, UNVERIFIED);
  });

  it('an expired code', async () => {
    const browser = new BrowserSession(t.app);
    idp.codeTtlSeconds = 1;
    try {
      const callback = await atProvider(await leave(browser), { login: 'alice-sub' });
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      expectFailure(await browser.get(callback), browser, 400, USED);
    } finally {
      idp.codeTtlSeconds = 60;
    }
  });

  it('a replayed code (the callback URL and cookie copied after a sign-in)', async () => {
    const browser = new BrowserSession(t.app);
    const callback = await atProvider(await leave(browser), { login: 'alice-sub' });
    const copiedCookie = browser.cookies.get('auth_flow')!;
    expect((await browser.get(callback)).statusCode).toBe(303);
    const thief = new BrowserSession(t.app);
    thief.cookies.set('auth_flow', copiedCookie);
    expectFailure(await thief.get(callback), thief, 400, USED);
  });

  it('a provider that is down, before leaving or on the way back', async () => {
    const browser = new BrowserSession(t.app);
    expectFailure(await browser.get('/auth/gone/login?next=/new'), browser, 503, 'Gone is not answering just now. Please try again in a few minutes, or log in with your password.');

    const callback = await atProvider(await leave(browser, 'flaky'), { login: 'someone' });
    await flaky.stop();
    expectFailure(await browser.get(callback), browser, 503, 'Flaky is not answering just now. Please try again in a few minutes, or log in with your password.');
  }, 20_000);

  it('an unknown or unconfigured provider: a 404 listing the enabled ones', async () => {
    const browser = new BrowserSession(t.app);
    for (const path of ['/auth/facebook/login', '/auth/github/callback?code=x&state=y', '/auth/google/username']) {
      const response = await browser.get(path);
      expect(response.statusCode, path).toBe(404);
      expect(response.body).toContain('This forum has no such sign-in provider.');
      expect(response.body).toContain('href="/auth/test/login?next=%2F">Sign in with Test ID</a>');
    }
  });
});

describe('settings: sign-in methods', () => {
  it('lists the identities, links another, and unlinks any but the last way to sign in', async () => {
    idp.accounts.set('fay-sub', { email: 'fay@example.com', email_verified: true, preferred_username: 'fay' });
    idp.accounts.set('fay-work', { email: 'fay@work.example', email_verified: true, preferred_username: 'fay_work' });
    const { browser } = await signInAs('fay-sub');
    const fay = (await users.named('fay'))!;
    let page = await browser.get('/settings/identities/');
    const queriesForOne = queryCount(page);
    expect(page.body).toContain('Your account has no password');
    expect(page.body).toContain('your only way to sign in');
    const [only] = await identitiesOf(fay.id);
    const refused = await browser.post(`/settings/identities/${only!.id}/unlink/`, {});
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('This is your only way to sign in. Link another provider, add a passkey or set a password first.');

    const link = await browser.post('/auth/test/login', {});
    expect((await browser.get(await atProvider(String(link.headers.location), { login: 'fay-work' }))).headers.location).toBe('/settings/identities/?done=linked');
    page = await browser.get('/settings/identities/');
    expect(page.body).toContain('fay@work.example');
    // The session's query, the identities, the password and passkey questions: however many are linked.
    expect(queryCount(page)).toBe(queriesForOne);
    expect(queriesForOne).toBeLessThanOrEqual(4);
    expect(page.body).toContain('aria-label="Unlink Test ID fay@example.com"');

    expect((await browser.post(`/settings/identities/${only!.id}/unlink/`, {})).headers.location).toBe('/settings/identities/?done=unlinked');
    expect((await identitiesOf(fay.id)).map((i) => i.subject)).toEqual(['fay-work']);
    // The unlinked identity is a stranger now: signing in with it makes a new account.
    expect(await signedInAs((await signInAs('fay-sub')).browser)).not.toBe('fay');
  });

  it('lets an account with a password unlink its only identity, and nobody unlink another person’s', async () => {
    const carolBrowser = new BrowserSession(t.app);
    await carolBrowser.login('carol', 'carols-long-password');
    const [carolsIdentity] = await identitiesOf((await users.named('carol'))!.id);
    const stranger = new BrowserSession(t.app);
    await stranger.signup('stranger');
    expect((await stranger.post(`/settings/identities/${carolsIdentity!.id}/unlink/`, {})).statusCode).toBe(404);
    await carolBrowser.get('/settings/identities/');
    expect((await carolBrowser.post(`/settings/identities/${carolsIdentity!.id}/unlink/`, {})).statusCode).toBe(303);
  });

  it('counts a passkey as a way in: an account without a password but with a passkey may unlink its only identity', async () => {
    idp.accounts.set('gil-sub', { email: 'gil@example.com', email_verified: true, preferred_username: 'gil' });
    const { browser } = await signInAs('gil-sub');
    const gil = (await users.named('gil'))!;
    await t.db.kysely.insertInto('passkeys').values({ user_id: gil.id, credential_id: 'gils-key', public_key: 'AA', name: 'Phone', created_at: 1 }).execute();
    const [only] = await identitiesOf(gil.id);
    expect((await browser.get('/settings/identities/')).body).not.toContain('your only way to sign in');
    expect((await browser.post(`/settings/identities/${only!.id}/unlink/`, {})).headers.location).toBe('/settings/identities/?done=unlinked');
    expect(await identitiesOf(gil.id)).toEqual([]);
  });

  it('starts linking only from a signed-in, CSRF-checked form', async () => {
    const visitor = new BrowserSession(t.app);
    const response = await visitor.post('/auth/test/login', {});
    expect(response.headers.location).toBe('/login?next=%2Fsettings%2Fidentities%2F');
    const member = new BrowserSession(t.app);
    await member.signup('csrfcase');
    expect((await member.post('/auth/test/login', { _csrf: 'forged' })).statusCode).toBe(403);
    expect(member.cookies.has('auth_flow')).toBe(false);
  });
});

describe('a provider and two-step sign-in', () => {
  it('asks for the authenticator app’s code after the provider, and only then signs in, on next', async () => {
    idp.accounts.set('tina-sub', { email: 'tina@example.com', email_verified: true, preferred_username: 'tina' });
    const first = await signInAs('tina-sub');
    const { secret } = await enrolTotp(first.browser, t.clock);

    const { browser, response } = await signInAs('tina-sub', { next: '/new' });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/login/two-step/');
    // Lax like the flow cookie: it arrived with the provider's cross-site redirect.
    expect(response.cookies.find((c) => c.name === 'two_step')).toMatchObject({ path: '/login/two-step/', httpOnly: true, sameSite: 'Lax' });
    expect(await signedInAs(browser)).toBeNull();
    await browser.get('/login/two-step/');
    t.clock.advance(30_000);
    const done = await browser.post('/login/two-step/', { method: 'totp', code: totpCode(secret, t.clock.now()), next: '/new' });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/new');
    expect(await signedInAs(browser)).toBe('tina');
  });
});
