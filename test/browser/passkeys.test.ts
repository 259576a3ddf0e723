// Passkeys in Chromium, with the DevTools protocol's virtual authenticator
// (a platform authenticator that keeps discoverable credentials and verifies
// its user): added from settings, then signing in without a password, as the
// second step, and no more once removed. The app is on `localhost`: browsers
// refuse an IP address as a relying party id.
// SHOTS_DIR=/some/dir saves the pages at each screen size and colour scheme.
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SignedValues } from '../../src/security/signed-values.js';
import { TestClock } from '../support/app.js';
import { chromiumInstalled, saveScreens, newContext, signIn, submitWith, useBrowserApp } from '../support/chromium.js';
import { PASSWORD, seedDiscussion } from '../support/discussion-fixture.js';

const SECRET_KEY = 'passkeys-browser-test-secret-key-000000';


/** A device in the page: Chrome answers WebAuthn requests with it, its user present and verified. */
async function addVirtualAuthenticator(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
}

async function logOut(page: Page): Promise<void> {
  await submitWith(page, page.getByRole('button', { name: 'log out' }));
}

describe.skipIf(!chromiumInstalled())('passkeys, in Chromium', () => {
  const env = useBrowserApp(seedDiscussion, () => ({ SECRET_KEY }));
  const appOrigin = () => env().baseURL.replace('127.0.0.1', 'localhost');
  const signedInAs = (page: Page, username: string) => page.locator('header.site').getByRole('link', { name: username });

  it('adds a passkey from settings, signs in with it alone, passes the second step with it, and no longer signs in once removed', async () => {
    const { asha } = env().data;
    const context = await newContext(env(), { baseURL: appOrigin() });
    const page = await signIn(context, asha.username, PASSWORD);
    await addVirtualAuthenticator(context, page);

    await page.goto('/settings/security/');
    await saveScreens(page, 'security-no-passkeys');
    await page.getByLabel('Name for the new passkey (optional)').fill('Test laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('Test laptop', { exact: true }).waitFor();
    await saveScreens(page, 'security-with-passkey');

    // Without a password: the login page's button, on to next.
    await logOut(page);
    await page.goto('/login?next=%2Fnew');
    await saveScreens(page, 'login-with-passkey');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${appOrigin()}/new`);
    await signedInAs(page, asha.username).waitFor();

    // The second step, as the password step leaves the browser when two-step sign-in is on (sign-in-flow.ts).
    await logOut(page);
    const pending = new SignedValues(SECRET_KEY, new TestClock().now).sign('two_step', { userId: asha.id, next: '/new' }, 600_000);
    await context.addCookies([{ name: 'two_step', value: pending, url: `${appOrigin()}/login/two-step/` }]);
    await page.goto('/login/two-step/');
    await saveScreens(page, 'second-step-passkey');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(`${appOrigin()}/new`);
    await signedInAs(page, asha.username).waitFor();

    // Confirming it is you, as before a sensitive change.
    await page.goto('/settings/confirm/?next=%2Fsettings%2Fsecurity%2F');
    await saveScreens(page, 'confirm-with-passkey');
    await page.getByRole('button', { name: 'Confirm with a passkey' }).click();
    await page.waitForURL(`${appOrigin()}/settings/security/`);

    // Removed here, the device still offers it: the site refuses it.
    await submitWith(page, page.getByRole('button', { name: 'Remove Test laptop' }));
    await page.getByText('You have no passkeys yet.').waitFor();
    await logOut(page);
    await page.goto('/login');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'not registered here' }).count()).toBe(1);
    await saveScreens(page, 'login-passkey-refused');
    expect((await context.cookies(appOrigin())).map((c) => c.name)).not.toContain('sid');
    await context.close();
  });

  it('says passkeys need JavaScript when it is off, and shows no passkey button', async () => {
    const context = await newContext(env(), { baseURL: appOrigin(), javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/login');
    await page.getByText('Passkeys need JavaScript').waitFor();
    expect(await page.getByRole('button', { name: 'Sign in with a passkey' }).count()).toBe(0);
    await saveScreens(page, 'login-without-javascript');
    await context.close();
  });
});
