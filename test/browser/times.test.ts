// Times are sent as absolute UTC (the same bytes for everyone, so pages can be
// cached) and said relatively by the page script.
import { describe, expect, it } from 'vitest';
import { chromiumInstalled, newContext, useBrowserApp } from '../support/chromium.js';
import { seedDiscussion } from '../support/discussion-fixture.js';

const ABSOLUTE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/;

describe.skipIf(!chromiumInstalled())('times on a discussion page', () => {
  const env = useBrowserApp(seedDiscussion);

  it('read as absolute UTC without JavaScript', async () => {
    const context = await newContext(env(), { javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`/discuss/${env().data.post.id}/`);
    const times = await page.locator('time[datetime]').allTextContents();
    expect(times.length).toBeGreaterThan(1);
    for (const text of times) expect(text).toMatch(ABSOLUTE);
    await context.close();
  });

  it('read relatively with it, the absolute time kept as the tooltip', async () => {
    const context = await newContext(env());
    const page = await context.newPage();
    await page.goto(`/discuss/${env().data.post.id}/`);
    const first = page.locator('time[datetime]').first();
    await expect.poll(() => first.textContent()).toMatch(/ ago$|^just now$/);
    expect(await first.getAttribute('title')).toMatch(ABSOLUTE);
    await context.close();
  });
});
