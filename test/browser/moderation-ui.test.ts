// Moderation pages as people see them, on a desktop and a phone, light and
// dark: they load cleanly and fit the screen. And flagging in a real browser,
// with the page's script: the flag link leads to "Why flag this?", the reason
// goes with the flag, and unflag (a plain post) brings the link back.
// SHOTS_DIR=/some/dir saves a screenshot of each page on each screen there.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENS, chromiumInstalled, newContext, signIn, submitWith, useBrowserApp } from '../support/chromium.js';
import { PASSWORD } from '../support/discussion-fixture.js';
import { seedModeration, type ModerationFixture } from '../support/moderation-fixture.js';

type Who = 'visitor' | 'member' | 'moderator';

const PAGES: { name: string; who: Who; path: (f: ModerationFixture) => string }[] = [
  { name: 'queue', who: 'moderator', path: () => '/moderation/' },
  { name: 'log', who: 'visitor', path: () => '/moderations' },
  { name: 'flag', who: 'member', path: (f) => `/comments/${f.rude.id}/flag/` },
  { name: 'ban', who: 'moderator', path: (f) => `/moderation/users/${f.spammy.username}/ban/` },
  { name: 'hidden-comment-visitor', who: 'visitor', path: (f) => `/discuss/${f.post.id}/#c${f.hidden.id}` },
  { name: 'hidden-comment-moderator', who: 'moderator', path: (f) => `/discuss/${f.post.id}/#c${f.hidden.id}` },
  { name: 'locked', who: 'member', path: (f) => `/discuss/${f.locked.id}/` },
  { name: 'front-pinned', who: 'moderator', path: () => '/' },
];

describe.skipIf(!chromiumInstalled())('moderation pages in Chromium', () => {
  const env = useBrowserApp(seedModeration);

  describe.each(SCREENS)('%i px wide, %s', (width, colorScheme) => {
    const pages = new Map<Who, Page>();
    const problems: string[] = [];
    beforeAll(async () => {
      for (const who of ['visitor', 'member', 'moderator'] as const) {
        const context = await newContext(env(), { viewport: { width, height: 900 }, colorScheme });
        const username = { visitor: null, member: env().data.asha.username, moderator: env().data.mina.username }[who];
        const page = username ? await signIn(context, username, PASSWORD) : await context.newPage();
        page.on('console', (message) => {
          if (message.type() === 'error') problems.push(`${who} console: ${message.text()}`);
        });
        page.on('response', (response) => {
          if (response.status() >= 400) problems.push(`${who} ${response.status()} ${response.url()}`);
        });
        pages.set(who, page);
      }
    });
    afterAll(async () => {
      for (const page of pages.values()) await page.context().close();
    });

    it.each(PAGES)('$name loads cleanly and fits the screen', async ({ name, who, path }) => {
      const page = pages.get(who)!;
      const response = await page.goto(path(env().data));
      expect(response?.status()).toBe(200);
      await page.waitForLoadState('networkidle');
      expect(problems).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      const dir = process.env.SHOTS_DIR;
      if (dir) await page.screenshot({ path: `${dir}/${name}-${width}-${colorScheme}.png`, fullPage: true });
    });
  });

  describe('flagging with the script on', () => {
    let context: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      context = await newContext(env());
      page = await signIn(context, env().data.ben.username, PASSWORD);
    });
    afterAll(async () => {
      await context?.close();
    });

    it('leads from "flag" to the reason, back to the comment flagged, and unflags plainly', async () => {
      const { post, answer: target } = env().data;
      await page.goto(`/discuss/${post.id}/`);
      const item = page.locator(`#c${target.id} > details > .body`);
      await Promise.all([page.waitForURL(/\/flag\/$/), item.getByRole('link', { name: 'flag', exact: true }).click()]);
      await page.getByRole('radio', { name: /Off-topic/ }).check();
      await submitWith(page, page.getByRole('button', { name: 'Flag' }));
      expect(new URL(page.url()).hash).toBe(`#c${target.id}`);
      const unflag = item.getByRole('button', { name: 'unflag' });
      expect(await unflag.getAttribute('aria-pressed')).toBe('true');
      await submitWith(page, unflag);
      await item.getByRole('link', { name: 'flag', exact: true }).waitFor();
    });
  });
});
