// The service worker (/sw.js, built by scripts/assets.mjs: esbuild, then
// Workbox's injectManifest fills in the precache list).
// - The app shell (hashed script, stylesheet, icons) and /offline/ are
//   precached at install and answered cache-first; an update's activate drops
//   what the new list no longer names.
// - Pages worth reading again (the lists, discussions, profiles) are fetched
//   network-first and the answer is saved; offline, the saved copy is shown,
//   marked with when it was saved, and a page never saved gets /offline/.
// - Saved pages hold their reader's data (name, CSRF token): they are kept in
//   one cache per viewer, named by the server's X-Viewer header, and a network
//   answer naming another viewer (someone else signed in, or logged out)
//   deletes the other viewers' caches before anything is saved.
// - A form posted when the network fails leaves the page as it was (204) and
//   the page says it was not sent.
// - Web push: shows the notification; a click focuses or opens its page.
import { CacheExpiration } from 'workbox-expiration';
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkOnly } from 'workbox-strategies';

declare const self: ServiceWorkerGlobalScope;

const shell = self.__WB_MANIFEST;
precacheAndRoute(shell);
const shellUrls = shell.map((entry) => (typeof entry === 'string' ? entry : entry.url));
cleanupOutdatedCaches();

const VIEWER_HEADER = 'X-Viewer';
/** A page cache's name: this prefix and the viewer. A change to how pages are kept changes the version, so activate drops the old ones. */
const PAGES = 'pages-v1-';
/** After this long without an answer the saved copy is shown (the network's answer still updates it). */
const NETWORK_TIMEOUT_MS = 3000;
const EXPIRATION = { maxEntries: 100, maxAgeSeconds: 30 * 24 * 3600 };
/**
 * Read-only pages worth having offline, with any query (page 2 is its own entry); matched
 * against path and query. Never forms, settings, sign-in, admin, moderation or the API.
 */
const KEPT = /^\/(?:new\/?|discuss\/\d+\/?|profile\/[^/?]+\/?)?(?:\?.*)?$/;
const OFFLINE_PAGE = '/offline/';

/** One key per page: /discuss/3 and /discuss/3/ are one page. */
function pageKey(url: URL): string {
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  return `${url.origin}${path}${url.search}`;
}

async function pageCacheNames(): Promise<string[]> {
  return (await caches.keys()).filter((name) => name.startsWith('pages-'));
}

/** Deletes every page cache but `keep` (with its expiration records). */
async function dropPageCaches(keep?: string): Promise<void> {
  for (const name of await pageCacheNames()) {
    if (name === keep) continue;
    await caches.delete(name);
    await new CacheExpiration(name, EXPIRATION).delete();
  }
}

/** Whoever the server now sees is the only one whose pages may stay: returns that viewer's cache. */
async function noteViewer(response: Response): Promise<string | undefined> {
  const viewer = response.headers.get(VIEWER_HEADER);
  if (!viewer) return undefined;
  await dropPageCaches(PAGES + viewer);
  return PAGES + viewer;
}

async function save(key: string, response: Response): Promise<void> {
  const cacheName = await noteViewer(response);
  if (!cacheName || response.status !== 200 || !response.headers.get('content-type')?.startsWith('text/html')) return;
  await (await caches.open(cacheName)).put(key, response);
  const expiration = new CacheExpiration(cacheName, EXPIRATION);
  await expiration.updateTimestamp(key);
  await expiration.expireEntries();
}

/** "style.css" of "/static/style.4af568ca1e.css": an asset's name across builds. */
const assetName = (url: string) => /^\/static\/(.+)\.[0-9a-f]{10}(\.\w+)$/.exec(url)?.slice(1).join('');
/** This build's URL of each asset it precached, by name. */
const currentAssets = new Map(shellUrls.flatMap((url) => (assetName(url) ? [[assetName(url)!, url] as const] : [])));

/**
 * A page saved under an earlier build names that build's stylesheet and script, which the update's
 * activate dropped: offline, it would show unstyled and without its script. It gets this build's.
 */
function withCurrentAssets(html: string): string {
  return html.replace(/\/static\/[\w.-]+\.[0-9a-f]{10}\.\w+/g, (url) => currentAssets.get(assetName(url) ?? '') ?? url);
}

