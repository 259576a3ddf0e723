// The page's side of reading offline (the worker: src/web/sw/sw.ts):
// registers /sw.js on every page; offers "A new version is ready — reload"
// when an update waits; says so on a page the worker answered from its saved
// copy; stops forms sent offline, with a message, instead of failing; and
// lists the saved discussions on the offline page.
import { relativeTime } from './relative-times.js';

/** A notice at the top of the page's content, read out by screen readers (role=status). */
function notice(className: string, ...content: (Node | string)[]): HTMLElement {
  const status = document.createElement('p');
  status.className = `notice ${className}`;
  status.setAttribute('role', 'status');
  const main = document.querySelector('main') ?? document.body;
  main.prepend(status);
  // Filled once in the page, so the live region announces it.
  status.append(...content);
  return status;
}

/** The worker marks a saved copy with when the server answered it. */
function sayIfSaved(): void {
  const savedAt = document.querySelector<HTMLMetaElement>('meta[name="saved-at"]')?.content;
  if (!savedAt) return;
  const time = document.createElement('time');
  time.dateTime = savedAt;
  time.title = new Date(savedAt).toLocaleString();
  time.textContent = relativeTime(Date.parse(savedAt), Date.now());
  notice('saved-copy', 'You are offline: this is the copy saved on this device ', time, '. It may be out of date.');
}

/** A form sent without a network would fail into the browser's error page: tell the user, keep what they typed. */
function sayNotSent(form: HTMLFormElement, why: string): void {
  // The vote script's fallback marks its form plain; once back online it may enhance it again.
  delete form.dataset.plain;
  let message = form.previousElementSibling;
  if (!message?.classList.contains('offline-form')) {
    message = document.createElement('p');
    message.className = 'notice offline-form';
    message.setAttribute('role', 'alert');
    form.before(message);
  }
  message.textContent = `${why}, so this was not sent. What you entered is still here: send it again once you are back online.`;
}

/**
 * A form sent without a network would fail into the browser's error page: offline, it is
 * stopped here; when the network fails anyway, the worker keeps the page (204) and says so.
 */
function holdFormsOffline(): void {
  let waiting: HTMLFormElement | undefined;
  document.addEventListener(
    'submit',
    (event) => {
      if (navigator.onLine) return;
      event.preventDefault();
      // Before the vote script (and any other) sees it.
      event.stopImmediatePropagation();
      sayNotSent(event.target as HTMLFormElement, 'You are offline');
    },
    { capture: true },
  );
  // Last of all (on window): a post no script took over (the vote script fetches) leaves the page.
  window.addEventListener('submit', (event) => {
    if (!event.defaultPrevented) waiting = event.target as HTMLFormElement;
  });
  // Told to every tab: the one whose post is still waiting for its next page answers.
  navigator.serviceWorker?.addEventListener('message', (event: MessageEvent<{ type?: string } | null>) => {
    if (event.data?.type !== 'POST_FAILED' || !waiting) return;
    sayNotSent(waiting, 'The forum cannot be reached');
    waiting = undefined;
  });
}

/** On /offline/: links to the discussions saved on this device, from the worker's page cache. */
async function listSaved(): Promise<void> {
  const section = document.querySelector<HTMLElement>('[data-saved-pages]');
  if (!section || !('caches' in window)) return;
  const list = section.querySelector('ul')!;
  for (const name of (await caches.keys()).filter((n) => n.startsWith('pages-'))) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const url = new URL(request.url);
      if (!/^\/discuss\/\d+\/$/.test(url.pathname)) continue;
      const saved = await (await cache.match(request))?.text();
      // Parsed, never run: DOMParser's documents have no scripting.
      const title = new DOMParser().parseFromString(saved ?? '', 'text/html').title.replace(/ · Charcha$/, '');
      const link = document.createElement('a');
      link.href = url.pathname + url.search;
      link.textContent = title || url.pathname;
      const item = document.createElement('li');
      item.append(link);
      list.append(item);
    }
  }
  section.hidden = list.children.length === 0;
}

/** The update prompt: the waiting worker takes over when asked, and the page reloads once it has. */
function offerReload(worker: ServiceWorker): void {
  if (document.querySelector('.update-ready')) return;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link';
  button.textContent = 'reload';
  button.addEventListener('click', () => {
    let reloaded = false;
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (reloaded) return;
      reloaded = true;
      window.location.reload();
    });
    worker.postMessage({ type: 'SKIP_WAITING' });
  });
  notice('update-ready', 'A new version is ready — ', button);
}

async function register(): Promise<void> {
  const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  // With no controller this is the first install, which takes over by itself: nothing to offer.
  const offerWhenInstalled = (worker: ServiceWorker | null) => {
    if (!worker) return;
    const check = () => {
      if (worker.state === 'installed' && navigator.serviceWorker.controller) offerReload(worker);
    };
    check();
    worker.addEventListener('statechange', check);
  };
  offerWhenInstalled(registration.waiting);
  offerWhenInstalled(registration.installing);
  registration.addEventListener('updatefound', () => offerWhenInstalled(registration.installing));
}

export function startOfflineReading(): void {
  sayIfSaved();
  holdFormsOffline();
  void listSaved();
  if ('serviceWorker' in navigator) register().catch((err) => console.warn('service worker not registered', err));
}
