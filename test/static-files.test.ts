// Hashed static files are the same for everyone: a member's request costs
// no session query, and keeps the far-future public caching (a member does
// not download the stylesheet again on every page).
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { member } from './support/forum.js';

const queries = (serverTiming: unknown) => Number(/desc="(\d+) queries"/.exec(String(serverTiming))?.[1]);

describe('static files', () => {
  const t = useTestApp();

  it('cost a member no session query and stay public, max-age=31536000, immutable', async () => {
    const signedIn = await member(t().app);
    const page = await signedIn.get('/');
    expect(page.headers['cache-control']).toBe('private, no-store'); // pages stay personal
    const css = /href="(\/static\/style\.[0-9a-f]+\.css)"/.exec(page.body)![1]!;
    for (const [who, get] of [
      ['member', (url: string) => signedIn.get(url, { 'accept-encoding': 'br, gzip' })],
      ['visitor', (url: string) => t().app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'br, gzip' } })],
    ] as const) {
      const response = await get(css);
      expect(response.statusCode, who).toBe(200);
      expect(response.headers['content-encoding'], who).toBe('br');
      expect(response.headers['cache-control'], who).toBe('public, max-age=31536000, immutable');
      expect(queries(response.headers['server-timing']), who).toBe(0);
      expect(response.headers.vary ?? '', who).not.toContain('Cookie');
      expect(response.headers['set-cookie'], who).toBeUndefined();
      expect(response.headers['x-content-type-options'], who).toBe('nosniff');
    }
  });

  it('do not touch a member’s session: an expired one is not even noticed', async () => {
    const signedIn = await member(t().app);
    const css = /href="(\/static\/style\.[0-9a-f]+\.css)"/.exec((await signedIn.get('/')).body)![1]!;
    t().clock.advance(365 * 24 * 3_600_000);
    const response = await signedIn.get(css);
    expect(response.statusCode).toBe(200);
    expect(response.headers['set-cookie']).toBeUndefined(); // a page would clear the dead cookie
    expect((await signedIn.get('/')).headers['set-cookie']).toBeDefined();
  });
});

describe('files under /static/ that are not fingerprinted', () => {
  const t = useTestApp();

  it('are not served there, where a year of immutable caching would pin them: only at their own addresses', async () => {
    for (const [atStatic, own] of [
      ['/static/sw.js', '/sw.js'],
      ['/static/robots.txt', '/robots.txt'],
      ['/static/manifest.json', undefined],
    ] as const) {
      const response = await t().app.inject({ method: 'GET', url: atStatic, headers: { 'accept-encoding': 'br, gzip' } });
      expect(response.statusCode, atStatic).toBe(404);
      if (own) {
        const served = await t().app.inject({ method: 'GET', url: own });
        expect(served.statusCode, own).toBe(200);
        expect(served.headers['cache-control'], own).not.toContain('immutable');
      }
    }
  });
});
