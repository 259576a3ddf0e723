// Reading offline in Chromium: the service worker (src/web/sw/sw.ts) installs
// and takes over, keeps the pages read, shows them offline with a notice,
// answers pages never read with /offline/, stops forms sent offline, keeps
// one person's pages from the next, is installable, and updates when a new
// version ships (a second build of the app in a copy of dist/, served on the
// same origin by a child process).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumInstalled, newContext, saveScreens, signIn, submitWith, useBrowserApp } from '../support/chromium.js';
import { PASSWORD, seedDiscussion } from '../support/discussion-fixture.js';
import { freePort } from '../support/free-port.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

/** Resolves once the page is controlled by an active worker. */
async function controlled(page: Page): Promise<void> {
  // Installing precaches the app shell: slow on a loaded machine. An install that failed (once in CI, it never
  // took control) is tried again at the next page load, as for any visitor: so the page is loaded again once.
  for (let attempt = 1; ; attempt++) {
    const took = await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 20_000 }).then(
      () => true,
      () => false,
    );
    if (took) return;
    if (attempt === 2) {
      const registration = await page.evaluate(async () => {
        const found = await navigator.serviceWorker.getRegistration();
        return found ? { installing: found.installing?.state, waiting: found.waiting?.state, active: found.active?.state } : 'none';
      });
      throw new Error(`the service worker never took control of ${page.url()}; its registration: ${JSON.stringify(registration)}`);
    }
    await page.reload();
  }
}

/** The pages the worker has saved, by cache: { "pages-v1-anonymous": ["/discuss/1/"] }. */
function savedPages(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(async () => {
    const saved: Record<string, string[]> = {};
    for (const name of (await caches.keys()).filter((n) => n.startsWith('pages-'))) {
      saved[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname + new URL(r.url).search);
    }
    return saved;
  });
}

const allSaved = async (page: Page) => Object.values(await savedPages(page)).flat();

/** What the precache holds: the hashed URLs (and /offline/ with its revision). */
function precached(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const name = (await caches.keys()).find((n) => n.includes('precache'));
    return name ? (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname) : [];
  });
}

/** Opens `path` with the worker in control, then again so the worker fetches and saves it. */
async function readWithWorker(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await controlled(page);
  await page.reload();
  await expect.poll(() => allSaved(page)).toContain(path);
}

