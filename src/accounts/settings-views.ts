import type { ViewContext } from '../web/context.js';
import { csrfField, field, formErrorSummary, type FieldErrors } from '../web/forms.js';
import { html, type SafeHtml } from '../web/html.js';
import { page } from '../web/layout.js';
import { timeTag } from '../web/time.js';
import { describeDevice } from './devices.js';
import type { SessionSummary } from './sessions.js';

export function settingsNav(): SafeHtml {
  return html`<nav aria-label="Settings"><a href="/settings/sessions/">Sessions</a> · <a href="/settings/security/">Security</a> · <a href="/settings/email/">E-mail</a> · <a href="/settings/notifications/">Notifications</a> · <a href="/settings/identities/">Sign-in methods</a> · <a href="/settings/delete-account/">Delete account</a></nav>`;
}

export function sessionsPage(ctx: ViewContext, o: { sessions: SessionSummary[]; currentId: string; listed: boolean; notice?: string }): SafeHtml {
  const signOutOthers = (label: string) => html`<form method="post" action="/settings/sessions/sign-out-others/">${csrfField(ctx)}<button type="submit">${label}</button></form>`;
  return page(ctx, {
    title: 'Your sessions',
    body: html`<h1>Your sessions</h1>
${settingsNav()}
${o.notice ? html`<p role="status">${o.notice}</p>` : ''}
${o.listed ? sessionsTable(o.sessions, o.currentId, signOutOthers) : unlistedSessions(signOutOthers)}`,
  });
}

function sessionsTable(sessions: SessionSummary[], currentId: string, signOutOthers: (label: string) => SafeHtml): SafeHtml {
  const others = sessions.filter((s) => s.id !== currentId).length;
  const rows = sessions.map(
    (s) => html`<tr><td>${describeDevice(s.userAgent)}${s.id === currentId ? html` <strong>(this device)</strong>` : ''}</td><td>${s.ip}</td><td>${timeTag(s.createdAt)}</td><td>${timeTag(s.lastSeenAt)}</td></tr>`,
  );
  return html`<table class="sessions"><caption>Devices signed in to your account</caption>
<thead><tr><th scope="col">Device</th><th scope="col">Address</th><th scope="col">Signed in</th><th scope="col">Last seen</th></tr></thead>
<tbody>${rows}</tbody></table>
${others > 0 ? signOutOthers(`Sign out the ${others} other session${others === 1 ? '' : 's'}`) : html`<p>No other device is signed in.</p>`}`;
}

/** SESSION_STORE=cookie: each session lives only in its own browser's cookie, so there is no list to show. */
function unlistedSessions(signOutOthers: (label: string) => SafeHtml): SafeHtml {
  return html`<p>This forum keeps your session in an encrypted cookie in your browser, not on the server, so it cannot list the devices you are signed in on.</p>
<p>Logging out on any device signs you out on all of them: a copy of a cookie must not outlive a logout.</p>
${signOutOthers('Sign out everywhere else')}`;
}

/** Change the password, or, for an account without one (provider sign-in), set a first one. */
export function passwordPage(ctx: ViewContext, o: { hasPassword: boolean; errors?: FieldErrors }): SafeHtml {
  const title = o.hasPassword ? 'Change password' : 'Set a password';
  return page(ctx, {
    title,
    body: html`<h1>${title}</h1>
${settingsNav()}
${o.hasPassword ? '' : html`<p>Your account has no password: you sign in with a provider. With a password you can also log in with your username.</p>`}
${formErrorSummary(o.errors)}
<form method="post" action="/settings/password/">${csrfField(ctx)}
${o.hasPassword ? field({ label: 'Current password', name: 'current_password', type: 'password', error: o.errors?.current_password, required: true, autocomplete: 'current-password' }) : ''}
${field({ label: 'New password', name: 'new_password', type: 'password', error: o.errors?.new_password, required: true, autocomplete: 'new-password', hint: 'At least 10 characters. Every other session is signed out.' })}
<button type="submit">${title}</button>
</form>`,
  });
}
