// "Sign in with …" in Chromium, as a person does it: the app on localhost,
// the OpenID provider on 127.0.0.1 (another site, so the flow cookie must be
// SameSite=Lax to come back with the provider's redirect), the provider's own
// login page filled in, and the person lands signed in on `next`.
// SHOTS_DIR=/some/dir saves the login page, the choose-a-username page and
// /settings/identities/ at each screen size and colour scheme.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumInstalled, saveScreens, newContext, submitWith, useBrowserApp } from '../support/chromium.js';
import { seedDiscussion } from '../support/discussion-fixture.js';
import { freePort } from '../support/free-port.js';
import { startTestIdp, type TestIdp } from '../support/oidc-provider.js';

const CLIENT = { clientId: 'charcha-browser', clientSecret: 'browser-client-secret' };


describe.skipIf(!chromiumInstalled())('sign in with a provider, in Chromium', () => {
  let idpPort = 0;
  let idp: TestIdp | undefined;
  beforeAll(async () => {
    idpPort = await freePort();
  });
  const env = useBrowserApp(seedDiscussion, () => ({
    AUTH_PROVIDERS: 'test,github',
    OIDC_TEST_ISSUER: `http://127.0.0.1:${idpPort}`,
    OIDC_TEST_CLIENT_ID: CLIENT.clientId,
    OIDC_TEST_CLIENT_SECRET: CLIENT.clientSecret,
    OIDC_TEST_LABEL: 'Test ID',
    // Shown on the login page only; never contacted here.
    GITHUB_CLIENT_ID: 'unused',
    GITHUB_CLIENT_SECRET: 'unused',
  }));
  /** The app as http://localhost:<port>: another site than the provider's 127.0.0.1. */
  const appOrigin = () => env().baseURL.replace('127.0.0.1', 'localhost');

  beforeAll(async () => {
    // The provider registers the app's redirect URI, known once the app listens.
    idp = await startTestIdp({ ...CLIENT, port: idpPort, redirectUris: [`${appOrigin()}/auth/test/callback`] });
  });
  afterAll(async () => {
    await idp?.stop();
  });

  /** From the login page, through the provider's login page, back to the app. */
  async function signInAtProvider(page: Page, login: string, next: string): Promise<void> {
    await page.goto(`/login?next=${encodeURIComponent(next)}`);
    await saveScreens(page, 'login-with-providers');
    await page.getByRole('link', { name: 'Sign in with Test ID' }).click();
    await page.waitForURL(`http://127.0.0.1:${idpPort}/interaction/**`);
    await page.getByLabel('Login name').fill(login);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('lands a new person signed in on next, with an account named from their profile', async () => {
    idp!.accounts.set('nia-sub', { email: 'nia@example.com', email_verified: true, preferred_username: 'nia' });
    const context = await newContext(env(), { baseURL: appOrigin() });
    const page = await context.newPage();
    await signInAtProvider(page, 'nia-sub', '/new');
    await page.waitForURL(`${appOrigin()}/new`);
    await expect.poll(() => page.locator('header.site').getByRole('link', { name: 'nia' }).count()).toBe(1);
    // The flow cookie is spent, the login form's token cleared: only the session is left on the app's site.
    const cookies = await context.cookies(appOrigin());
    expect(cookies.map((c) => c.name).sort()).toEqual(['sid']);
    await context.close();
  });

  it('asks for another username when the profile’s is taken, then signs in; settings list the identity', async () => {
    // asha is the fixture's member.
    idp!.accounts.set('asha-elsewhere', { email: 'asha@elsewhere.example', email_verified: true, preferred_username: 'asha' });
    const context = await newContext(env(), { baseURL: appOrigin() });
    const page = await context.newPage();
    await signInAtProvider(page, 'asha-elsewhere', '/new');
    await page.waitForURL(`${appOrigin()}/auth/test/username`);
    await expect.poll(() => page.getByLabel('Username').inputValue()).toBe('asha');
    await saveScreens(page, 'choose-username');
    await page.getByLabel('Username').fill('asha_too');
    await submitWith(page, page.getByRole('button', { name: 'Create my account' }));
    expect(page.url()).toBe(`${appOrigin()}/new`);
    await expect.poll(() => page.locator('header.site').getByRole('link', { name: 'asha_too' }).count()).toBe(1);

    await page.goto('/settings/identities/');
    await expect.poll(() => page.getByText('asha@elsewhere.example').count()).toBe(1);
    await expect.poll(() => page.getByText('your only way to sign in').count()).toBe(1);
    await saveScreens(page, 'settings-identities');
    await context.close();
  });
});
