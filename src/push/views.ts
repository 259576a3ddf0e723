// /settings/notifications/devices/: the browsers that get this person's push
// notifications, each removable with a plain form, and the buttons that turn
// push on or off in this browser. Those need JavaScript and the Push API: the
// box says so until the page script (web/client/push.ts) takes it over.
import type { PushSubscription } from '../db/schema.js';
import { settingsNav } from '../accounts/settings-views.js';
import type { ViewContext } from '../web/context.js';
import { csrfField } from '../web/forms.js';
import { html, type SafeHtml } from '../web/html.js';
import { page } from '../web/layout.js';
import { timeTag } from '../web/time.js';

export const DEVICES_PATH = '/settings/notifications/devices/';

function thisBrowser(ctx: ViewContext, publicKey: string): SafeHtml {
  return html`<section class="push-here" aria-labelledby="push-here-heading" data-push data-key="${publicKey}">
<h2 id="push-here-heading">This browser</h2>
<p data-push-status role="status">Turning notifications on needs JavaScript, which is off or blocked in this browser. The devices below can still be removed.</p>
<form data-push-form hidden>${csrfField(ctx)}
<button type="button" data-push-on hidden>Turn on notifications on this device</button>
<button type="button" data-push-off hidden>Turn off on this device</button>
</form>
</section>`;
}

function devicesTable(ctx: ViewContext, devices: readonly PushSubscription[]): SafeHtml {
  if (devices.length === 0) return html`<p>No device gets your notifications yet.</p>`;
  const rows = devices.map(
    (d) => html`<tr><td>${d.label}</td><td>${timeTag(d.created_at)}</td><td>${d.last_used_at === null ? 'not yet' : timeTag(d.last_used_at)}</td>
<td><form method="post" action="${DEVICES_PATH}${d.id}/delete" class="inline">${csrfField(ctx)}<button type="submit" class="link" aria-label="Remove ${d.label}, added ${new Date(d.created_at).toISOString().slice(0, 10)}">Remove</button></form></td></tr>`,
  );
  return html`<table class="sessions push-devices"><caption>Devices that get your notifications</caption>
<thead><tr><th scope="col">Device</th><th scope="col">Added</th><th scope="col">Last notified</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

export function devicesPage(ctx: ViewContext, o: { devices: readonly PushSubscription[]; publicKey: string | undefined; notice?: string }): SafeHtml {
  return page(ctx, {
    title: 'Devices with notifications',
    body: html`<h1>Devices with notifications</h1>
${settingsNav()}
<p><a href="/settings/notifications/">Back to notification settings</a></p>
${o.notice ? html`<p role="status">${o.notice}</p>` : ''}
<p>A device here shows a notification (a reply to you, a mention) even when this forum is not open in it.</p>
${o.publicKey ? thisBrowser(ctx, o.publicKey) : html`<p>This forum does not send push notifications: its operator has not set them up.</p>`}
<h2>Your devices</h2>
${devicesTable(ctx, o.devices)}`,
  });
}
