// Text-message codes end to end: the app sends through the SMS module to a
// stand-in Watertel on loopback (src/sms/test-support.ts), and the test reads
// each code from what the provider received.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMS_CODE_TTL_MS } from '../src/accounts/two-step/phones.js';
import { CONFIRM_WINDOW_MS } from '../src/accounts/two-step/recent-auth.js';
import { startWatertelServer, type WatertelServer } from '../src/sms/test-support.js';
import { startTestApp, stopTestApp, useTestApp, type TestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { member } from './support/forum.js';

const ACCOUNT = { username: 'charcha', password: 'watertel-secret' };

/** A Watertel stand-in for the file, and the app's environment pointing at it (read when the app starts). */
function useWatertel(extra: Record<string, string> = {}): { env: Record<string, string>; watertel: () => WatertelServer } {
  const env: Record<string, string> = { SMS_PROVIDERS: 'watertel:1', WATERTEL_USERNAME: ACCOUNT.username, WATERTEL_PASSWORD: ACCOUNT.password, SMS_RETRY_DELAYS_MS: '0', ...extra };
  let server: WatertelServer | undefined;
  beforeAll(async () => {
    server = await startWatertelServer(ACCOUNT);
    env.WATERTEL_URL = server.url;
  });
  afterAll(() => server?.close());
  return { env, watertel: () => server! };
}

/** The texts Watertel accepted, oldest first. */
const texts = (watertel: WatertelServer) =>
  watertel.requestsTo('/sms').map((r) => r.body as { phone: string; message: string; priority: string });

/** The code in the last text sent to `phone`. */
function lastCode(watertel: WatertelServer, phone: string): string {
  const message = texts(watertel).filter((t) => t.phone === phone).at(-1)?.message ?? '';
  const code = /\b(\d{6})\b/.exec(message)?.[1];
  if (!code) throw new Error(`no code texted to ${phone}: ${JSON.stringify(texts(watertel))}`);
  return code;
}

const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

const PHONE = '/settings/security/phone/';

/** Adds and verifies a phone through the pages; the code comes back from Watertel. */
async function verifyPhone(browser: BrowserSession, watertel: WatertelServer, typed: string, e164: string, signInCodes = true) {
  await browser.get(PHONE);
  const sent = await browser.post(PHONE, { phone: typed });
  expect(sent.statusCode, sent.body).toBe(303);
  await browser.get(`${PHONE}?done=sent`);
  const verified = await browser.post(`${PHONE}verify/`, { code: lastCode(watertel, e164), ...(signInCodes ? { sign_in_codes: 'on' } : {}) });
  expect(verified.statusCode, verified.body).toBe(303);
  await browser.get(PHONE);
}

describe('verifying a phone (SMS_DEFAULT_COUNTRY=GB)', () => {
  const { env, watertel } = useWatertel({ SMS_DEFAULT_COUNTRY: 'GB' });
  const t = useTestApp(env);

  it('texts a code to the number, and the code back makes it the verified phone with sign-in codes on', async () => {
    const browser = await member(t().app);
    const security = await browser.get('/settings/security/');
    expect(security.body).toContain('Add a phone');

    const form = await browser.get(PHONE);
    expect(form.body).toContain('a number in United Kingdom may be written without it');
    const sent = await browser.post(PHONE, { phone: '07911 123456' });
    expect(sent.statusCode, sent.body).toBe(303);
    expect(sent.headers.location).toBe(`${PHONE}?done=sent`);
    const text = texts(watertel()).at(-1)!;
    expect(text).toMatchObject({ phone: '+447911123456', priority: 'high' });
    expect(text.message).toMatch(/^Your Charcha code to verify this phone: \d{6}\. It expires in 10 minutes\.$/);

    const page = await browser.get(`${PHONE}?done=sent`);
    expect(page.body).toContain('We texted a code to <strong>+44 7911 123456</strong>');
    expect(page.body).toContain('for 10 minutes');

    const code = lastCode(watertel(), '+447911123456');
    const wrong = await browser.post(`${PHONE}verify/`, { code: wrongCode(code), sign_in_codes: 'on' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('That code is not right');

    const right = await browser.post(`${PHONE}verify/`, { code: code.replace(/(\d{3})/, '$1 '), sign_in_codes: 'on' });
    expect(right.statusCode, right.body).toBe(303);
    expect(right.headers.location).toBe(`${PHONE}?done=on`);
    const user = await t().services.accounts.findByUsername(browser.username);
    expect(await t().services.phones.phoneOf(user!.id)).toEqual({ number: '+447911123456', verifiedAt: t().clock.now(), signInCodes: true });
    expect(await t().services.twoStep.methodsFor(user!.id)).toEqual(['sms']);
    // The code just proved was a second step for this session.
    const session = await t().db.kysely.selectFrom('sessions').select('second_step').where('user_id', '=', user!.id).executeTakeFirstOrThrow();
    expect(session.second_step).toBe(1);
    expect((await browser.get('/settings/security/')).body).toContain('Sign-in codes by text: <strong>on</strong>');

    const reused = await browser.post(`${PHONE}verify/`, { code, sign_in_codes: 'on' });
    expect(reused.statusCode).toBe(400);
    expect(reused.body).toContain('already used');
  });

  it('refuses an expired code, a code after five wrong tries, and a code voided by a newer one', async () => {
    const browser = await member(t().app);
    await browser.get(PHONE);
    await browser.post(PHONE, { phone: '07911 123457' });
    const first = lastCode(watertel(), '+447911123457');
    t().clock.advance(SMS_CODE_TTL_MS);
    await browser.get(PHONE);
    const expired = await browser.post(`${PHONE}verify/`, { code: first });
    expect(expired.statusCode).toBe(400);
    expect(expired.body).toContain('That code has expired: codes work for 10 minutes');
    // The clock moved past the 10-minute window for changes: confirm again.
    await t().db.kysely.updateTable('sessions').set({ authenticated_at: t().clock.now() }).execute();

    await browser.post(PHONE, { phone: '07911 123457' });
    const second = lastCode(watertel(), '+447911123457');
    for (let i = 0; i < 5; i++) expect((await browser.post(`${PHONE}verify/`, { code: wrongCode(second) })).statusCode).toBe(400);
    const sixth = await browser.post(`${PHONE}verify/`, { code: second });
    expect(sixth.statusCode).toBe(400);
    expect(sixth.body).toContain('Too many wrong tries at that code');

    await browser.post(PHONE, { phone: '07911 123457' });
    const voided = lastCode(watertel(), '+447911123457');
    await browser.post(PHONE, { phone: '07911 123457' });
    const newest = lastCode(watertel(), '+447911123457');
    if (newest !== voided) expect((await browser.post(`${PHONE}verify/`, { code: voided })).statusCode).toBe(400);
    expect((await browser.post(`${PHONE}verify/`, { code: newest })).statusCode).toBe(303);
    // Without the box ticked: verified, sign-in codes off, two-step still off.
    const user = await t().services.accounts.findByUsername(browser.username);
    expect(await t().services.phones.phoneOf(user!.id)).toMatchObject({ number: '+447911123457', signInCodes: false });
    expect(await t().services.twoStep.methodsFor(user!.id)).toEqual([]);
  });

  it('lets no burst of guesses past 5 tries, and a right code work only once when sent twice at once', async () => {
    const { phones, accounts } = t().services;
    const guesser = await accounts.signup({ username: `burst${Date.now() % 1e6}`, password: 'correct-horse-battery' });
    await phones.sendVerificationCode(guesser.id, '+447911123470');
    const code = lastCode(watertel(), '+447911123470');
    const guesses = await Promise.all(Array.from({ length: 12 }, () => phones.verify(guesser.id, wrongCode(code), false)));
    expect(guesses.filter((g) => g === 'wrong')).toHaveLength(5);
    expect(await phones.verify(guesser.id, code, false)).toBe('too-many');

    await phones.sendVerificationCode(guesser.id, '+447911123470');
    const fresh = lastCode(watertel(), '+447911123470');
    const both = await Promise.all([phones.verify(guesser.id, fresh, true), phones.verify(guesser.id, fresh, true)]);
    expect(both.filter((r) => r === 'right')).toHaveLength(1);
  });

  it.each([
    ['+91 98765 43210', '+919876543210'], // another country, written internationally
    ['+1 (415) 555-2671', '+14155552671'],
    ['07911 123458', '+447911123458'], // national, SMS_DEFAULT_COUNTRY=GB
  ])('accepts %s as %s', async (typed, e164) => {
    const browser = await member(t().app);
    await verifyPhone(browser, watertel(), typed, e164);
    expect((await browser.get(PHONE)).body).toContain('verified');
  });

  it.each([
    ['', 'Enter your mobile number.'],
    ['98765 43210', 'not a phone number we can text'], // an Indian number without its country code, read as British
    ['+44 7911 12345', 'not a phone number we can text'], // a digit short
    ['call me', 'not a phone number we can text'],
    ['020 7946 0958', 'landline or service number'], // a London landline
    ['+44 800 123 4567', 'landline or service number'], // toll-free
  ])('refuses %j without texting anyone', async (typed, problem) => {
    const browser = await member(t().app);
    await browser.get(PHONE);
    const before = texts(watertel()).length;
    const answer = await browser.post(PHONE, { phone: typed });
    expect(answer.statusCode).toBe(400);
    expect(answer.body).toContain(problem);
    expect(answer.body).toContain(`value="${typed}"`);
    expect(texts(watertel()).length).toBe(before);
  });

  it('turns sign-in codes off and on, and removes the phone', async () => {
    const browser = await member(t().app);
    await verifyPhone(browser, watertel(), '07911 123459', '+447911123459');
    const user = (await t().services.accounts.findByUsername(browser.username))!;

    const off = await browser.post(`${PHONE}sign-in-codes/`, { on: 'false' });
    expect(off.headers.location).toBe(`${PHONE}?done=off`);
    expect(await t().services.twoStep.methodsFor(user.id)).toEqual([]);
    await browser.get(PHONE);
    expect((await browser.post(`${PHONE}sign-in-codes/`, { on: 'true' })).headers.location).toBe(`${PHONE}?done=on`);
    expect(await t().services.twoStep.methodsFor(user.id)).toEqual(['sms']);

    await browser.get(PHONE);
    const removed = await browser.post(`${PHONE}remove/`, {});
    expect(removed.headers.location).toBe(`${PHONE}?done=removed`);
    expect(await t().services.phones.phoneOf(user.id)).toBeUndefined();
    expect(await t().services.twoStep.methodsFor(user.id)).toEqual([]);
    // Nothing to turn on without a phone.
    await browser.get(PHONE);
    expect((await browser.post(`${PHONE}sign-in-codes/`, { on: 'true' })).headers.location).toBe(PHONE);
    expect(await t().services.twoStep.methodsFor(user.id)).toEqual([]);
  });

  it('asks to confirm it is you on every phone route when the last proof is older than 10 minutes', async () => {
    const browser = await member(t().app);
    await browser.get(PHONE);
    t().clock.advance(CONFIRM_WINDOW_MS + 1);
    const confirm = `/settings/confirm/?next=${encodeURIComponent(PHONE)}`;
    expect((await browser.get(PHONE)).headers.location).toBe(confirm);
    for (const [path, body] of [
      ['', { phone: '07911 123460' }],
      ['verify/', { code: '123456' }],
      ['sign-in-codes/', { on: 'true' }],
      ['remove/', {}],
    ] as const) {
      const answer = await browser.post(`${PHONE}${path}`, body);
      expect(answer.statusCode, path).toBe(303);
      expect(answer.headers.location).toBe(confirm);
    }
    expect(texts(watertel()).some((text) => text.phone === '+447911123460')).toBe(false);
  });

  it('says so when the provider is in trouble', async () => {
    const browser = await member(t().app);
    await browser.get(PHONE);
    watertel().failAlways('/sms', { status: 503, body: { error_message: 'down' } });
    try {
      const answer = await browser.post(PHONE, { phone: '07911 123461' });
      expect(answer.statusCode).toBe(503);
      expect(answer.body).toContain('Text messages cannot be sent just now');
    } finally {
      watertel().failAlways('/sms', undefined);
    }
  });
});

describe('signing in with a texted code', () => {
  const { env, watertel } = useWatertel();
  const t = useTestApp(env);

  it('password, then /login/two-step/, "Text me a code", the code: signed in on a new session id', async () => {
    const owner = await member(t().app);
    await verifyPhone(owner, watertel(), '98765 43210', '+919876543210');

    const browser = new BrowserSession(t().app);
    await browser.get('/login?next=/settings/sessions/');
    const password = await browser.post('/login', { username: owner.username, password: 'correct-horse-battery', next: '/settings/sessions/' });
    expect(password.statusCode).toBe(303);
    expect(password.headers.location).toBe('/login/two-step/');
    expect(browser.cookies.has('sid')).toBe(false);
    const presession = browser.cookies.get('presession');

    const step = await browser.get('/login/two-step/');
    expect(step.body).toContain('Text me a code');
    expect(step.body).toContain('action="/login/two-step/sms/"');
    // No code yet: the form refuses a guess.
    expect((await browser.post('/login/two-step/', { method: 'sms', code: '000000' })).statusCode).toBe(400);

    const sent = await browser.post('/login/two-step/sms/', {});
    expect(sent.statusCode, sent.body).toBe(200);
    expect(sent.body).toContain('We texted a code to your phone ending in 210. It works once, for 10 minutes.');
    const text = texts(watertel()).at(-1)!;
    expect(text).toMatchObject({ phone: '+919876543210', priority: 'high' });
    expect(text.message).toMatch(/^Your Charcha sign-in code: \d{6}\. It expires in 10 minutes\./);
    const code = lastCode(watertel(), '+919876543210');

    const wrong = await browser.post('/login/two-step/', { method: 'sms', code: wrongCode(code) });
    expect(wrong.statusCode).toBe(400);
    const signedIn = await browser.post('/login/two-step/', { method: 'sms', code });
    expect(signedIn.statusCode, signedIn.body).toBe(303);
    expect(signedIn.headers.location).toBe('/settings/sessions/');
    const cookie = browser.cookies.get('sid');
    expect(cookie).toBeDefined();
    expect(cookie).not.toBe(owner.cookies.get('sid'));
    expect(cookie).not.toBe(presession);
    expect((await browser.get('/settings/sessions/')).statusCode).toBe(200);
    const sessions = await t().db.kysely.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id').select('second_step').where('username', '=', owner.username).execute();
    expect(sessions.map((s) => s.second_step).sort()).toEqual([1, 1]);

    // Used once: the same code does not sign in again.
    const again = new BrowserSession(t().app);
    await again.login(owner.username);
    await again.get('/login/two-step/');
    expect((await again.post('/login/two-step/', { method: 'sms', code })).statusCode).toBe(400);
    expect(again.cookies.has('sid')).toBe(false);
  });

  it('a code sent to verify a phone is no sign-in code', async () => {
    const owner = await member(t().app);
    await verifyPhone(owner, watertel(), '98765 43211', '+919876543211');
    // A second, unfinished verification: its code waits.
    await owner.post(PHONE, { phone: '98765 43212' });
    const verifyCode = lastCode(watertel(), '+919876543212');
    const browser = new BrowserSession(t().app);
    await browser.login(owner.username);
    await browser.get('/login/two-step/');
    expect((await browser.post('/login/two-step/', { method: 'sms', code: verifyCode })).statusCode).toBe(400);
  });

  it('texts a code to confirm it is you before a change', async () => {
    const owner = await member(t().app);
    await verifyPhone(owner, watertel(), '98765 43213', '+919876543213');
    t().clock.advance(CONFIRM_WINDOW_MS + 1);
    expect((await owner.get(PHONE)).statusCode).toBe(303);
    const confirm = await owner.get(`/settings/confirm/?next=${encodeURIComponent(PHONE)}`);
    expect(confirm.body).toContain('action="/settings/confirm/sms/"');
    const sent = await owner.post('/settings/confirm/sms/', { next: PHONE });
    expect(sent.statusCode, sent.body).toBe(200);
    expect(sent.body).toContain('We texted a code to your phone ending in 213');
    const confirmed = await owner.post('/settings/confirm/', { method: 'sms', code: lastCode(watertel(), '+919876543213'), next: PHONE });
    expect(confirmed.statusCode).toBe(303);
    expect(confirmed.headers.location).toBe(PHONE);
    expect((await owner.get(PHONE)).statusCode).toBe(200);
  });

  it('sends no sign-in code to someone without sign-in codes on, or without a pending sign-in', async () => {
    const browser = await member(t().app);
    await browser.get('/settings/confirm/');
    const answer = await browser.post('/settings/confirm/sms/', {});
    expect(answer.statusCode).toBe(400);
    expect(answer.body).toContain('Your account gets no sign-in codes by text.');

    const visitor = new BrowserSession(t().app);
    await visitor.get('/login');
    const expired = await visitor.post('/login/two-step/sms/', {});
    expect(expired.statusCode).toBe(400);
    expect(expired.body).toContain('Please log in again');
  });
});

describe('text-message limits (RATE_LIMIT_SCALE=1)', () => {
  const { env, watertel } = useWatertel({ RATE_LIMIT_SCALE: '1' });
  const t = useTestApp(env);

  it('5 codes an hour per person, 10 a day per number whoever asks', async () => {
    const number = '+919876543220';
    const first = await member(t().app);
    await first.get(PHONE);
    for (let i = 0; i < 5; i++) expect((await first.post(PHONE, { phone: number })).statusCode).toBe(303);
    const sixth = await first.post(PHONE, { phone: number });
    expect(sixth.statusCode).toBe(429);
    expect(sixth.headers['retry-after']).toBeDefined();
    expect(sixth.body).toContain('Too many codes were sent lately. Try again in');
    expect(texts(watertel()).filter((text) => text.phone === number)).toHaveLength(5);

    const second = await member(t().app);
    await second.get(PHONE);
    for (let i = 0; i < 5; i++) expect((await second.post(PHONE, { phone: number })).statusCode).toBe(303);
    const third = await member(t().app);
    await third.get(PHONE);
    expect((await third.post(PHONE, { phone: number })).statusCode).toBe(429);
    expect((await third.post(PHONE, { phone: '+919876543221' })).statusCode).toBe(303);
    expect(texts(watertel()).filter((text) => text.phone === number)).toHaveLength(10);
  });

  it('counts sign-in codes too', async () => {
    const owner = await member(t().app);
    await verifyPhone(owner, watertel(), '+919876543222', '+919876543222');
    const browser = new BrowserSession(t().app);
    await browser.login(owner.username);
    await browser.get('/login/two-step/');
    // One code went to verifying the phone: four more, then the limit.
    for (let i = 0; i < 4; i++) expect((await browser.post('/login/two-step/sms/', {})).statusCode).toBe(200);
    const limited = await browser.post('/login/two-step/sms/', {});
    expect(limited.statusCode).toBe(429);
    expect(limited.body).toContain('Too many codes were sent lately');
  });
});

describe('production without an SMS provider', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: 'production', PASSWORD_HASH_COST: 'standard' });
  });
  afterAll(() => stopTestApp(t));

  it('offers no text-message codes: the console provider would put them in the log', async () => {
    expect(t.services.phones.available).toBe(false);
    const browser = await member(t.app);
    const security = await browser.get('/settings/security/');
    expect(security.body).toContain('This forum does not send text messages');
    expect(security.body).not.toContain('Add a phone');
    const page = await browser.get(PHONE);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('name="phone"');
    const posted = await browser.post(PHONE, { phone: '+919876543210' });
    expect(posted.statusCode).toBe(404);
    expect(posted.body).toContain('This forum does not send text messages.');
    const user = (await t.services.accounts.findByUsername(browser.username))!;
    expect(await t.services.phones.sendVerificationCode(user.id, '+919876543210')).toEqual({ kind: 'unavailable' });
    expect(await t.db.kysely.selectFrom('sms_codes').selectAll().execute()).toEqual([]);
  });
});
