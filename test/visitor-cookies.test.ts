// Visitors get no cookie: only the ways in (log in, sign up, password reset,
// provider sign-in, the second step: `access: 'open'`) may give one, for
// their forms' token or the sign-in under way. Every other page a visitor
// can read is checked, so a new route cannot start setting one unnoticed.
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { seedDiscussion } from './support/discussion-fixture.js';
import { concreteUrl } from './support/routes.js';

describe('visitors', () => {
  const t = useTestApp();

  it('get no cookie on any page but the ways in', async () => {
    const f = await seedDiscussion(t().services);
    const front = await t().app.inject({ method: 'GET', url: '/' });
    const staticFile = /href="(\/static\/style\.[0-9a-f]+\.css)"/.exec(front.body)![1]!;
    const pages = t().routes.filter((r) => r.method === 'GET' && r.config.access !== 'open');
    expect(pages.length).toBeGreaterThan(20);
    const withCookies: string[] = [];
    for (const route of pages) {
      const url = concreteUrl(route.url, f, staticFile, '1.1.made-up');
      const response = await t().app.inject({ method: 'GET', url });
      if (response.headers['set-cookie'] !== undefined) withCookies.push(`${route.url} → ${String(response.headers['set-cookie'])}`);
    }
    expect(withCookies).toEqual([]);
  });
});
