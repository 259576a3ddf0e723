// Authenticator apps and recovery codes, end to end through the pages: set
// up, sign in with the second step, wrong, early, late, expired and reused
// codes, the rate limit, recovery codes, the lost phone, and a rotated
// SECRET_KEY.
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { CONFIRM_WINDOW_MS } from '../src/accounts/two-step/recent-auth.js';
import { buildServices } from '../src/services.js';
import { testConfig, useTestApp, type TestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { PASSWORD } from './support/discussion-fixture.js';
import { member } from './support/forum.js';
import { joinGroup } from './support/moderation.js';
import { enrolTotp, passwordStep, secretOnPage, totpCode } from './support/totp.js';

const STEP_MS = 30_000;

async function userId(t: TestApp, username: string): Promise<number> {
  return (await t.db.kysely.selectFrom('users').select('id').where('username_key', '=', username.toLowerCase()).executeTakeFirstOrThrow()).id;
}

async function signOut(browser: BrowserSession): Promise<void> {
  await browser.get('/');
  expect((await browser.post('/logout')).statusCode).toBe(303);
}

/** The second step's form, as the page posts it. */
const secondStep = (browser: BrowserSession, method: 'totp' | 'recovery', code: string, next = '/') => browser.post('/login/two-step/', { method, code, next });

/** Whom the page header shows signed in, if anyone. */
async function signedInAs(browser: BrowserSession): Promise<string | null> {
  const page = await browser.get('/');
  return /<a href="\/profile\/([^/"]+)\/">/.exec(page.body)?.[1] ?? null;
}

