// Real-browser tests: Debian's Chromium driven by playwright-core (which never
// downloads a browser of its own), against the app listening on a free port.
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { Db } from '../../src/db/database.js';
import type { Services } from '../../src/services.js';
import { requiredTool } from './required-tool.js';
import { startTestApp, stopTestApp, type TestApp } from './app.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  // Chromium refuses to start its sandbox as root.
  '--no-sandbox',
  '--disable-gpu',
  // The network is closed: keep Chromium from reaching out (QUIC probes, updates, sync).
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether the browser tests can run. Missing Chromium fails CI and skips, with a warning, elsewhere. */
export function chromiumInstalled(): boolean {
  const problem = `${CHROMIUM_PATH} not found (apt-get install chromium)`;
  return requiredTool(existsSync(CHROMIUM_PATH), { problem, ciNeeds: 'Chromium for the browser tests', skipped: 'the browser tests' });
}

/** The screens every page is looked at on: a desktop and a phone, each in both colour schemes. */
export const SCREENS = [
  [1280, 'light'],
  [390, 'light'],
  [1280, 'dark'],
  [390, 'dark'],
] as const;

export interface BrowserApp<Data> {
  browser: Browser;
  baseURL: string;
  data: Data;
}

/**
 * One listening app, seeded by `seed`, and one Chromium for the whole file:
 * `const env = useBrowserApp(seed);` then `env().browser`. Both close in afterAll.
 * `appEnv` gives the app's settings, read when it starts.
 */
export function useBrowserApp<Data>(seed: (services: Services, db: Db) => Promise<Data>, appEnv: () => Record<string, string> = () => ({})): () => BrowserApp<Data> {
  let t: TestApp | undefined;
  let browser: Browser | undefined;
  let current: BrowserApp<Data> | undefined;
  beforeAll(async () => {
    t = await startTestApp(appEnv());
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    current = { browser, baseURL: `http://127.0.0.1:${port}`, data: await seed(t.services, t.db) };
  });
  afterAll(async () => {
    await browser?.close();
    if (t) await stopTestApp(t);
  });
  return () => {
    if (!current) throw new Error('useBrowserApp(): the app is not started yet');
    return current;
  };
}

/** A fresh browser profile on the app; relative URLs work in goto(). */
export async function newContext(env: BrowserApp<unknown>, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await env.browser.newContext({ baseURL: env.baseURL, ...options });
  // Fail within the test's time, with Playwright's message, rather than at Vitest's timeout.
  context.setDefaultTimeout(10_000);
  return context;
}

/** Clicks a button that submits a form the plain way and waits for the page the server answers with. */
export async function submitWith(page: Page, button: Locator): Promise<void> {
  await Promise.all([page.waitForEvent('load'), button.click()]);
}

/** A page signed in through the real login form, as a person would. */
export async function signIn(context: BrowserContext, username: string, password: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await submitWith(page, page.getByRole('button', { name: 'Log in' }));
  await page.getByRole('button', { name: 'log out' }).waitFor();
  return page;
}

/** SHOTS_DIR=/some/dir: the page at each of SCREENS' widths and colour schemes, saved there as <name>-<width>-<scheme>.png. */
export async function saveScreens(page: Page, name: string): Promise<void> {
  const dir = process.env.SHOTS_DIR;
  if (!dir) return;
  for (const [width, colorScheme] of SCREENS) {
    await page.setViewportSize({ width, height: 800 });
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: `${dir}/${name}-${width}-${colorScheme}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
}
