// The installable app's server side: the web app manifest, the worker's script,
// the offline page, the header naming each page's viewer to the worker, and
// logout telling the browser to forget what it kept (the browser side:
// test/browser/offline.test.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PUBLIC_DIR } from '../src/web/assets.js';
import { viewerKey } from '../src/web/pwa.js';
import { useTestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { member, startDiscussion } from './support/forum.js';

describe('the installable app', () => {
  const t = useTestApp();

  it('links the manifest and both theme colours from every page', async () => {
    for (const path of ['/', '/login', '/offline/', '/no-such-page']) {
      const body = (await t().app.inject({ method: 'GET', url: path })).body;
      const head = body.slice(0, body.indexOf('</head>'));
      expect(head, path).toContain('<link rel="manifest" href="/manifest.webmanifest">');
      expect(head, path).toContain('<meta name="theme-color" content="#fdfdfb" media="(prefers-color-scheme: light)">');
      expect(head, path).toContain('<meta name="theme-color" content="#16171a" media="(prefers-color-scheme: dark)">');
    }
  });

  it('answers /manifest.webmanifest with names, colours, scope and icons that exist', async () => {
    const response = await t().app.inject({ method: 'GET', url: '/manifest.webmanifest' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/manifest\+json/);
    expect(response.headers['set-cookie']).toBeUndefined();
    const manifest = response.json<{ icons: { src: string; sizes: string; type: string; purpose: string }[] } & Record<string, unknown>>();
    expect(manifest).toMatchObject({ id: '/', name: 'Charcha', short_name: 'Charcha', start_url: '/', scope: '/', display: 'standalone', theme_color: '#fdfdfb', background_color: '#fdfdfb' });
    expect(manifest.description).toEqual(expect.any(String));
    expect(manifest.icons.map((i) => `${i.sizes} ${i.purpose}`)).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);
    for (const icon of manifest.icons) {
      const file = await t().app.inject({ method: 'GET', url: icon.src });
      expect(file.statusCode, icon.src).toBe(200);
      expect(file.headers['content-type'], icon.src).toBe('image/png');
      expect(file.headers['cache-control'], icon.src).toContain('immutable');
      // The PNG's own size (IHDR) is the one declared.
      const width = file.rawPayload.readUInt32BE(16);
      expect(`${width}x${file.rawPayload.readUInt32BE(20)}`).toBe(icon.sizes);
    }
  });

  it('answers /sw.js at the root, as JavaScript, revalidated every time, with the hashed shell and /offline/ precached', async () => {
    const response = await t().app.inject({ method: 'GET', url: '/sw.js', headers: { 'accept-encoding': 'identity' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers['set-cookie']).toBeUndefined();
    const assets = JSON.parse(readFileSync(`${PUBLIC_DIR}manifest.json`, 'utf8')) as Record<string, string>;
    expect(Object.keys(assets)).toContain('iconMaskable');
    for (const url of Object.values(assets)) expect(response.body).toContain(`{"revision":null,"url":"${url}"}`);
    expect(response.body).toMatch(/\{"revision":"[0-9a-f]{16}","url":"\/offline\/"\}/);
    expect(response.body).not.toContain('self.__WB_MANIFEST');
  });

  it('allows the worker and the manifest in the content security policy', async () => {
    const csp = (await t().app.inject({ method: 'GET', url: '/' })).headers['content-security-policy'] as string;
    expect(csp).toContain("worker-src 'self'");
    expect(csp).toContain("manifest-src 'self'");
    expect(csp).toContain("script-src 'self'");
  });

  it('serves /offline/ as a visitor sees it, whoever asks: it is precached and shown to anyone', async () => {
    const someone = await member(t().app, 'offline');
    const response = await someone.get('/offline/');
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<h1>You are offline</h1>');
    expect(response.body).toContain('data-saved-pages hidden');
    expect(response.body).not.toContain(someone.username);
    expect(response.body).not.toContain('name="_csrf"');
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('names the viewer of each page to the worker: anonymous for visitors, an opaque key per account', async () => {
    const visitor = await t().app.inject({ method: 'GET', url: '/' });
    expect(visitor.headers['x-viewer']).toBe('anonymous');
    const asha = await member(t().app, 'asha');
    const ben = await member(t().app, 'ben');
    const postId = await startDiscussion(asha);
    const ashas = (await asha.get(`/discuss/${postId}/`)).headers['x-viewer'] as string;
    const bens = (await ben.get(`/discuss/${postId}/`)).headers['x-viewer'] as string;
    expect(ashas).toMatch(/^[\w-]{16}$/);
    expect(bens).toMatch(/^[\w-]{16}$/);
    expect(ashas).not.toBe(bens);
    expect((await asha.get('/')).headers['x-viewer']).toBe(ashas);
    const { id } = await t().services.accounts.requireByUsername(asha.username);
    expect(ashas).toBe(viewerKey(t().config.secretKey, id));
    // Files the same for everyone name nobody.
    expect((await t().app.inject({ method: 'GET', url: '/sw.js' })).headers['x-viewer']).toBeUndefined();
  });

  it('tells the browser to clear its caches and storage (the saved pages, the worker) on logout', async () => {
    const someone = await member(t().app, 'leaving');
    const response = await someone.post('/logout');
    expect(response.statusCode).toBe(303);
    expect(response.headers['clear-site-data']).toBe('"cache", "storage"');
  });

  it('keeps a visitor page free of cookies and shared through the page cache', async () => {
    const visitor = new BrowserSession(t().app);
    const first = await visitor.get('/new');
    const second = await visitor.get('/new');
    expect(first.headers['set-cookie']).toBeUndefined();
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers['cache-control']).toMatch(/^public/);
  });
});
