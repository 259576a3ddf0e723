// Rendered Markdown as readers see it, on a phone and a desktop, light and dark:
// headings smaller than the page's own, images as links, tables styled, and a
// page that loads without a failed request (the icons) or a CSP refusal.
// SHOTS_DIR=/some/dir saves a screenshot of each case there.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENS, chromiumInstalled, newContext, useBrowserApp } from '../support/chromium.js';
import { seedDiscussion } from '../support/discussion-fixture.js';

const px = (value: string) => Number.parseFloat(value);

describe.skipIf(!chromiumInstalled())('rendered Markdown in Chromium', () => {
  const env = useBrowserApp(seedDiscussion);

  describe.each(SCREENS)('%i px wide, %s', (width, colorScheme) => {
    let page: Page;
    const problems: string[] = [];
    beforeAll(async () => {
      const context = await newContext(env(), { viewport: { width, height: 900 }, colorScheme });
      page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
      });
      await page.goto(`/discuss/${env().data.markdownPost.id}/`);
      await page.waitForLoadState('networkidle');
      const dir = process.env.SHOTS_DIR;
      if (dir) await page.screenshot({ path: `${dir}/markdown-${width}-${colorScheme}.png`, fullPage: true });
    });
    afterAll(async () => {
      await page?.context().close();
    });

    it('loads without a failed request or a console error', () => {
      expect(problems).toEqual([]);
    });

    it('sizes the writer’s headings below the page title, as h2 and h3', async () => {
      const text = page.locator('article.post .text');
      const title = px(await page.locator('h1').first().evaluate((el) => getComputedStyle(el).fontSize));
      for (const [tag, name] of [['h2', 'What we measured'], ['h3', 'How']] as const) {
        const heading = text.locator(tag, { hasText: name });
        const size = px(await heading.evaluate((el) => getComputedStyle(el).fontSize));
        expect(size, tag).toBeLessThan(title * 0.8);
      }
      expect(await text.locator('h1').count()).toBe(0);
    });

    it('shows an image as a link, without a stray "!" and without loading it', async () => {
      const text = page.locator('article.post .text');
      const link = text.getByRole('link', { name: 'Latency chart for the week' });
      expect(await link.getAttribute('href')).toBe('https://example.org/charts/latency-week.png');
      expect(await text.locator('img').count()).toBe(0);
      expect(await text.textContent()).not.toContain('!Latency');
    });

    it('draws the table with borders, a header background and right-aligned numbers, inside the page', async () => {
      const table = page.locator('article.post .text table');
      const cell = table.locator('td').nth(1);
      const style = await cell.evaluate((el) => ({ border: getComputedStyle(el).borderTopWidth, align: getComputedStyle(el).textAlign }));
      expect(style).toEqual({ border: '1px', align: 'right' });
      const header = await table.locator('th').first().evaluate((el) => getComputedStyle(el).backgroundColor);
      expect(header).not.toBe('rgba(0, 0, 0, 0)');
      // Still a table to assistive technology, with its headers.
      expect(await page.getByRole('table').getByRole('columnheader', { name: 'Queries' }).count()).toBe(1);
      // Whole words in cells; a table too wide for the column would scroll inside it, not widen the page.
      expect(await cell.evaluate((el) => getComputedStyle(el).overflowWrap)).toBe('normal');
      const box = await table.boundingBox();
      expect(box!.x + box!.width).toBeLessThanOrEqual(width);
    });
  });
});