describe('setting up an authenticator app', () => {
  const t = useTestApp();

  it('shows a QR code (inline SVG, no style) and the same key as text, and turns on only with a right code', async () => {
    const browser = await member(t().app);
    const security = await browser.get('/settings/security/');
    expect(security.body).toContain('href="/settings/security/authenticator/">Set up an authenticator app</a>');
    expect(security.body).not.toContain('Recovery codes');

    const page = await browser.get('/settings/security/authenticator/');
    expect(page.statusCode).toBe(200);
    const svg = /<svg class="qr"[^>]*>.*?<\/svg>/s.exec(page.body)?.[0];
    expect(svg).toContain('role="img"');
    expect(svg).not.toMatch(/style|script/i);
    const secret = secretOnPage(page.body);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(page.body).toContain(`href="otpauth://totp/Charcha:${browser.username}?issuer=Charcha&amp;secret=${secret}`);
    // The same secret while the person comes back to the page (the app already scanned it).
    expect(secretOnPage((await browser.get('/settings/security/authenticator/')).body)).toBe(secret);
    // At rest, sealed: the database never holds the key in clear.
    const stored = await t().db.kysely.selectFrom('totp_apps').select('secret').where('user_id', '=', await userId(t(), browser.username)).executeTakeFirstOrThrow();
    expect(stored.secret).toMatch(/^v1\./);
    expect(stored.secret).not.toContain(secret);

    const wrong = await browser.post('/settings/security/authenticator/', { code: '000000' === totpCode(secret, t().clock.now()) ? '111111' : '000000' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('That code is not right');
    expect(await t().services.twoStep.methodsFor(await userId(t(), browser.username))).toEqual([]);

    const done = await browser.post('/settings/security/authenticator/', { code: totpCode(secret, t().clock.now()) });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Two-step sign-in is on.');
    expect(done.body).toContain('They are shown only now.');
    const codes = [...done.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[2-9a-hjkmnp-z]{4}(-[2-9a-hjkmnp-z]{4}){3}$/);
    // Stored hashed: none of the codes is in the table.
    const hashes = await t().db.kysely.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', await userId(t(), browser.username)).execute();
    expect(hashes).toHaveLength(10);
    for (const { code_hash } of hashes) expect(codes).not.toContain(code_hash);

    expect(await t().services.twoStep.methodsFor(await userId(t(), browser.username))).toEqual(['totp', 'recovery']);
    const after = await browser.get('/settings/security/');
    expect(after.body).toContain('On: sign-in asks for a code from your app.');
    expect(after.body).toContain('10 of 10 recovery codes left.');
    // The set-up page now offers to turn it off, not a new secret.
    const onPage = await browser.get('/settings/security/authenticator/');
    expect(onPage.body).toContain('Turn off the authenticator app');
    expect(onPage.body).not.toContain('secret-key');
  });

  it('asks to confirm it is you first when the last proof is older than 10 minutes, on every page and post', async () => {
    const browser = await member(t().app);
    await browser.get('/settings/security/');
    t().clock.advance(CONFIRM_WINDOW_MS + 1);
    const asked = [
      await browser.get('/settings/security/authenticator/'),
      await browser.post('/settings/security/authenticator/', { code: '123456' }),
      await browser.post('/settings/security/authenticator/disable/'),
      await browser.get('/settings/security/recovery-codes/'),
      await browser.post('/settings/security/recovery-codes/'),
    ];
    for (const response of asked) {
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toMatch(/^\/settings\/confirm\/\?next=%2Fsettings%2Fsecurity%2F(authenticator|recovery-codes)%2F$/);
    }
    await browser.post('/settings/confirm/', { method: 'password', password: PASSWORD, next: '/settings/security/authenticator/' });
    expect((await browser.get('/settings/security/authenticator/')).statusCode).toBe(200);
  });
});

describe('signing in with an authenticator app', () => {
  const t = useTestApp();

  it('asks for a code after the password, and signs in on a new session that passed a second step, on next', async () => {
    const browser = await member(t().app);
    const { secret } = await enrolTotp(browser, t().clock);
    await signOut(browser);

    const visitor = new BrowserSession(t().app);
    visitor.cookies.set('sid', 'a-session-id-an-attacker-planted');
    await passwordStep(visitor, browser.username, PASSWORD, '/new');
    expect(await signedInAs(visitor)).toBeNull();
    t().clock.advance(STEP_MS);
    const done = await secondStep(visitor, 'totp', totpCode(secret, t().clock.now()), '/new');
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/new');
    expect(visitor.cookies.get('sid')).not.toBe('a-session-id-an-attacker-planted');
    expect(visitor.cookies.has('two_step')).toBe(false);
    expect(await signedInAs(visitor)).toBe(browser.username);
    const sessions = await t().db.kysely.selectFrom('sessions').select('second_step').where('user_id', '=', await userId(t(), browser.username)).execute();
    expect(sessions).toEqual([{ second_step: 1 }]);
  });

  it('refuses wrong, expired and reused codes, and takes one step early or late', async () => {
    const browser = await member(t().app);
    const { secret } = await enrolTotp(browser, t().clock);
    await signOut(browser);
    const visitor = new BrowserSession(t().app);
    await passwordStep(visitor, browser.username);
    const now = () => t().clock.now();
    // Two steps after the code that set the app up (that step is used).
    t().clock.advance(2 * STEP_MS);

    const wrong = await secondStep(visitor, 'totp', '12345');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('That code is not right, or was already used.');
    // Three steps old: expired.
    expect((await secondStep(visitor, 'totp', totpCode(secret, now() - 3 * STEP_MS))).statusCode).toBe(400);
    // Three steps ahead: not yet.
    expect((await secondStep(visitor, 'totp', totpCode(secret, now() + 3 * STEP_MS))).statusCode).toBe(400);
    // The code the app showed a moment ago (a slow phone's clock): still right.
    const late = totpCode(secret, now() - STEP_MS);
    const accepted = await secondStep(visitor, 'totp', late.replace(/(\d{3})/, '$1 '));
    expect(accepted.statusCode).toBe(303);
    await signOut(visitor);

    // The same code again, still within its window: refused; so is any earlier one.
    const again = new BrowserSession(t().app);
    await passwordStep(again, browser.username);
    expect((await secondStep(again, 'totp', late)).statusCode).toBe(400);
    expect((await secondStep(again, 'totp', totpCode(secret, now() - STEP_MS))).statusCode).toBe(400);
    // The next step's code works.
    t().clock.advance(STEP_MS);
    expect((await secondStep(again, 'totp', totpCode(secret, now()))).statusCode).toBe(303);
  });

  it('takes each recovery code once, and the lost phone is replaced with a recovery code', async () => {
    const browser = await member(t().app);
    const { secret: oldSecret, recoveryCodes } = await enrolTotp(browser, t().clock);
    await signOut(browser);

    // The phone is lost: a recovery code, typed in capitals with spaces, signs in.
    const lost = new BrowserSession(t().app);
    await passwordStep(lost, browser.username);
    const page = await lost.get('/login/two-step/');
    expect(page.body).toContain('Lost your phone? Use a recovery code');
    expect((await secondStep(lost, 'recovery', recoveryCodes[0]!.toUpperCase().replace(/-/g, ' '))).statusCode).toBe(303);
    expect(await signedInAs(lost)).toBe(browser.username);
    expect((await lost.get('/settings/security/')).body).toContain('9 of 10 recovery codes left.');

    // Turn the old app off and set up the new phone.
    const onPage = await lost.get('/settings/security/authenticator/');
    expect(onPage.body).toContain('Turn off the authenticator app');
    const off = await lost.post('/settings/security/authenticator/disable/');
    expect(off.statusCode).toBe(303);
    expect(off.headers.location).toBe('/settings/security/');
    expect((await lost.get('/settings/security/')).body).toContain('Set up an authenticator app');
    t().clock.advance(STEP_MS);
    const { secret: newSecret, recoveryCodes: newCodes } = await enrolTotp(lost, t().clock);
    expect(newSecret).not.toBe(oldSecret);
    await signOut(lost);

    // A used code, the old set's codes and the old phone's codes are all void now.
    const later = new BrowserSession(t().app);
    await passwordStep(later, browser.username);
    t().clock.advance(STEP_MS);
    expect((await secondStep(later, 'recovery', recoveryCodes[0]!)).statusCode).toBe(400);
    expect((await secondStep(later, 'recovery', recoveryCodes[1]!)).statusCode).toBe(400);
    expect((await secondStep(later, 'totp', totpCode(oldSecret, t().clock.now()))).statusCode).toBe(400);
    expect((await secondStep(later, 'recovery', newCodes[0]!)).statusCode).toBe(303);
    await signOut(later);
    // Used once: not twice.
    const twice = new BrowserSession(t().app);
    await passwordStep(twice, browser.username);
    expect((await secondStep(twice, 'recovery', newCodes[0]!)).statusCode).toBe(400);
    expect((await secondStep(twice, 'totp', totpCode(newSecret, t().clock.now()))).statusCode).toBe(303);
  });

  it('gives new recovery codes on request, voiding the old ones', async () => {
    const browser = await member(t().app);
    const { recoveryCodes } = await enrolTotp(browser, t().clock);
    const id = await userId(t(), browser.username);
    expect(await t().services.recoveryCodes.check(id, recoveryCodes[0]!.replace(/-/g, ''))).toBe(true);
    const page = await browser.get('/settings/security/recovery-codes/');
    expect(page.body).toContain('9 of 10 recovery codes left.');
    const fresh = await browser.post('/settings/security/recovery-codes/');
    expect(fresh.statusCode).toBe(200);
    const codes = [...fresh.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
    expect(codes).toHaveLength(10);
    expect(await t().services.recoveryCodes.check(id, recoveryCodes[1]!.replace(/-/g, ''))).toBe(false);
    expect(await t().services.recoveryCodes.left(id)).toBe(10);
  });

  it('takes an app code to confirm it is you, and that counts as a second step', async () => {
    const browser = await member(t().app);
    const { secret } = await enrolTotp(browser, t().clock);
    t().clock.advance(CONFIRM_WINDOW_MS + STEP_MS);
    const asked = await browser.get('/settings/security/recovery-codes/');
    expect(asked.headers.location).toBe('/settings/confirm/?next=%2Fsettings%2Fsecurity%2Frecovery-codes%2F');
    await browser.get(String(asked.headers.location));
    const confirmed = await browser.post('/settings/confirm/', { method: 'totp', code: totpCode(secret, t().clock.now()), next: '/settings/security/recovery-codes/' });
    expect(confirmed.statusCode).toBe(303);
    expect((await browser.get('/settings/security/recovery-codes/')).statusCode).toBe(200);
  });

  it('refuses new recovery codes to someone without two-step sign-in', async () => {
    const browser = await member(t().app);
    const page = await browser.get('/settings/security/recovery-codes/');
    expect(page.body).toContain('set up an authenticator app</a> first');
    const refused = await browser.post('/settings/security/recovery-codes/');
    expect(refused.statusCode).toBe(303);
    expect(await t().services.recoveryCodes.left(await userId(t(), browser.username))).toBe(0);
  });
});

describe('a rotated SECRET_KEY', () => {
  const t = useTestApp();
  const OLD = 'test-secret-key-that-is-long-enough-000';
  const NEW = 'a-brand-new-secret-key-for-after-the-rotation';

  it('still checks codes (and the sign-in under way) with the old key in SECRET_KEY_FALLBACKS, and seals the secret again with the new one', async () => {
    const browser = await member(t().app);
    const { secret } = await enrolTotp(browser, t().clock);
    await signOut(browser);
    const id = await userId(t(), browser.username);
    const rebuilt = async (env: Record<string, string>) => {
      const config = testConfig(t().database, env);
      return { app: await buildApp(config, { db: t().db, now: t().clock.now }), services: buildServices(t().db, config, t().clock.now, t().app.log) };
    };

    // The new key alone cannot open the secret: only a recovery code would help.
    const withoutFallback = await rebuilt({ SECRET_KEY: NEW });
    t().clock.advance(STEP_MS);
    expect(await withoutFallback.services.twoStep.check(id, 'totp', totpCode(secret, t().clock.now()))).toBe(false);

    // A sign-in under way when the servers restart with the new key: its pending cookie and form token were signed with the old one.
    const underWay = new BrowserSession(t().app);
    await passwordStep(underWay, browser.username);

    // With the old key as a fallback: signing in works through the pages.
    const rotated = await rebuilt({ SECRET_KEY: NEW, SECRET_KEY_FALLBACKS: `another-old-key-nobody-uses-any-more,${OLD}` });
    const resumed = new BrowserSession(rotated.app);
    for (const [name, value] of underWay.cookies) resumed.cookies.set(name, value);
    resumed.csrf = underWay.csrf;
    expect((await secondStep(resumed, 'totp', totpCode(secret, t().clock.now()))).statusCode).toBe(303);
    expect(await signedInAs(resumed)).toBe(browser.username);

    // Sealed again with the new key: once the old key is dropped, codes still check.
    t().clock.advance(STEP_MS);
    expect(await withoutFallback.services.twoStep.check(id, 'totp', totpCode(secret, t().clock.now()))).toBe(true);
    await rotated.app.close();
    await withoutFallback.app.close();
  });
});

describe('the second step, with the real rate limits', () => {
  const t = useTestApp({ RATE_LIMIT_SCALE: '1' });

  it('locks the account’s second step after repeated wrong codes, even against the right one', async () => {
    const browser = await member(t().app);
    const { secret } = await enrolTotp(browser, t().clock);
    await signOut(browser);
    const visitor = new BrowserSession(t().app);
    await passwordStep(visitor, browser.username);
    t().clock.advance(STEP_MS);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await secondStep(visitor, 'totp', String(100000 + i))).statusCode);
    expect(statuses.slice(0, 3)).toEqual([400, 400, 400]);
    expect(statuses.at(-1)).toBe(429);
    const right = await secondStep(visitor, 'totp', totpCode(secret, t().clock.now()));
    expect(right.statusCode).toBe(429);
    expect(right.body).toContain('Too many wrong codes.');
    expect(await signedInAs(visitor)).toBeNull();
  });
});

describe('STAFF_TWO_STEP=required and an authenticator app', () => {
  const t = useTestApp({ STAFF_TWO_STEP: 'required' });

  it('gives a moderator their rights as soon as their app is set up', async () => {
    const moderator = new BrowserSession(t().app);
    await t().services.accounts.signup({ username: 'watchful', password: PASSWORD });
    await joinGroup(t().db, 'watchful', 'moderator');
    await moderator.login('watchful', PASSWORD);
    expect((await moderator.get('/moderation/')).statusCode).toBe(403);
    await enrolTotp(moderator, t().clock);
    expect((await moderator.get('/moderation/')).statusCode).toBe(200);
    expect((await moderator.get('/settings/security/')).body).not.toContain('Your staff rights wait');
  });
});