/** The saved copy, with a <meta> the page script turns into its notice (when the server answered it). */
async function savedCopy(key: string): Promise<Response | undefined> {
  // At most one page cache exists: the current viewer's (save() keeps it so).
  const [cacheName] = await pageCacheNames();
  const saved = cacheName ? await (await caches.open(cacheName)).match(key) : undefined;
  if (!saved) return undefined;
  const savedAt = new Date(saved.headers.get('date') ?? Date.now()).toISOString();
  const headers = new Headers(saved.headers);
  // The body is read decoded, and its length changes.
  headers.delete('content-encoding');
  headers.delete('content-length');
  const body = withCurrentAssets(await saved.text()).replace('<head>', `<head>\n<meta name="saved-at" content="${savedAt}">`);
  return new Response(body, { status: saved.status, statusText: saved.statusText, headers });
}

async function offlinePage(): Promise<Response> {
  return (await matchPrecache(OFFLINE_PAGE)) ?? Response.error();
}

const timeout = (ms: number) => new Promise<undefined>((resolve) => setTimeout(resolve, ms));

// Network first for the pages kept; the saved copy when the network fails or is slow.
registerRoute(
  new NavigationRoute(
    async ({ request, event }) => {
      const key = pageKey(new URL(request.url));
      const network = fetch(request);
      event.waitUntil(network.then((response) => save(key, response.clone())).catch(() => undefined));
      const first = await Promise.race([network.catch(() => undefined), timeout(NETWORK_TIMEOUT_MS)]);
      if (first) return first;
      // Slow or failed: the saved copy, else whatever the network gives after all, else the offline page.
      return (await savedCopy(key)) ?? (await network.catch(() => undefined)) ?? offlinePage();
    },
    { allowlist: [KEPT] },
  ),
);

// Every other page: from the network (its viewer noted all the same), and the offline page when there is none.
const networkOnly = new NetworkOnly();
registerRoute(
  new NavigationRoute(async (options) => {
    try {
      const response = await networkOnly.handle(options);
      options.event.waitUntil(noteViewer(response));
      return response;
    } catch {
      return offlinePage();
    }
  }),
);

// A form posted while the network fails: 204 leaves the page as it is, with what was typed
// in it, and the page that posted says it was not sent (src/web/client/sw-register.ts).
// Never logout: its answer's Clear-Site-Data must reach the browser itself, not this worker's fetch.
registerRoute(
  ({ request, url }) => request.mode === 'navigate' && url.pathname !== '/logout',
  async ({ request }) => {
    try {
      return await fetch(request);
    } catch {
      for (const tab of await self.clients.matchAll({ type: 'window' })) tab.postMessage({ type: 'POST_FAILED' });
      return new Response(null, { status: 204 });
    }
  },
  'POST',
);

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  // The page's "A new version is ready — reload" button.
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  // Page caches of an earlier format; then this worker controls the open pages at once (the first visit too).
  event.waitUntil(
    (async () => {
      for (const name of await pageCacheNames()) if (!name.startsWith(PAGES)) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

/** What the push service delivers (issue 12, contract 2). */
interface PushMessage {
  title: string;
  body: string;
  url: string;
  tag: string;
}

const icon = shellUrls.find((url) => /\/icon-192\.[0-9a-f]+\.png$/.test(url));

/** A path on this site, whatever the message says. */
function ownUrl(url: unknown): string {
  const resolved = new URL(typeof url === 'string' ? url : '/', self.location.origin);
  return resolved.origin === self.location.origin ? resolved.href : new URL('/', self.location.origin).href;
}

self.addEventListener('push', (event: PushEvent) => {
  const message = event.data?.json() as PushMessage | undefined;
  if (!message) return;
  event.waitUntil(self.registration.showNotification(message.title, { body: message.body, tag: message.tag, data: { url: ownUrl(message.url) }, icon }));
});

self.addEventListener('notificationclick', (event: NotificationEvent) => {
  event.notification.close();
  const url = ownUrl((event.notification.data as { url?: unknown } | null)?.url);
  event.waitUntil(focusOrOpen(url));
});

/** A tab already at the URL, else one of ours taken there, else a new window. */
async function focusOrOpen(url: string): Promise<void> {
  const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const exact = tabs.find((tab) => tab.url === url);
  if (exact) {
    await exact.focus();
    return;
  }
  for (const tab of tabs) {
    // navigate() works on tabs this worker controls; another may refuse.
    const there = await tab.navigate(url).catch(() => null);
    if (there) {
      await there.focus();
      return;
    }
  }
  await self.clients.openWindow(url);
}
