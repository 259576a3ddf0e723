// E-mail against a real SMTP server on loopback: the app sends, the test
// reads the message the server received and follows its link, as a person
// would. Address verification, unique verified addresses, password reset.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMAIL_TAKEN } from '../src/accounts/service.js';
import { CONFIRM_WINDOW_MS } from '../src/accounts/two-step/recent-auth.js';
import { startTestApp, stopTestApp, type TestApp } from './support/app.js';
import { BrowserAt } from './support/browser-at.js';
import { BrowserSession } from './support/browser-session.js';
import { linkIn, SmtpInbox } from './support/smtp-inbox.js';

const PASSWORD = 'correct-horse-battery';
const NEW_PASSWORD = 'a-brand-new-long-secret';
const HOUR = 3_600_000;

let names = 0;
const unique = () => `${++names}x${Math.floor(Math.random() * 1e6)}`;

/** One SMTP server and one app sending to it, for a describe block. */
function useMailApp(env: Record<string, string> = {}): () => { t: TestApp; inbox: SmtpInbox } {
  let current: { t: TestApp; inbox: SmtpInbox } | undefined;
  beforeAll(async () => {
    const inbox = await SmtpInbox.start();
    current = { inbox, t: await startTestApp({ SMTP_URL: inbox.url, MAIL_FROM: 'Charcha <forum@example.org>', ...env }) };
  });
  afterAll(async () => {
    if (current) await stopTestApp(current.t);
    await current?.inbox.close();
  });
  return () => {
    if (!current) throw new Error('useMailApp(): not started yet');
    return current;
  };
}

/** A new member who signed up with `email` (a fresh address unless given), signed in. */
async function signupWithEmail(t: TestApp, email = `p${unique()}@example.org`) {
  const browser = new BrowserSession(t.app);
  const username = `m${unique()}`;
  await browser.get('/signup');
  const response = await browser.post('/signup', { username, password: PASSWORD, email });
  expect(response.statusCode, response.body).toBe(303);
  return { browser, username, email };
}

/** The page's text, without markup, for comparing what it says. */
const text = (response: LightMyRequestResponse) => response.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('e-mail address verification', () => {
  const env = useMailApp();

  it('mails a link at sign-up that verifies the address once', async () => {
    const { t, inbox } = env();
    const { browser, username, email } = await signupWithEmail(t);
    const mail = await inbox.waitFor(email);
    expect(mail.from).toBe('Charcha <forum@example.org>');
    expect(mail.subject).toBe('Confirm your e-mail address');
    const link = linkIn(mail, '/verify-email/');
    expect(link.origin).toBe('http://localhost');

    const followed = await new BrowserSession(t.app).get(link.pathname);
    expect(followed.statusCode).toBe(200);
    expect(text(followed)).toContain(`${email} is verified`);
    const user = await t.services.accounts.requireByUsername(username);
    expect(user.email_verified_at).toBe(t.clock.now());
    expect(text(await browser.get('/settings/email/'))).toContain('verified');

    const again = await browser.get(link.pathname);
    expect(again.statusCode).toBe(400);
    expect(text(again)).toContain('This link has been used');
  });

  it('refuses a link after 24 hours', async () => {
    const { t, inbox } = env();
    const { username, email } = await signupWithEmail(t);
    const link = linkIn(await inbox.waitFor(email), '/verify-email/');
    t.clock.advance(24 * HOUR);
    const response = await new BrowserSession(t.app).get(link.pathname);
    expect(response.statusCode).toBe(400);
    expect(text(response)).toContain('This link has expired');
    expect((await t.services.accounts.requireByUsername(username)).email_verified_at).toBeNull();
  });

  it('refuses a wrong or altered token', async () => {
    const { t, inbox } = env();
    const { username, email } = await signupWithEmail(t);
    const link = linkIn(await inbox.waitFor(email), '/verify-email/');
    const [id, expiry, mac] = link.pathname.split('/')[2]!.split('.') as [string, string, string];
    const flipped = (mac[0] === 'A' ? 'B' : 'A') + mac.slice(1);
    for (const token of [`${id}.${expiry}.${flipped}`, `${id}.${Number(expiry) + HOUR}.${mac}`, 'nonsense', `${Number(id) + 1}.${expiry}.${mac}`]) {
      const response = await new BrowserSession(t.app).get(`/verify-email/${token}/`);
      expect(response.statusCode, token).toBe(400);
      expect(text(response)).toContain('This link is not valid');
    }
    expect((await t.services.accounts.requireByUsername(username)).email_verified_at).toBeNull();
  });

  it('changes the address only in a recently confirmed session, and verifies the new one by a new link', async () => {
    const { t, inbox } = env();
    const { browser, username, email } = await signupWithEmail(t);
    const oldLink = linkIn(await inbox.waitFor(email), '/verify-email/');
    await browser.get('/settings/email/');
    const newEmail = `new${unique()}@example.org`;

    // The window replaces a current-password field (an account without a password could give none).
    t.clock.advance(CONFIRM_WINDOW_MS + 1);
    const stale = await browser.post('/settings/email/', { email: newEmail });
    expect(stale.statusCode).toBe(303);
    expect(stale.headers.location).toBe('/settings/confirm/?next=%2Fsettings%2Femail%2F');
    expect((await t.services.accounts.requireByUsername(username)).email).toBe(email);
    expect((await browser.post('/settings/confirm/', { method: 'password', password: PASSWORD, next: '/settings/email/' })).statusCode).toBe(303);

    const saved = await browser.post('/settings/email/', { email: newEmail });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/settings/email/?done=changed');
    const firstLink = linkIn(await inbox.waitFor(newEmail), '/verify-email/');
    // The old address's link verifies nothing now.
    expect((await browser.get(oldLink.pathname)).statusCode).toBe(400);

    await browser.get('/settings/email/');
    // A minute on: a new expiry, so a new link.
    t.clock.advance(60_000);
    const resent = await browser.post('/settings/email/resend/', {});
    expect(resent.headers.location).toBe('/settings/email/?done=sent');
    const secondLink = linkIn(await inbox.waitFor(newEmail, 2), '/verify-email/');
    expect(secondLink.pathname).not.toBe(firstLink.pathname);
    expect((await browser.get(secondLink.pathname)).statusCode).toBe(200);
    expect((await t.services.accounts.requireByUsername(username)).email).toBe(newEmail);
    expect((await browser.get(firstLink.pathname)).statusCode).toBe(400);
  });
});

