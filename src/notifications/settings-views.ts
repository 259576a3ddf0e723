import { settingsNav } from '../accounts/settings-views.js';
import type { ViewContext } from '../web/context.js';
import { csrfField } from '../web/forms.js';
import { html, type SafeHtml } from '../web/html.js';
import { page } from '../web/layout.js';
import { plural } from '../web/plural.js';
import { CHANNELS, EVENTS, EVENT_LABELS, TARGET_LABELS, type Channel, type ChannelSettings, type UnsubscribeTarget } from './delivery.js';

const CHANNEL_LABELS: Record<Channel, string> = { push: 'Push', email: 'E-mail', sms: 'SMS' };
/** What a channel's setting says when the forum has no way to send on it (no VAPID keys, no mail server, no SMS provider), and what it then sends none of. */
const FORUM_LACKS = {
  push: { setting: 'no-push', what: 'push notifications' },
  email: { setting: 'no-mail', what: 'e-mail' },
  sms: { setting: 'no-sms', what: 'text messages' },
} as const satisfies Record<Channel, { setting: string; what: string }>;

const forumLacks = (settings: ChannelSettings, channel: Channel) => settings[channel] === FORUM_LACKS[channel].setting;

/** Why a channel's boxes are disabled, with the way to fix it; null when offered. */
function unavailable(settings: ChannelSettings, channel: Channel): SafeHtml | null {
  if (forumLacks(settings, channel)) return html`this forum sends no ${FORUM_LACKS[channel].what}.`;
  if (channel === 'email' && settings.email === 'no-address') return html`needs a verified address: <a href="/settings/email/">add one in E-mail settings</a>.`;
  if (channel === 'sms' && settings.sms === 'no-phone') return html`needs a verified phone: <a href="/settings/security/phone/">add a phone</a>.`;
  return null;
}

/** /settings/notifications/: events × channels, one form. */
export function notificationSettingsPage(ctx: ViewContext, o: { settings: ChannelSettings; saved: boolean }): SafeHtml {
  const { settings } = o;
  const head = html`<th scope="col">In-app</th>${CHANNELS.map((c) => html`<th scope="col">${CHANNEL_LABELS[c]}</th>`)}`;
  const rows = EVENTS.map((event) => {
    const cells = CHANNELS.map((channel) => {
      // A channel the forum cannot send on at all shows off, whatever was chosen.
      const on = settings.optIns[event][channel] && !forumLacks(settings, channel);
      const disabled = unavailable(settings, channel) !== null;
      return html`<td class="cell"><input type="checkbox" name="on" value="${event}:${channel}" aria-label="${EVENT_LABELS[event]}: ${CHANNEL_LABELS[channel]}"${on ? html` checked` : ''}${disabled ? html` disabled` : ''}></td>`;
    });
    return html`<tr><th scope="row">${EVENT_LABELS[event]}</th><td class="cell"><input type="checkbox" checked disabled aria-label="${EVENT_LABELS[event]}: In-app (always on)"></td>${cells}</tr>`;
  });
  const notes = [
    html`<li><strong>In-app</strong> notifications are always on: <a href="/notifications/">your notifications</a>.</li>`,
    html`<li><strong>Push</strong>: ${unavailable(settings, 'push') ?? html`reaches only the browsers and phones you turned on: <a href="/settings/notifications/devices/">Devices</a>.`}</li>`,
    html`<li><strong>E-mail</strong>: ${unavailable(settings, 'email') ?? 'sent to your verified address; every mail has a one-click unsubscribe link.'}</li>`,
    html`<li><strong>SMS</strong>: ${unavailable(settings, 'sms') ?? 'sent to your verified phone.'} At most ${plural(settings.smsDailyCap, 'text')} a day (UTC); the rest of the day's are not sent.</li>`,
  ];
  return page(ctx, {
    title: 'Notifications',
    body: html`<h1>Notifications</h1>
${settingsNav()}
${o.saved ? html`<p role="status" class="notice">Saved.</p>` : ''}
<form method="post" action="/settings/notifications/">${csrfField(ctx)}
<div class="table-scroll"><table class="admin matrix"><caption>How you hear of each event</caption>
<thead><tr><th scope="col">Event</th>${head}</tr></thead>
<tbody>${rows}</tbody></table></div>
<ul>${notes}</ul>
${emailMode(settings)}
<button type="submit">Save</button>
</form>`,
  });
}

/** E-mail at once, or one digest a day: radio buttons, disabled with the e-mail boxes. */
function emailMode(settings: ChannelSettings): SafeHtml {
  const disabled = settings.email !== 'ok' ? html` disabled` : '';
  const option = (value: 'instant' | 'daily', label: string, checked: boolean) =>
    html`<label><input type="radio" name="email_mode" value="${value}"${checked ? html` checked` : ''}${disabled}> ${label}</label>`;
  return html`<fieldset class="choices"><legend>E-mail</legend>
${option('instant', 'One e-mail for each notification', !settings.emailDigest)}
${option('daily', 'A daily digest instead: the unread ones of the past day, in one e-mail', settings.emailDigest)}
</fieldset>`;
}

export type UnsubscribeState = 'confirm' | 'done' | 'expired' | 'invalid';

/**
 * The link in a notification e-mail. A GET only asks (link scanners fetch
 * every link); the button posts, as a mail program's one-click does.
 */
export function unsubscribePage(ctx: ViewContext, o: { event: UnsubscribeTarget; channel: Channel; action: string; state: UnsubscribeState }): SafeHtml {
  const what = html`${CHANNEL_LABELS[o.channel]} for “${TARGET_LABELS[o.event]}”`;
  const settings = html`<p>You can choose every notification, and where it reaches you, in <a href="/settings/notifications/">your notification settings</a> (after signing in).</p>`;
  const bodies: Record<UnsubscribeState, SafeHtml> = {
    confirm: html`<h1>Unsubscribe</h1>
<p>Turn off ${what}?</p>
<form method="post" action="${o.action}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Turn off ${what}</button></form>
${settings}`,
    done: html`<h1>Unsubscribed</h1>
<p role="status">${what} is off. No more of these will be sent.</p>
${settings}`,
    expired: html`<h1>This link has expired</h1>
<p>Nothing was changed.</p>
${settings}`,
    invalid: html`<h1>This link does not work</h1>
<p>It was changed or cut short on its way. Nothing was changed.</p>
${settings}`,
  };
  return page(ctx, { title: o.state === 'done' ? 'Unsubscribed' : 'Unsubscribe', body: bodies[o.state] });
}
