// Clickjacking in Chromium: a page on another origin (another loopback port)
// tries to frame the site. Every page refuses, except the embeddable
// discussion, which the sites in EMBED_ORIGINS (any site when unset) may frame.
import type { BrowserContext, Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumInstalled, newContext, useBrowserApp, type BrowserApp } from '../support/chromium.js';
import { seedDiscussion, type DiscussionFixture } from '../support/discussion-fixture.js';
import { useFramingSite } from '../support/framing-site.js';

/** What Chromium shows in place of a page that refused to be framed. */
const REFUSED_FRAME_URL = 'chrome-error://chromewebdata/';

interface Attempt {
  frame: Frame;
  /** Chromium's console messages about refused framing. */
  refusals: string[];
}

/** Opens, in a new tab, the other site's page framing a page of ours; the frame has loaded, or failed, when it returns. */
async function frameFrom(context: BrowserContext, framingPage: string): Promise<Attempt> {
  const page = await context.newPage();
  const refusals: string[] = [];
  page.on('console', (message) => {
    if (message.text().startsWith('Framing ')) refusals.push(message.text());
  });
  await page.goto(framingPage);
  const frame = await (await page.locator('iframe').elementHandle()).contentFrame();
  return { frame: frame!, refusals };
}

async function expectRefused({ frame, refusals }: Attempt, target: string, ancestors: string): Promise<void> {
  expect(frame.url(), 'the frame shows Chromium’s error page, not the site').toBe(REFUSED_FRAME_URL);
  // Chromium names only the refused page's origin.
  const refusal = `Framing '${new URL(target).origin}/' violates the following Content Security Policy directive: "frame-ancestors ${ancestors}"`;
  await expect.poll(() => refusals, { timeout: 5_000 }).toContainEqual(expect.stringContaining(refusal));
}

async function expectFramed({ frame, refusals }: Attempt, target: string, f: DiscussionFixture): Promise<void> {
  expect(frame.url()).toBe(target);
  await frame.getByRole('heading', { name: f.post.title }).waitFor();
  await frame.getByText('And the replies collapse without any JavaScript.').waitFor();
  expect(refusals).toEqual([]);
}

describe.skipIf(!chromiumInstalled())('clickjacking defence in Chromium', () => {
  const site = useFramingSite();

  /** One browser profile for the app's tests, closed with its tabs after them. */
  function useContext(env: () => BrowserApp<DiscussionFixture>): () => BrowserContext {
    let context: BrowserContext | undefined;
    beforeAll(async () => {
      context = await newContext(env());
    });
    afterAll(async () => {
      await context?.close();
    });
    return () => context!;
  }

  describe('with EMBED_ORIGINS unset', () => {
    const env = useBrowserApp(seedDiscussion);
    const browser = useContext(env);

    it.each([
      { name: 'the front page', path: () => '/' },
      { name: 'a discussion', path: (f: DiscussionFixture) => `/discuss/${f.post.id}/` },
      { name: 'the login page', path: () => '/login' },
    ])('another site cannot frame $name', async ({ path }) => {
      const target = `${env().baseURL}${path(env().data)}`;
      await expectRefused(await frameFrom(browser(), site().pageFraming(target)), target, "'none'");
    });

    it('any site may frame the embeddable discussion, whose links open the full site in a new tab', async () => {
      const f = env().data;
      const target = `${env().baseURL}/embed/discuss/${f.post.id}/`;
      const attempt = await frameFrom(browser(), site().pageFraming(target));
      await expectFramed(attempt, target, f);

      const [opened] = await Promise.all([browser().waitForEvent('page'), attempt.frame.getByRole('link', { name: /Join the discussion/ }).click()]);
      await opened.waitForLoadState();
      expect(opened.url()).toBe(`${env().baseURL}/discuss/${f.post.id}/`);
      await opened.getByRole('navigation', { name: 'Main' }).waitFor();
      expect(await opened.evaluate((): unknown => window.opener), 'the new tab has no handle on the framing page').toBeNull();
      expect(attempt.frame.url(), 'the frame stayed on the embed').toBe(target);
      await opened.close();
    });
  });

  describe('with EMBED_ORIGINS listing one other origin', () => {
    // The framing site answers on 127.0.0.1 and on localhost: two origins; only the second is listed.
    const env = useBrowserApp(seedDiscussion, () => ({ EMBED_ORIGINS: site().origin('localhost') }));
    const browser = useContext(env);
    const embed = () => `${env().baseURL}/embed/discuss/${env().data.post.id}/`;

    it('the listed origin may frame the embeddable discussion', async () => {
      await expectFramed(await frameFrom(browser(), site().pageFraming(embed(), 'localhost')), embed(), env().data);
    });

    it('an origin not listed may not', async () => {
      await expectRefused(await frameFrom(browser(), site().pageFraming(embed(), '127.0.0.1')), embed(), site().origin('localhost'));
    });

    it('nor may the listed origin frame any other page', async () => {
      const target = `${env().baseURL}/discuss/${env().data.post.id}/`;
      await expectRefused(await frameFrom(browser(), site().pageFraming(target, 'localhost')), target, "'none'");
    });
  });
});