describe.skipIf(!chromiumInstalled())('reading offline (service worker in Chromium)', { timeout: 90_000 }, () => {
  const env = useBrowserApp(seedDiscussion);
  const contexts: BrowserContext[] = [];
  const context = async () => {
    const made = await newContext(env());
    contexts.push(made);
    return made;
  };
  afterAll(async () => {
    for (const c of contexts) await c.close();
  });

  it('shows a discussion read before when offline, saying it is the saved copy and from when', async () => {
    const { post } = env().data;
    const page = await (await context()).newPage();
    // A list with its query is a page of its own.
    await readWithWorker(page, '/new/?page=1');
    await readWithWorker(page, `/discuss/${post.id}/`);
    // A visitor's pages still set no cookie, with the worker in between.
    expect(await page.context().cookies()).toEqual([]);
    expect(Object.keys(await savedPages(page))).toEqual(['pages-v1-anonymous']);

    await page.context().setOffline(true);
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(post.title);
    const notice = page.getByRole('status').filter({ hasText: 'You are offline' });
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/this is the copy saved on this device (just now|\d+ \w+ ago)\. It may be out of date\./);
    expect(await notice.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    // Styled offline too: the stylesheet comes from the precache.
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(253, 253, 251)');
    await saveScreens(page, 'offline-discussion');
  });

  it('answers a discussion never read with the offline page, listing the saved ones', async () => {
    const { post, markdownPost } = env().data;
    const page = await (await context()).newPage();
    await readWithWorker(page, `/discuss/${post.id}/`);
    await page.context().setOffline(true);
    await page.goto(`/discuss/${markdownPost.id}/`);
    await page.getByRole('heading', { name: 'You are offline', level: 1 }).waitFor();
    expect(page.url()).toContain(`/discuss/${markdownPost.id}/`);
    const saved = page.getByRole('region', { name: 'Saved discussions' });
    await saved.getByRole('link', { name: post.title }).waitFor();
    expect(await saved.getByRole('link').getAttribute('href')).toBe(`/discuss/${post.id}/`);
    await saveScreens(page, 'offline-page');
    // A page the worker never keeps (settings, sign-in) gets the offline page too, not the browser's error.
    await page.goto('/login');
    await page.getByRole('heading', { name: 'You are offline', level: 1 }).waitFor();
  });

  it('tells a member that a comment or a vote sent offline was not sent, and keeps the text', async () => {
    const { post, asha } = env().data;
    const page = await signIn(await context(), asha.username, PASSWORD);
    await readWithWorker(page, `/discuss/${post.id}/`);
    await page.context().setOffline(true);
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'You are offline' }).waitFor();

    await page.getByLabel('Add a comment').fill('Written on a train');
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'You are offline, so this was not sent' });
    await alert.waitFor();
    expect(await page.getByLabel('Add a comment').inputValue()).toBe('Written on a train');
    expect(new URL(page.url()).pathname).toBe(`/discuss/${post.id}/`);
    await saveScreens(page, 'offline-form');

    await page.getByRole('button', { name: 'Upvote' }).first().click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'You are offline' }).count()).toBe(2);
  });

  it('is installable: the DevTools protocol finds no installability error', async () => {
    // A profile on disk: Chromium installs nothing from an incognito one, which is what newContext() makes.
    const profile = mkdtempSync(join(tmpdir(), 'charcha-profile-'));
    const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, baseURL: env().baseURL });
    contexts.push(browser);
    // Closed before its profile goes: a running Chromium still writes there (closing again in afterAll does nothing).
    onTestFinished(async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    });
    const page = await browser.newPage();
    await page.goto('/');
    await controlled(page);
    const cdp = await page.context().newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] };
    expect(installabilityErrors).toEqual([]);
    const { url, errors, data } = (await cdp.send('Page.getAppManifest')) as { url: string; errors: unknown[]; data: string };
    expect(url).toMatch(/\/manifest\.webmanifest$/);
    expect(errors).toEqual([]);
    expect(JSON.parse(data)).toMatchObject({ display: 'standalone', start_url: '/' });
  });

  it('forgets a member’s saved pages at logout (Clear-Site-Data), so the next person never sees them', async () => {
    const { post, asha, ben } = env().data;
    const browser = await context();
    const page = await signIn(browser, asha.username, PASSWORD);
    await readWithWorker(page, `/discuss/${post.id}/`);
    const ashasCache = Object.keys(await savedPages(page));
    expect(ashasCache).toHaveLength(1);
    expect(ashasCache[0]).toMatch(/^pages-v1-[\w-]{16}$/);

    const [logout] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/logout')), submitWith(page, page.getByRole('button', { name: 'log out' }))]);
    expect(await logout.headerValue('clear-site-data')).toBe('"cache", "storage"');
    expect(await savedPages(page)).not.toHaveProperty(ashasCache[0]!);

    const bens = await signIn(browser, ben.username, PASSWORD);
    await controlled(bens);
    await browser.setOffline(true);
    await bens.goto(`/discuss/${post.id}/`);
    await bens.getByRole('heading', { name: 'You are offline', level: 1 }).waitFor();
    expect(await bens.content()).not.toContain(`>${asha.username}</a> <span class="karma"`);
  });

  it('drops one person’s saved pages as soon as a page shows someone else signed in, logout or not', async () => {
    const { post, asha, ben } = env().data;
    const browser = await context();
    const page = await signIn(browser, asha.username, PASSWORD);
    await readWithWorker(page, `/discuss/${post.id}/`);
    const [ashasCache] = Object.keys(await savedPages(page));
    // Her session ends without a logout (expired, or cleared): no Clear-Site-Data.
    await browser.clearCookies();
    const bens = await signIn(browser, ben.username, PASSWORD);
    await expect.poll(async () => Object.keys(await savedPages(bens))).not.toContain(ashasCache);
    await browser.setOffline(true);
    await bens.goto(`/discuss/${post.id}/`);
    await bens.getByRole('heading', { name: 'You are offline', level: 1 }).waitFor();
  });

  it('shows a pushed message as a notification of the forum, with its tag and its page (contract 2)', async () => {
    const browser = await context();
    await browser.grantPermissions(['notifications']);
    const page = await browser.newPage();
    await page.goto('/');
    await controlled(page);
    const cdp = await browser.newCDPSession(page);
    const registered = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }: { registrations: { registrationId: string; isDeleted: boolean }[] }) => {
        const live = registrations.find((r) => !r.isDeleted);
        if (live) resolve(live.registrationId);
      });
    });
    await cdp.send('ServiceWorker.enable');
    const message = { title: 'ben replied to you', body: 'Render on the server', url: '/discuss/1/#c2', tag: 'n42' };
    const registrationId = await registered;
    const shown = () =>
      page.evaluate(async () =>
        (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: (n.data as { url: string }).url, icon: n.icon })),
      );
    // DevTools' delivery was once dropped on a loaded CI machine (no push event at all). A second delivery
    // carries the same tag, so it replaces the first notification rather than adding one.
    for (let attempt = 1; ; attempt++) {
      await cdp.send('ServiceWorker.deliverPushMessage', { origin: env().baseURL, registrationId, data: JSON.stringify(message) });
      const arrived = await expect
        .poll(shown, { timeout: 10_000 })
        .toHaveLength(1)
        .then(
          () => true,
          (error: unknown) => {
            if (attempt === 3) throw error;
            return false;
          },
        );
      if (arrived) break;
    }
    const [notification] = await shown();
    expect(notification).toMatchObject({ title: message.title, body: message.body, tag: 'n42', url: `${env().baseURL}/discuss/1/#c2` });
    expect(notification!.icon).toMatch(/\/static\/icon-192\.[0-9a-f]{10}\.png$/);
  });

  // Servers that stop (the network failing, a release): the built app in child processes.
  const dataDirs: string[] = [];
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  /** The built app (dist/, or another build's copy) on `port`, with a database of its own. */
  async function serve(port: number, cli?: string): Promise<ServerProcess> {
    const dataDir = mkdtempSync(join(tmpdir(), 'charcha-release-'));
    dataDirs.push(dataDir);
    const server = await startServerProcess({ DATA_DIR: dataDir, SECRET_KEY: 'test-secret-key-that-is-long-enough-000', PORT: String(port) }, [], cli);
    servers.push(server);
    return server;
  }

  it('keeps the page and says so when a form is posted online but the forum cannot be reached', async () => {
    const server = await serve(await freePort());
    const page = await (await newContext(env(), { baseURL: server.origin })).newPage();
    contexts.push(page.context());
    await page.goto('/login');
    await controlled(page);
    await page.getByLabel('Username').fill('asha');
    await page.getByLabel('Password').fill(PASSWORD);
    await server.stop();
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The forum cannot be reached, so this was not sent' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.getByLabel('Username').inputValue()).toBe('asha');
  });

  describe('a new version shipped', () => {
    // The next release: a copy of dist/ (under the project, so its imports find node_modules)
    // whose assets are built again with a changed stylesheet, hence a new precache list and /sw.js.
    const release = join('tmp', `next-release-${process.pid}`);
    afterAll(() => rmSync(release, { recursive: true, force: true }));

    const stylesheet = (page: Page) => page.evaluate(() => new URL(document.querySelector<HTMLLinkElement>('link[rel="stylesheet"]')!.href).pathname);

    it('offers the reload; after it the new worker controls the page and the old precache is gone', async () => {
      cpSync('dist', join(release, 'dist'), { recursive: true });
      const build = `import { buildAssets } from './scripts/assets.mjs'; await buildAssets({ out: ${JSON.stringify(join(release, 'dist/public'))}, cssBanner: '/* the next release */' });`;
      execFileSync(process.execPath, ['--input-type=module', '-e', build]);

      const port = await freePort();
      const current = await serve(port);
      const page = await (await newContext(env(), { baseURL: current.origin })).newPage();
      contexts.push(page.context());
      await page.goto('/');
      await controlled(page);
      const oldCss = await stylesheet(page);
      expect(await precached(page)).toContain(oldCss);
      // Saved under this version: it names this version's stylesheet and script.
      await readWithWorker(page, '/new/');
      await page.goto('/');

      // The same origin, now answered by the next release.
      await current.stop();
      await serve(port, join(release, 'dist/cli.js'));
      await page.reload();
      const prompt = page.getByRole('status').filter({ hasText: 'A new version is ready — reload' });
      await prompt.waitFor({ timeout: 20_000 });
      const newCss = await stylesheet(page);
      expect(newCss).not.toBe(oldCss);
      // Installed beside the old version, which still controls the page and keeps its files until then.
      expect(await precached(page)).toEqual(expect.arrayContaining([oldCss, newCss]));
      await saveScreens(page, 'update-prompt');

      await Promise.all([page.waitForEvent('load'), prompt.getByRole('button', { name: 'reload' }).click()]);
      await controlled(page);
      const state = await page.evaluate(async () => {
        const registration = (await navigator.serviceWorker.getRegistration())!;
        return { waiting: registration.waiting !== null, controlsThisPage: registration.active === navigator.serviceWorker.controller && registration.active !== null };
      });
      expect(state).toEqual({ waiting: false, controlsThisPage: true });
      await expect.poll(() => precached(page)).toContain(newCss);
      expect(await precached(page)).not.toContain(oldCss);
      expect(await page.getByRole('status').filter({ hasText: 'A new version is ready' }).count()).toBe(0);

      // Offline, the page saved under the old version comes with the new one's stylesheet and script:
      // styled, and its script says it is the saved copy.
      await page.context().setOffline(true);
      await page.goto('/new/');
      await page.getByRole('status').filter({ hasText: 'You are offline: this is the copy saved on this device' }).waitFor();
      expect(await stylesheet(page)).toBe(newCss);
      expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(253, 253, 251)');
      await page.context().setOffline(false);
    });
  });
});
