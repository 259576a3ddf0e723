// A form sent back with errors, as a person sees it: the summary first, its
// links leading to the fields, the fields at fault visibly marked.
// SHOTS_DIR=/some/dir saves a screenshot of each case there.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENS, chromiumInstalled, newContext, signIn, submitWith, useBrowserApp } from '../support/chromium.js';
import { PASSWORD, seedDiscussion } from '../support/discussion-fixture.js';

describe.skipIf(!chromiumInstalled())('form errors in Chromium', () => {
  const env = useBrowserApp(seedDiscussion);

  describe.each(SCREENS)('%i px wide, %s', (width, colorScheme) => {
    let page: Page;
    beforeAll(async () => {
      const context = await newContext(env(), { viewport: { width, height: 800 }, colorScheme });
      page = await signIn(context, env().data.asha.username, PASSWORD);
      await page.goto('/start-discussion/');
      await page.getByLabel('Title').fill('A title worth keeping');
      await page.getByLabel('URL').fill('ftp://example.org/file');
      await submitWith(page, page.getByRole('button', { name: 'Submit' }));
      const dir = process.env.SHOTS_DIR;
      if (dir) await page.screenshot({ path: `${dir}/form-errors-${width}-${colorScheme}.png`, fullPage: true });
    });
    afterAll(async () => {
      await page?.context().close();
    });

    it('shows the summary above the form, in view, and keeps what was typed', async () => {
      const summary = page.getByRole('alert');
      const summaryBox = await summary.boundingBox();
      const titleBox = await page.getByLabel('Title').boundingBox();
      expect(summaryBox && titleBox && summaryBox.y + summaryBox.height <= titleBox.y).toBe(true);
      expect(summaryBox!.y + summaryBox!.height).toBeLessThan(800);
      await expect.poll(() => page.getByLabel('Title').inputValue()).toBe('A title worth keeping');
      await expect.poll(() => page.getByLabel('URL').inputValue()).toBe('ftp://example.org/file');
    });

    it('marks the field at fault with a visible ring in the error colour, and only that one', async () => {
      const ring = (label: string) => page.getByLabel(label).evaluate((el) => getComputedStyle(el).boxShadow);
      expect(await page.getByLabel('URL').getAttribute('aria-invalid')).toBe('true');
      expect(await ring('URL')).toMatch(/rgb\(\d+, \d+, \d+\) 0px 0px 0px 1px/);
      expect(await page.getByLabel('Title').getAttribute('aria-invalid')).toBeNull();
      expect(await ring('Title')).toBe('none');
    });

    it("links each problem to its field: following the link brings the field into view", async () => {
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      const link = page.getByRole('alert').getByRole('link', { name: 'Enter a full http:// or https:// address.' });
      expect(await link.getAttribute('href')).toBe('#f-url');
      await page.evaluate(() => window.scrollTo(0, 0));
      await link.click();
      expect(new URL(page.url()).hash).toBe('#f-url');
      const box = await page.getByLabel('URL').boundingBox();
      expect(box && box.y >= 0 && box.y + box.height <= 800).toBe(true);
      // The label stays visible above the control it names (scroll margin).
      const label = await page.locator('label[for="f-url"]').boundingBox();
      expect(label && label.y >= 0).toBe(true);
    });
  });
});
