// The thread as people use it, in Chromium: permalinks to later pages,
// voting and deleting without JavaScript, tap targets and deep threads on a
// phone-sized screen (390 CSS px wide).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/services.js';
import { COMMENTS_PER_PAGE } from '../../src/forum/comments.js';
import { chromiumInstalled, newContext, signIn, submitWith, useBrowserApp } from '../support/chromium.js';
import { PASSWORD, seedDiscussion } from '../support/discussion-fixture.js';

const PHONE = { width: 390, height: 844 };

/**
 * The discussion fixture, plus a three-page thread by Asha: `opensPage3` is
 * the first comment of page 3, a reply to `lastOfPage2`, and `onPage3` comes
 * 40 comments further down; plus a comment and a discussion of Ben's for him
 * to delete.
 */
async function seed(services: Services) {
  const f = await seedDiscussion(services);
  const created = await services.posts.create(await services.accounts.actor(f.asha.id), { title: 'A very long thread', text: 'Three pages of comments.' });
  if (!created.created) throw new Error('not created');
  const long = created.post;
  const add = async (text: string, parentId?: number) => (await services.comments.add({ postId: long.id, author: await services.accounts.actor(f.asha.id), text, parentId })).comment;
  for (let i = 1; i < 2 * COMMENTS_PER_PAGE; i++) await add(`Comment number ${i}, with enough words to take a line or two of the page.`);
  const lastOfPage2 = await add('The last comment of page 2.');
  const opensPage3 = await add('The first comment of page 3, a reply to the last of page 2.', lastOfPage2.id);
  for (let i = 1; i <= 40; i++) await add(`Comment number ${i} of page 3.`);
  const onPage3 = await add('A comment far down page 3.');
  const doomed = (await services.comments.add({ postId: f.post.id, author: await services.accounts.actor(f.ben.id), text: 'Ben will take this back.' })).comment;
  const doomedPost = await services.posts.create(await services.accounts.actor(f.ben.id), { title: 'Ben will delete this discussion', text: 'Soon gone.' });
  if (!doomedPost.created) throw new Error('not created');
  return { ...f, long, lastOfPage2, opensPage3, onPage3, doomed, doomedPost: doomedPost.post };
}

type Fixture = Awaited<ReturnType<typeof seed>>;