describe('verified addresses are unique', () => {
  const env = useMailApp();

  it('refuses, with a field message, signing up or changing to an address another account verified, whatever its case', async () => {
    const { t, inbox } = env();
    const owner = await signupWithEmail(t, `Shared${unique()}@Example.org`);
    expect((await owner.browser.get(linkIn(await inbox.waitFor(owner.email), '/verify-email/').pathname)).statusCode).toBe(200);

    const browser = new BrowserSession(t.app);
    await browser.get('/signup');
    const refused = await browser.post('/signup', { username: `m${unique()}`, password: PASSWORD, email: owner.email.toLowerCase() });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('id="f-email-error"');
    expect(text(refused)).toContain(EMAIL_TAKEN.replace("'", '&#39;').slice(0, 40));

    const other = await signupWithEmail(t);
    await other.browser.get('/settings/email/');
    const change = await other.browser.post('/settings/email/', { email: owner.email.toUpperCase() });
    expect(change.statusCode).toBe(400);
    expect(change.body).toContain('id="f-email-error"');
  });

  it('lets two accounts give the same unverified address; the second to follow its link is refused', async () => {
    const { t, inbox } = env();
    const email = `twice${unique()}@example.org`;
    const first = await signupWithEmail(t, email);
    const second = await signupWithEmail(t, email.toUpperCase());
    const firstLink = linkIn(await inbox.waitFor(email), '/verify-email/');
    const secondLink = linkIn(await inbox.waitFor(email.toUpperCase()), '/verify-email/');
    expect((await first.browser.get(firstLink.pathname)).statusCode).toBe(200);
    // The unique index decides.
    const refused = await second.browser.get(secondLink.pathname);
    expect(refused.statusCode).toBe(400);
    expect((await t.services.accounts.requireByUsername(second.username)).email_verified_at).toBeNull();
  });
});

