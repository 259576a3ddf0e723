import { describe, expect, it } from 'vitest';
import { CONFIRM_WINDOW_MS } from '../src/accounts/two-step/recent-auth.js';
import { useTestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { PASSWORD } from './support/discussion-fixture.js';
import { member } from './support/forum.js';
import { joinGroup } from './support/moderation.js';

describe('confirming it is you again (/settings/confirm/)', () => {
  const t = useTestApp();

  it('takes the password, counts wrong ones like failed log-ins, and goes back to next', async () => {
    const browser = await member(t().app);
    const page = await browser.get('/settings/confirm/?next=/settings/security/');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Your password');

    const wrong = await browser.post('/settings/confirm/', { method: 'password', password: 'not-it', next: '/settings/security/' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('That is not your password.');

    const before = (await t().db.kysely.selectFrom('sessions').select('authenticated_at').executeTakeFirstOrThrow()).authenticated_at;
    t().clock.advance(CONFIRM_WINDOW_MS + 1);
    const right = await browser.post('/settings/confirm/', { method: 'password', password: 'correct-horse-battery', next: '//evil.example/' });
    expect(right.statusCode).toBe(303);
    expect(right.headers.location).toBe('/');
    const after = await t().db.kysely.selectFrom('sessions').select(['authenticated_at', 'second_step']).orderBy('authenticated_at', 'desc').executeTakeFirstOrThrow();
    expect(after.authenticated_at).toBe(before + CONFIRM_WINDOW_MS + 1);
    // A password is not a second step.
    expect(after.second_step).toBe(0);
  });

  it('has no second-step page for someone who did not pass a first step', async () => {
    const visitor = new BrowserSession(t().app);
    const page = await visitor.get('/login/two-step/');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/login');
  });
});

describe('confirming, with the real rate limits', () => {
  const t = useTestApp({ RATE_LIMIT_SCALE: '1' });

  it('is locked after repeated wrong passwords', async () => {
    const browser = await member(t().app);
    await browser.get('/settings/confirm/');
    let last = 0;
    for (let i = 0; i < 6; i++) last = (await browser.post('/settings/confirm/', { method: 'password', password: `wrong-${i}` })).statusCode;
    expect(last).toBe(429);
    // Even the right password waits out the lock.
    expect((await browser.post('/settings/confirm/', { method: 'password', password: 'correct-horse-battery' })).statusCode).toBe(429);
  });
});

describe('STAFF_TWO_STEP=required', () => {
  const t = useTestApp({ STAFF_TWO_STEP: 'required' });

  it('keeps a moderator to a member’s rights until the session passed a second step', async () => {
    const moderator = new BrowserSession(t().app);
    await t().services.accounts.signup({ username: 'vigilant', password: PASSWORD });
    await joinGroup(t().db, 'vigilant', 'moderator');
    expect((await moderator.login('vigilant', PASSWORD)).statusCode).toBe(303);

    expect((await moderator.get('/moderation/')).statusCode).toBe(403);
    const security = await moderator.get('/settings/security/');
    expect(security.body).toContain('Your staff rights wait for two-step sign-in');
    // Member rights stay: starting a discussion works.
    await moderator.get('/start-discussion/');
    expect((await moderator.post('/start-discussion/', { title: 'Still a member', text: 'yes' })).statusCode).toBe(303);

    await t().db.kysely.updateTable('sessions').set({ second_step: 1 }).execute();
    expect((await moderator.get('/moderation/')).statusCode).toBe(200);
    expect((await moderator.get('/settings/security/')).body).not.toContain('Your staff rights wait');
  });

  it('leaves members alone', async () => {
    const browser = await member(t().app);
    expect((await browser.get('/settings/security/')).body).not.toContain('Your staff rights wait');
  });
});
