// The vote buttons in a real browser: the client script votes in place; without
// JavaScript the same buttons post their form and come back to the page.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumInstalled, newContext, signIn, submitWith, useBrowserApp } from '../support/chromium.js';
import { PASSWORD, seedDiscussion, type DiscussionFixture } from '../support/discussion-fixture.js';

interface VoteTarget {
  name: string;
  path(f: DiscussionFixture): string;
  /** Where the page should come back to after a vote without JavaScript. */
  anchor(f: DiscussionFixture): string;
  /** The item: its score and its vote buttons. */
  item(page: Page, f: DiscussionFixture): Locator;
}

const TARGETS: VoteTarget[] = [
  {
    name: 'a post on the front page',
    path: () => '/',
    anchor: (f) => `#p${f.post.id}`,
    item: (page, f) => page.getByRole('article').filter({ has: page.getByRole('link', { name: f.post.title, exact: true }) }),
  },
  {
    name: 'a comment on its discussion page',
    path: (f) => `/discuss/${f.post.id}/`,
    anchor: (f) => `#c${f.answer.id}`,
    // The comment's own part, without its replies.
    item: (page, f) => page.locator(`#c${f.answer.id} > details > .body`),
  },
];

const upvoteButton = (item: Locator) => item.getByRole('button', { name: 'Upvote' });
const scoreText = (item: Locator) => item.locator('.score');

async function expectVote(form: Locator, score: string, pressed: boolean): Promise<void> {
  await expect.poll(() => scoreText(form).textContent(), { timeout: 5_000 }).toBe(score);
  await expect.poll(() => upvoteButton(form).getAttribute('aria-pressed'), { timeout: 5_000 }).toBe(String(pressed));
}

type MarkedWindow = Window & { __marker?: number };
type Upvote = (page: Page, form: Locator, path: string, anchor: string) => Promise<void>;

/** With the client script: the page updates in place, so a marker set on the window survives. */
const upvoteInPlace: Upvote = async (page, form) => {
  await page.evaluate(() => {
    (window as MarkedWindow).__marker = 1;
  });
  const pressed = await upvoteButton(form).getAttribute('aria-pressed');
  await upvoteButton(form).click();
  await expect.poll(() => upvoteButton(form).getAttribute('aria-pressed'), { timeout: 5_000 }).not.toBe(pressed);
  expect(await page.evaluate(() => (window as MarkedWindow).__marker), 'the page was reloaded').toBe(1);
};

/** Without it: the form posts, and the server sends the browser back to the page, at the item. */
const upvoteByForm: Upvote = async (page, form, path, anchor) => {
  await submitWith(page, upvoteButton(form));
  expect(new URL(page.url()).pathname).toBe(path);
  expect(new URL(page.url()).hash).toBe(anchor);
};

describe.skipIf(!chromiumInstalled())('vote buttons in Chromium', () => {
  const env = useBrowserApp(seedDiscussion);

  describe.each([
    { javaScriptEnabled: true, how: 'with JavaScript, in place', upvote: upvoteInPlace },
    { javaScriptEnabled: false, how: 'without JavaScript, by posting the form', upvote: upvoteByForm },
  ])('$how', ({ javaScriptEnabled, upvote }) => {
    let page: Page;
    beforeAll(async () => {
      const context = await newContext(env(), { javaScriptEnabled });
      page = await signIn(context, env().data.ben.username, PASSWORD);
    });
    afterAll(async () => {
      await page?.context().close();
    });

    it.each(TARGETS)('upvotes $name, and a second click undoes it', async (target) => {
      const f = env().data;
      const path = target.path(f);
      const form = target.item(page, f);
      await page.goto(path);
      await expectVote(form, '0 points', false);

      await upvote(page, form, path, target.anchor(f));
      await expectVote(form, '1 point', true);
      await page.reload();
      await expectVote(form, '1 point', true);

      await upvote(page, form, path, target.anchor(f));
      await expectVote(form, '0 points', false);
      await page.reload();
      await expectVote(form, '0 points', false);
    });
  });

  it('posts the plain form when the script’s request fails (offline, dropped)', async () => {
    const page = await signIn(await newContext(env()), env().data.ben.username, PASSWORD);
    try {
      const [target] = TARGETS;
      const form = target!.item(page, env().data);
      await page.goto('/');
      await expectVote(form, '0 points', false);
      // The script's request (it asks for JSON) fails at the network; the form's own post goes through.
      await page.route('**/api/**', (route) =>
        route.request().headers().accept === 'application/json' ? route.abort('internetdisconnected') : route.continue(),
      );
      await submitWith(page, upvoteButton(form));
      await expectVote(form, '1 point', true);
    } finally {
      await page.context().close();
    }
  });
});
