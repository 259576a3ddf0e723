// The forum as an installable app that reads offline: the web app manifest,
// the service worker's script (built by scripts/assets.mjs from src/web/sw/),
// the offline page it precaches, and the header that tells the worker whose
// pages it is keeping (src/web/sw/sw.ts: one page cache per viewer).
import { createHmac } from 'node:crypto';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Assets } from './context.js';
import { html } from './html.js';
import { page, THEME } from './layout.js';
import { sendHtml } from './respond.js';
import type { RouteDeps } from './route-deps.js';

/** Names the reader of a page to the service worker: `anonymous`, or an opaque key per account. */
export const VIEWER_HEADER = 'X-Viewer';

export function webAppManifest(assets: Assets) {
  return {
    id: '/',
    name: 'Charcha',
    short_name: 'Charcha',
    description: 'A place to discuss: links, questions and threaded comments.',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    // Light, as the app starts; the page's meta theme-color follows the dark scheme too.
    theme_color: THEME.light,
    background_color: THEME.light,
    icons: [
      { src: assets.icon192, sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: assets.icon512, sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: assets.iconMaskable, sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  };
}

/**
 * The same for every page of one account and different between accounts, yet
 * telling nothing about the account: an HMAC of its id under the app's secret.
 */
export function viewerKey(secretKey: string, userId: number): string {
  return createHmac('sha256', secretKey).update(`viewer:${userId}`).digest('base64url').slice(0, 16);
}

/** Every answer that read the session names its viewer (visitors' cached pages say `anonymous`, all alike). */
export function installViewerHeader(app: FastifyInstance, secretKey: string): void {
  app.addHook('onSend', async (request: FastifyRequest, reply) => {
    if (request.routeOptions.config.session === false) return;
    const user = request.session?.user;
    reply.header(VIEWER_HEADER, user ? viewerKey(secretKey, user.id) : 'anonymous');
  });
}

// The same for everyone, and never personal: no session is read.
const SHARED = { config: { access: 'open', session: false }, schema: { querystring: Type.Object({}, { additionalProperties: false }) } } as const;

export const pwaRoutes: FastifyPluginAsync<RouteDeps> = async (root, deps) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/manifest.webmanifest', SHARED, async (request, reply) => {
    return reply.type('application/manifest+json').send(JSON.stringify(webAppManifest(deps.view(request).assets)));
  });

  // At the root, so its scope is the whole site; no-cache, so browsers see a new version at once.
  app.get('/sw.js', SHARED, async (_request, reply) => {
    return reply.header('Cache-Control', 'no-cache').sendFile('sw.js', { cacheControl: false });
  });

  // Precached by the worker and shown for pages not saved while offline: as a visitor sees it, so it holds nobody's data.
  app.get('/offline', SHARED, async (request, reply) => {
    return sendHtml(reply, offlinePage(deps.view(request)));
  });
};

function offlinePage(ctx: ReturnType<RouteDeps['view']>) {
  return page(ctx, {
    title: 'Offline',
    body: html`<h1>You are offline</h1>
<p>This page was not saved on this device, and the forum cannot be reached just now.
Pages you have read here open without a network, and are brought up to date when you are back online.</p>
<section class="saved-pages" data-saved-pages hidden aria-labelledby="saved-pages-title">
<h2 id="saved-pages-title">Saved discussions</h2>
<ul></ul>
</section>`,
  });
}