interface Box {
  what: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Every control on the page: buttons, summaries, fields, and links, except
 * links inside user text or inline in a sentence (WCAG 2.5.8's "inline"
 * exception). Hidden ones are left out.
 */
function controlBoxes(page: Page): Promise<Box[]> {
  return page.evaluate(() => {
    const boxes: Box[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('a[href], button, summary, input:not([type=hidden]), textarea, select')) {
      if (el.closest('.text')) continue;
      const style = getComputedStyle(el);
      const parentText = el.parentElement?.textContent?.trim() ?? '';
      if (el.tagName === 'A' && style.display === 'inline' && parentText.length > (el.textContent?.trim().length ?? 0) + 1 && el.parentElement?.tagName === 'P') continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || r.right < 0) continue;
      const label = el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? '';
      boxes.push({ what: `${el.tagName.toLowerCase()} "${label}" in .${el.parentElement?.className ?? ''}`, x: r.x, y: r.y + window.scrollY, width: r.width, height: r.height });
    }
    return boxes;
  });
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe.skipIf(!chromiumInstalled())('the thread in Chromium', () => {
  const env = useBrowserApp(seed);

  describe('permalinks', () => {
    let page: Page;
    beforeAll(async () => {
      page = await (await newContext(env())).newPage();
    });
    afterAll(async () => {
      await page?.context().close();
    });

    it('land on page 3, scrolled to the comment and highlighted', async () => {
      const f = env().data;
      await page.goto(`/comments/${f.onPage3.id}/`);
      expect(page.url()).toBe(`${env().baseURL}/discuss/${f.long.id}/?page=3#c${f.onPage3.id}`);
      const body = page.locator(`#c${f.onPage3.id} > details > .body`);
      await expect.poll(() => body.evaluate((e) => e.closest('li')!.matches(':target'))).toBe(true);
      const box = (await body.boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(page.viewportSize()!.height);
      expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(0);
      // Visibly: a background unlike the page's, and an accent bar.
      const [highlight, pageBackground] = await body.evaluate((e) => [getComputedStyle(e).backgroundColor, getComputedStyle(document.body).backgroundColor]);
      expect(highlight).not.toBe(pageBackground);
      expect(highlight).not.toBe('rgba(0, 0, 0, 0)');
      expect(await body.evaluate((e) => getComputedStyle(e).boxShadow)).toContain('inset');
    });

    it('"in reply to" on page 3 leads to the parent on page 2', async () => {
      const f = env().data;
      await page.goto(`/discuss/${f.long.id}/?page=3`);
      await submitWith(page, page.getByRole('link', { name: 'in reply to an earlier comment' }));
      expect(page.url()).toBe(`${env().baseURL}/discuss/${f.long.id}/?page=2#c${f.lastOfPage2.id}`);
      const box = (await page.locator(`#c${f.lastOfPage2.id} > details > .body`).boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y).toBeLessThan(page.viewportSize()!.height);
    });
  });

  describe('without JavaScript', () => {
    let page: Page;
    beforeAll(async () => {
      const context = await newContext(env(), { javaScriptEnabled: false });
      page = await signIn(context, env().data.ben.username, PASSWORD);
    });
    afterAll(async () => {
      await page?.context().close();
    });

    it('a vote far down a long thread comes back to the comment voted on, not to the top', async () => {
      const f = env().data;
      const item = page.locator(`#c${f.onPage3.id} > details > .body`);
      const expectAtItem = async () => {
        expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(1000);
        const box = (await item.boundingBox())!;
        expect(box.y).toBeGreaterThanOrEqual(0);
        expect(box.y + box.height).toBeLessThanOrEqual(page.viewportSize()!.height);
      };
      // Downvoting keeps it on page 3 in the oldest-first order and in best-first alike (it sinks).
      for (const sort of ['old', 'best']) {
        await page.goto(`/comments/${f.onPage3.id}/?sort=${sort}`);
        await submitWith(page, item.getByRole('button', { name: 'Downvote' }));
        expect(page.url()).toBe(`${env().baseURL}/discuss/${f.long.id}/?page=3${sort === 'old' ? '&sort=old' : ''}#c${f.onPage3.id}`);
        expect(await item.getByRole('button', { name: 'Downvote' }).getAttribute('aria-pressed')).toBe('true');
        await expectAtItem();
        await submitWith(page, item.getByRole('button', { name: 'Downvote' }));
        expect(await item.getByRole('button', { name: 'Downvote' }).getAttribute('aria-pressed')).toBe('false');
        await expectAtItem();
      }
      // An upvote lifts it to the top of the best-first order: the reader follows it there.
      await submitWith(page, item.getByRole('button', { name: 'Upvote' }));
      expect(page.url()).toBe(`${env().baseURL}/discuss/${f.long.id}/#c${f.onPage3.id}`);
      expect(await item.getByRole('button', { name: 'Upvote' }).getAttribute('aria-pressed')).toBe('true');
      await submitWith(page, item.getByRole('button', { name: 'Upvote' }));
    });

    it('deleting a comment asks first, from the link by the comment', async () => {
      const f = env().data;
      await page.goto(`/discuss/${f.post.id}/`);
      await submitWith(page, page.locator(`#c${f.doomed.id} > details > .body`).getByRole('link', { name: 'delete' }));
      await page.getByRole('heading', { name: 'Delete this comment?' }).waitFor();
      expect(await page.getByRole('blockquote').textContent()).toContain('Ben will take this back.');
      expect(await page.locator(`#c${f.doomed.id}`).count(), 'nothing deleted yet').toBe(0);
      await submitWith(page, page.getByRole('button', { name: 'Delete this comment' }));
      expect(new URL(page.url()).pathname).toBe(`/discuss/${f.post.id}/`);
      expect(await page.getByText('Ben will take this back.').count()).toBe(0);
      // It had no replies: not even a "[deleted]" stub is left.
      expect(await page.locator(`#c${f.doomed.id}`).count()).toBe(0);
    });

    it('deleting a discussion asks first, and Cancel leaves it alone', async () => {
      const f = env().data;
      await page.goto(`/discuss/${f.doomedPost.id}/`);
      await submitWith(page, page.getByRole('article').getByRole('link', { name: 'delete' }));
      await page.getByRole('heading', { name: 'Delete this discussion?' }).waitFor();
      await submitWith(page, page.getByRole('link', { name: 'Cancel' }));
      await page.getByRole('heading', { name: f.doomedPost.title }).waitFor();
      await submitWith(page, page.getByRole('article').getByRole('link', { name: 'delete' }));
      await submitWith(page, page.getByRole('button', { name: 'Delete this discussion' }));
      await page.getByRole('heading', { name: '[deleted]' }).waitFor();
    });
  });

  describe.each(['light', 'dark'] as const)('looks, %s', (colorScheme) => {
    let page: Page;
    beforeAll(async () => {
      page = await signIn(await newContext(env(), { colorScheme }), env().data.asha.username, PASSWORD);
    });
    afterAll(async () => {
      await page?.context().close();
    });

    const styleOf = (name: string) =>
      page.getByRole('button', { name, exact: true }).evaluate((e) => ({ background: getComputedStyle(e).backgroundColor, color: getComputedStyle(e).color }));
    /** "rgb(r, g, b)" of a red hue (within 12° of 0°), not the orange (about 20°) of the site's accent. */
    const isRed = (color: string) => {
      const [r, g, b] = (color.match(/\d+/g) ?? []).map(Number) as [number, number, number];
      const max = Math.max(r, g, b);
      const chroma = max - Math.min(r, g, b);
      if (max !== r || chroma < 60) return false;
      const hue = (60 * ((g - b) / chroma) + 360) % 360;
      return hue <= 12 || hue >= 348;
    };

    it('the delete button is red and unlike Save; the edit page only links to it; "log out" is a plain link', async () => {
      const f = env().data;
      await page.goto(`/comments/${f.answer.id}/edit/`);
      const save = await styleOf('Save');
      expect(await page.getByRole('button', { name: /delete/i }).count()).toBe(0);
      const link = page.getByRole('link', { name: 'Delete this comment…' });
      expect(isRed(await link.evaluate((e) => getComputedStyle(e).color))).toBe(true);
      expect((await styleOf('log out')).background).toBe('rgba(0, 0, 0, 0)');
      await submitWith(page, link);
      const danger = await styleOf('Delete this comment');
      expect(isRed(danger.background), danger.background).toBe(true);
      expect(isRed(save.background), save.background).toBe(false);
    });
  });

  describe.each(['light', 'dark'] as const)('on a phone (390 px wide), %s', (colorScheme) => {
    let page: Page;
    beforeAll(async () => {
      const context = await newContext(env(), { viewport: PHONE, colorScheme, isMobile: true, hasTouch: true });
      page = await signIn(context, env().data.ben.username, PASSWORD);
    });
    afterAll(async () => {
      await page?.context().close();
    });

    it.each([
      { name: 'the front page', path: () => '/' },
      { name: 'a discussion with a deep thread', path: (f: Fixture) => `/discuss/${f.post.id}/` },
      { name: 'a comment form', path: (f: Fixture) => `/comments/${f.question.id}/edit/` },
    ])('every control on $name is at least 24×24 px, and none touches another', async ({ path }) => {
      await page.goto(path(env().data));
      const boxes = await controlBoxes(page);
      expect(boxes.length).toBeGreaterThan(5);
      const small = boxes.filter((b) => b.width < 24 || b.height < 24).map((b) => `${b.what}: ${b.width.toFixed(1)}×${b.height.toFixed(1)}`);
      expect(small).toEqual([]);
      const touching: string[] = [];
      for (const [i, a] of boxes.entries()) for (const b of boxes.slice(i + 1)) if (overlaps(a, b)) touching.push(`${a.what} / ${b.what}`);
      expect(touching).toEqual([]);
    });

    it('▲ and ▼ are at least 8 px apart', async () => {
      const f = env().data;
      for (const [path, item] of [
        ['/', page.getByRole('article').filter({ hasText: f.post.title })],
        [`/discuss/${f.post.id}/`, page.locator(`#c${f.answer.id} > details > .body`)],
      ] as const) {
        await page.goto(path);
        const up = (await item.getByRole('button', { name: 'Upvote' }).boundingBox())!;
        const down = (await item.getByRole('button', { name: 'Downvote' }).boundingBox())!;
        const gap = Math.max(down.x - (up.x + up.width), down.y - (up.y + up.height));
        expect(gap, path).toBeGreaterThanOrEqual(8);
      }
    });

    it('the deepest comment keeps at least 260 px for its text, with a guide line per level', async () => {
      const f = env().data;
      await page.goto(`/discuss/${f.post.id}/`);
      const deepest = page.locator(`#c${f.deepest.id}`);
      const text = (await deepest.locator('.text').boundingBox())!;
      expect(text.width).toBeGreaterThanOrEqual(260);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
      const guides = await deepest.evaluate((e) => {
        let count = 0;
        for (let el = e.parentElement; el; el = el.parentElement) if (el.matches('.replies') && parseFloat(getComputedStyle(el).borderLeftWidth) > 0) count++;
        return count;
      });
      expect(guides).toBe(11);
    });
  });
});
