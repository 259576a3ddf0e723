// The favicon, the SVG mark and the iOS icon: linked from every page's head and
// served with their types, and /favicon.ico answers for clients that just ask.
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';

const TYPES = { ico: /^image\/(x-icon|vnd\.microsoft\.icon)/, svg: /^image\/svg\+xml/, png: /^image\/png/ };

describe('icons', () => {
  const t = useTestApp();

  it('answers /favicon.ico with an icon file, cached but not forever', async () => {
    const response = await t().app.inject({ method: 'GET', url: '/favicon.ico' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(TYPES.ico);
    expect(response.rawPayload.subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
    expect(response.headers['cache-control']).toBe('public, max-age=86400');
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('answers /robots.txt at the root, where crawlers look for it', async () => {
    const response = await t().app.inject({ method: 'GET', url: '/robots.txt' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toContain('Disallow: /api/');
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it.each(['/', '/login', '/no-such-page'])('%s links the icons in its head, and each answers with its type', async (path) => {
    const page = await t().app.inject({ method: 'GET', url: path });
    const head = page.body.slice(0, page.body.indexOf('</head>'));
    const links = {
      ico: /<link rel="icon" href="(\/static\/favicon\.[0-9a-f]+\.ico)" sizes="32x32">/.exec(head)?.[1],
      svg: /<link rel="icon" href="(\/static\/icon\.[0-9a-f]+\.svg)" type="image\/svg\+xml">/.exec(head)?.[1],
      png: /<link rel="apple-touch-icon" href="(\/static\/apple-touch-icon\.[0-9a-f]+\.png)">/.exec(head)?.[1],
    };
    for (const [kind, href] of Object.entries(links) as [keyof typeof TYPES, string | undefined][]) {
      expect(href, `${kind} icon link`).toBeDefined();
      const response = await t().app.inject({ method: 'GET', url: href! });
      expect(response.statusCode, href).toBe(200);
      expect(response.headers['content-type'], href).toMatch(TYPES[kind]);
      expect(response.headers['cache-control'], href).toContain('immutable');
    }
  });
});
