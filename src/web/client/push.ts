// Web push on /settings/notifications/devices/: the box marked data-push
// (holding the forum's VAPID public key) starts with a note that it needs
// JavaScript. Here, where the browser has service workers and the Push API,
// the note becomes this browser's state and the matching button shows:
// "Turn on" asks permission, subscribes through the service worker (which the
// page script registers: this module only waits for it) and POSTs the
// subscription to /api/push/subscribe; "Turn off" unsubscribes and tells the
// server. Both POST JSON with the page's CSRF token in X-CSRF-Token.

const NO_PUSH = 'This browser cannot show notifications from websites. On an iPhone or iPad, add this forum to your Home Screen first (Share, then "Add to Home Screen") and open it from there.';
const DENIED =
  'Notifications are blocked for this forum in this browser. To allow them, open the site settings (the icon at the left of the address bar), set Notifications to Allow, then reload this page.';
const NO_WORKER = "The forum's offline helper (service worker) is not running in this browser yet. Reload the page and try again.";
const TROUBLE = 'Something went wrong. Reload the page and try again.';
const WORKER_WAIT_MS = 10_000;

/** The key as pushManager.subscribe wants it: bytes, from the base64url the page holds. */
function keyBytes(base64url: string): ArrayBuffer {
  const binary = atob(base64url.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

function sameKey(a: ArrayBuffer | null, b: ArrayBuffer): boolean {
  if (!a || a.byteLength !== b.byteLength) return false;
  const [x, y] = [new Uint8Array(a), new Uint8Array(b)];
  return x.every((byte, i) => byte === y[i]);
}

/** The service worker's registration, or undefined when none takes over this page in time. */
function workerReady(): Promise<ServiceWorkerRegistration | undefined> {
  return Promise.race([navigator.serviceWorker.ready, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), WORKER_WAIT_MS))]);
}

async function postJson(url: string, token: string, body: unknown): Promise<string | undefined> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRF-Token': token },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  if (response.ok) return undefined;
  const answer = (await response.json().catch(() => ({}))) as { error?: string };
  return answer.error ?? TROUBLE;
}

async function turnOn(registration: ServiceWorkerRegistration, key: ArrayBuffer, token: string): Promise<string | undefined> {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return permission === 'denied' ? DENIED : 'Notifications were not allowed. Press the button again to be asked again.';
  const existing = await registration.pushManager.getSubscription();
  // A subscription made for another key (the forum's keys were changed) cannot be reused.
  if (existing && !sameKey(existing.options.applicationServerKey, key)) await existing.unsubscribe();
  const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  const problem = await postJson('/api/push/subscribe', token, subscription.toJSON());
  if (problem) await subscription.unsubscribe(); // the forum did not keep it: nothing would ever be sent to it
  return problem;
}

async function turnOff(registration: ServiceWorkerRegistration, token: string): Promise<string | undefined> {
  const subscription = await registration.pushManager.getSubscription();
  if (!subscription) return undefined;
  const problem = await postJson('/api/push/unsubscribe', token, { endpoint: subscription.endpoint });
  if (!problem) await subscription.unsubscribe();
  return problem;
}

async function start(box: HTMLElement): Promise<void> {
  const status = box.querySelector<HTMLElement>('[data-push-status]')!;
  const form = box.querySelector<HTMLFormElement>('[data-push-form]')!;
  const on = box.querySelector<HTMLButtonElement>('[data-push-on]')!;
  const off = box.querySelector<HTMLButtonElement>('[data-push-off]')!;
  const token = (form.elements.namedItem('_csrf') as HTMLInputElement | null)?.value ?? '';
  const key = keyBytes(box.dataset.key ?? '');
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    status.textContent = NO_PUSH;
    return;
  }
  status.textContent = 'Checking this browser…';
  const registration = await workerReady();
  if (!registration) {
    status.textContent = NO_WORKER;
    return;
  }
  const show = async (sync = false) => {
    const subscription = Notification.permission === 'granted' ? await registration.pushManager.getSubscription() : null;
    const subscribed = subscription !== null;
    // This browser's subscription may be kept under another account (signed out here without clearing
    // the site's data) or with old keys: sending it again makes it this person's, as the page says.
    const problem = sync && subscription ? await postJson('/api/push/subscribe', token, subscription.toJSON()).catch(() => TROUBLE) : undefined;
    form.hidden = false;
    on.hidden = subscribed;
    off.hidden = !subscribed;
    if (Notification.permission === 'denied') {
      on.hidden = true;
      status.textContent = DENIED;
    } else {
      status.textContent = problem ?? (subscribed ? 'This browser gets your notifications.' : 'This browser does not get your notifications.');
    }
  };
  const act = (work: () => Promise<string | undefined>) => async () => {
    on.disabled = off.disabled = true;
    const problem = await work().catch(() => TROUBLE);
    on.disabled = off.disabled = false;
    // Done: the list below changed too.
    if (!problem) return window.location.reload();
    await show();
    status.textContent = problem;
  };
  on.addEventListener('click', () => void act(() => turnOn(registration, key, token))());
  off.addEventListener('click', () => void act(() => turnOff(registration, token))());
  await show(true);
}

export function enablePush(): void {
  const box = document.querySelector<HTMLElement>('[data-push]');
  if (box) void start(box);
}
