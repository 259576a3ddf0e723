import type { ViewContext } from '../web/context.js';
import { csrfField, field, formErrorSummary, type FieldErrors } from '../web/forms.js';
import { html, type SafeHtml } from '../web/html.js';
import { page } from '../web/layout.js';
import { timeTag } from '../web/time.js';
import { settingsNav } from './settings-views.js';

/** What a page says where a feature needs mail and this forum sends none. */
const NO_MAIL = 'This forum does not send e-mail (its operator has not set it up)';

export function resetAskPage(ctx: ViewContext, o: { mailAvailable: boolean; login?: string; error?: string }): SafeHtml {
  const body = o.mailAvailable
    ? html`<p>Enter your username or your verified e-mail address. If they belong to an account with a verified address, we send a link there to choose a new password.</p>
${o.error ? html`<div class="error-summary" role="alert"><p class="error-summary-title">${o.error}</p></div>` : ''}
<form method="post" action="/password-reset/">${csrfField(ctx)}
${field({ label: 'Username or e-mail address', name: 'login', value: o.login, required: true, maxlength: 254, autocomplete: 'username' })}
<button type="submit">Send me a reset link</button>
</form>`
    : html`<p>${NO_MAIL}, so it cannot send you a link to reset your password. Ask the forum's administrators for help.</p>`;
  return page(ctx, {
    title: 'Forgot your password?',
    body: html`<h1>Forgot your password?</h1>
${body}
<p><a href="/login">Back to log in</a></p>`,
  });
}

/** The same page whoever was asked about: it must not tell whether they exist. */
export function resetSentPage(ctx: ViewContext): SafeHtml {
  return page(ctx, {
    title: 'Check your mail',
    body: html`<h1>Check your mail</h1>
<p role="status">If that username or address belongs to an account with a verified e-mail address, a link to reset its password is on its way there. The link works once, for an hour.</p>
<p>Nothing arrived? Look in your spam folder, check the spelling, or <a href="/password-reset/">ask again</a>. An account whose address was never verified cannot reset its password by mail.</p>`,
  });
}

export function resetSetPage(ctx: ViewContext, o: { token: string; username: string; errors?: FieldErrors }): SafeHtml {
  return page(ctx, {
    title: 'Choose a new password',
    body: html`<h1>Choose a new password</h1>
${formErrorSummary(o.errors)}
<form method="post" action="/password-reset/${o.token}/">${csrfField(ctx)}
<input type="text" name="username" value="${o.username}" autocomplete="username" hidden>
${field({ label: `New password for ${o.username}`, name: 'new_password', type: 'password', error: o.errors?.new_password, required: true, autocomplete: 'new-password', hint: 'At least 10 characters. Every device signed in to this account is signed out.', autofocus: true })}
<button type="submit">Set new password</button>
</form>`,
  });
}

export function resetDonePage(ctx: ViewContext, o: { username: string }): SafeHtml {
  return page(ctx, {
    title: 'Password changed',
    body: html`<h1>Password changed</h1>
<p role="status">The password of ${o.username} is changed, and every device that was signed in is signed out.</p>
<p><a href="/login">Log in with your new password</a></p>`,
  });
}

/** A mailed link that did nothing: why, and where to go. */
export function linkProblemPage(ctx: ViewContext, o: { title: string; problem: string; next: { href: string; label: string } }): SafeHtml {
  return page(ctx, {
    title: o.title,
    body: html`<h1>${o.title}</h1>
<p>${o.problem}</p>
<p><a href="${o.next.href}">${o.next.label}</a></p>`,
  });
}

export function emailVerifiedPage(ctx: ViewContext, o: { email: string }): SafeHtml {
  return page(ctx, {
    title: 'Address verified',
    body: html`<h1>Address verified</h1>
<p role="status">Thank you: ${o.email} is verified. A forgotten password can now be reset by mail to it.</p>
<p><a href="/">Go to the front page</a></p>`,
  });
}

interface EmailSettings {
  email: string | null;
  verifiedAt: number | null;
  mailAvailable: boolean;
  notice?: string | undefined;
  values?: { email?: string };
  errors?: FieldErrors;
}

export function emailSettingsPage(ctx: ViewContext, o: EmailSettings): SafeHtml {
  const status = !o.email
    ? html`<p>Your account has no e-mail address.</p>`
    : o.verifiedAt !== null
      ? html`<p>Your address is <strong>${o.email}</strong>, verified ${timeTag(o.verifiedAt)}.</p>`
      : html`<p>Your address is <strong>${o.email}</strong>, <strong>not verified</strong> yet.</p>
${o.mailAvailable ? html`<form method="post" action="/settings/email/resend/">${csrfField(ctx)}<p>Follow the link we sent to verify it. Nothing came? <button type="submit" class="link">Send the link again</button></p></form>` : ''}`;
  return page(ctx, {
    title: 'E-mail address',
    body: html`<h1>E-mail address</h1>
${settingsNav()}
${o.notice ? html`<p role="status">${o.notice}</p>` : ''}
${status}
${o.mailAvailable ? '' : html`<p>${NO_MAIL}: addresses cannot be verified, and a forgotten password cannot be reset by mail.</p>`}
${formErrorSummary(o.errors)}
<form method="post" action="/settings/email/">${csrfField(ctx)}
<h2>Change your address</h2>
${field({ label: 'New e-mail address', name: 'email', type: 'email', value: o.values?.email ?? o.email ?? '', error: o.errors?.email, maxlength: 254, autocomplete: 'email', hint: o.mailAvailable ? 'We send a link to verify it. Leave empty to remove your address.' : 'Leave empty to remove your address.' })}
<button type="submit">Save address</button>
</form>`,
  });
}
