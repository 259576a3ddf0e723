import { Secret, TOTP } from 'otpauth';
import { expect } from 'vitest';
import type { BrowserSession } from './browser-session.js';
import type { TestClock } from './app.js';

/** What an authenticator app shows at `timestamp` for this base32 secret. */
export function totpCode(secret: string, timestamp: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp });
}

/** The key the set-up page shows for typing into an app by hand. */
export function secretOnPage(body: string): string {
  const match = /<code class="secret-key">([A-Z2-7 ]+)<\/code>/.exec(body);
  if (!match) throw new Error(`no secret on the page: ${body.slice(0, 500)}`);
  return match[1]!.replace(/ /g, '');
}

/** Sets up an authenticator app from the settings pages, as a person does: the secret from the page, then a code from it. */
export async function enrolTotp(browser: BrowserSession, clock: TestClock): Promise<{ secret: string; recoveryCodes: string[] }> {
  const page = await browser.get('/settings/security/authenticator/');
  expect(page.statusCode, page.body.slice(0, 300)).toBe(200);
  const secret = secretOnPage(page.body);
  const done = await browser.post('/settings/security/authenticator/', { code: totpCode(secret, clock.now()) });
  expect(done.statusCode, done.body.slice(0, 300)).toBe(200);
  const recoveryCodes = [...done.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
  expect(recoveryCodes).toHaveLength(10);
  return { secret, recoveryCodes };
}

/** The password step (the browser goes on to /login/two-step/), then the second step's page read for its token. */
export async function passwordStep(browser: BrowserSession, username: string, password = 'correct-horse-battery', next = '/'): Promise<void> {
  await browser.get(`/login?next=${encodeURIComponent(next)}`);
  const first = await browser.post('/login', { username, password, next });
  expect(first.statusCode).toBe(303);
  expect(first.headers.location).toBe('/login/two-step/');
  expect((await browser.get('/login/two-step/')).statusCode).toBe(200);
}