describe('password reset', () => {
  const env = useMailApp();

  /** A member with a verified address, signed in on `browser`. */
  async function verifiedMember() {
    const { t, inbox } = env();
    const member = await signupWithEmail(t);
    await member.browser.get(linkIn(await inbox.waitFor(member.email), '/verify-email/').pathname);
    return member;
  }

  /** Asks for a reset link as a visitor; returns the answer. */
  async function ask(login: string, browser = new BrowserSession(env().t.app)) {
    await browser.get('/password-reset/');
    return browser.post('/password-reset/', { login });
  }

  async function resetLink(email: string, count = 1) {
    return linkIn(await env().inbox.waitFor(email, count, 'Reset your password'), '/password-reset/');
  }

  it('mails a link to the verified address that sets a new password once and signs out every session', async () => {
    const { t } = env();
    const member = await verifiedMember();
    const login = await new BrowserSession(t.app).get('/login');
    expect(login.body).toContain('href="/password-reset/"');

    const asked = await ask(member.username);
    expect(asked.statusCode).toBe(200);
    const link = await resetLink(member.email);
    const visitor = new BrowserSession(t.app);
    const form = await visitor.get(link.pathname);
    expect(form.statusCode).toBe(200);
    expect(text(form)).toContain(`New password for ${member.username}`);

    const done = await visitor.post(link.pathname, { new_password: NEW_PASSWORD });
    expect(done.statusCode).toBe(200);
    expect(text(done)).toContain('Password changed');
    // The member's own session ended with the old password.
    const settings = await member.browser.get('/settings/sessions/');
    expect(settings.statusCode).toBe(303);
    expect(settings.headers.location).toMatch(/^\/login/);
    expect(await t.services.accounts.authenticate(member.username, PASSWORD)).toBeNull();
    expect(await t.services.accounts.authenticate(member.username, NEW_PASSWORD)).not.toBeNull();

    const reused = await visitor.post(link.pathname, { new_password: 'yet-another-long-secret' });
    expect(reused.statusCode).toBe(400);
    expect(text(reused)).toContain('This link no longer works');
    expect((await visitor.get(link.pathname)).statusCode).toBe(400);
    expect(await t.services.accounts.authenticate(member.username, NEW_PASSWORD)).not.toBeNull();
  });

  it('finds the account by its verified address too, whatever its case', async () => {
    const member = await verifiedMember();
    await ask(member.email.toUpperCase());
    expect((await resetLink(member.email)).pathname).toMatch(/^\/password-reset\/\d+\.\d+\.[\w-]+\/$/);
  });

  it('keeps the link when the new password is refused, with the reason', async () => {
    const { t } = env();
    const member = await verifiedMember();
    await ask(member.username);
    const link = await resetLink(member.email);
    const visitor = new BrowserSession(t.app);
    await visitor.get(link.pathname);
    const weak = await visitor.post(link.pathname, { new_password: 'short' });
    expect(weak.statusCode).toBe(400);
    expect(weak.body).toContain('id="f-new_password-error"');
    expect((await visitor.post(link.pathname, { new_password: NEW_PASSWORD })).statusCode).toBe(200);
  });

  it('refuses a link after an hour', async () => {
    const { t } = env();
    const member = await verifiedMember();
    await ask(member.username);
    const link = await resetLink(member.email);
    t.clock.advance(HOUR - 1);
    const visitor = new BrowserSession(t.app);
    expect((await visitor.get(link.pathname)).statusCode).toBe(200);
    t.clock.advance(1);
    const late = await visitor.post(link.pathname, { new_password: NEW_PASSWORD });
    expect(late.statusCode).toBe(400);
    expect(text(late)).toContain('This link has expired');
    expect(await t.services.accounts.authenticate(member.username, PASSWORD)).not.toBeNull();
  });

  it('voids a link when the password changes', async () => {
    const { t } = env();
    const member = await verifiedMember();
    await ask(member.username);
    const link = await resetLink(member.email);
    await member.browser.get('/settings/password/');
    expect((await member.browser.post('/settings/password/', { current_password: PASSWORD, new_password: NEW_PASSWORD })).statusCode).toBe(303);
    const visitor = new BrowserSession(t.app);
    expect((await visitor.get(link.pathname)).statusCode).toBe(400);
    await visitor.get('/password-reset/');
    expect((await visitor.post(link.pathname, { new_password: 'the-forger-s-password' })).statusCode).toBe(400);
    expect(await t.services.accounts.authenticate(member.username, NEW_PASSWORD)).not.toBeNull();
  });

  it('answers the same page whether the account exists, has a verified address, or not, and mails only the verified one', async () => {
    const { t, inbox } = env();
    const verified = await verifiedMember();
    const unverified = await signupWithEmail(t);
    await inbox.waitFor(unverified.email);
    const before = inbox.messages.length;
    const answers = [];
    for (const login of [verified.username, verified.email, unverified.username, unverified.email, 'nobody-at-all', 'nobody@example.org']) {
      const response = await ask(login);
      answers.push({ status: response.statusCode, page: response.body.replace(/name="_csrf" value="[^"]*"/g, '') });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]!.status).toBe(200);
    await inbox.waitFor(verified.email, 2, 'Reset your password');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(inbox.messages.slice(before).map((m) => m.to)).toEqual([[verified.email], [verified.email]]);
  });
});

describe('password reset rate limits', () => {
  const env = useMailApp({ RATE_LIMIT_SCALE: '1', TRUST_PROXY: 'true' });

  it('limits requests per name or address asked about (3 an hour), whether it exists or not', async () => {
    const { t } = env();
    for (const login of ['nobody-limited', `m${unique()}`]) {
      for (let i = 1; i <= 4; i++) {
        const browser = new BrowserAt(t.app, `198.51.100.${i}`);
        await browser.get('/password-reset/');
        const response = await browser.post('/password-reset/', { login });
        expect(response.statusCode, `${login} #${i}`).toBe(i <= 3 ? 200 : 429);
        if (i === 4) expect(response.headers['retry-after']).toBe('3600');
      }
    }
    t.clock.advance(HOUR);
  });

  it('limits requests per client address (10 an hour)', async () => {
    const { t } = env();
    const browser = new BrowserAt(t.app, '203.0.113.9');
    await browser.get('/password-reset/');
    for (let i = 1; i <= 11; i++) {
      const response = await browser.post('/password-reset/', { login: `someone${i}` });
      expect(response.statusCode, `#${i}`).toBe(i <= 10 ? 200 : 429);
      if (i === 11) expect(text(response)).toContain('Too many password reset requests from your network');
    }
  });
});

describe('links in production', () => {
  // The standard password cost: production refuses the low one.
  const env = useMailApp({ NODE_ENV: 'production', BASE_URL: 'https://forum.example.org', PASSWORD_HASH_COST: 'standard' });
  const headers = { host: 'attacker.example', 'x-forwarded-host': 'attacker.example', origin: 'https://forum.example.org' };

  it('are built from BASE_URL, whatever Host header the request forged', async () => {
    const { t, inbox } = env();
    const email = `prod${unique()}@example.org`;
    const browser = new BrowserSession(t.app);
    await browser.get('/signup', headers);
    expect((await browser.post('/signup', { username: `p${unique()}`, password: PASSWORD, email }, headers)).statusCode).toBe(303);
    const verify = linkIn(await inbox.waitFor(email), '/verify-email/');
    expect(verify.origin).toBe('https://forum.example.org');
    expect((await browser.get(verify.pathname, headers)).statusCode).toBe(200);

    await browser.get('/password-reset/', headers);
    expect((await browser.post('/password-reset/', { login: email }, headers)).statusCode).toBe(200);
    const reset = linkIn(await inbox.waitFor(email, 1, 'Reset your password'), '/password-reset/');
    expect(reset.origin).toBe('https://forum.example.org');
    expect(inbox.to(email).map((m) => m.text).join('\n')).not.toContain('attacker');
  });
});

describe('production without SMTP_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: 'production', PASSWORD_HASH_COST: 'standard' });
  });
  afterAll(() => stopTestApp(t));

  it('offers no mail-based feature, and the pages say so', async () => {
    expect(t.services.mail.available).toBe(false);
    const visitor = new BrowserSession(t.app);
    const ask = await visitor.get('/password-reset/');
    expect(ask.statusCode).toBe(200);
    expect(text(ask)).toContain('This forum does not send e-mail');
    expect(ask.body).not.toContain('name="login"');
    // The page has no form: a token from the login page's.
    await visitor.get('/login');
    const posted = await visitor.post('/password-reset/', { login: 'anyone' });
    expect(posted.statusCode, posted.body).toBe(404);
    expect(text(posted)).toContain('This forum does not send e-mail');

    const member = new BrowserSession(t.app);
    await member.get('/signup');
    expect((await member.post('/signup', { username: `n${unique()}`, password: PASSWORD, email: `n${unique()}@example.org` })).statusCode).toBe(303);
    const settings = await member.get('/settings/email/');
    expect(text(settings)).toContain('This forum does not send e-mail (its operator has not set it up): addresses cannot be verified');
    expect(settings.body).not.toContain('/settings/email/resend/');
    expect((await member.post('/settings/email/resend/', {})).headers.location).toBe('/settings/email/');
  });
});
