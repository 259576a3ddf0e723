import type { ViewContext } from '../web/context.js';
import { csrfField, field, formErrorSummary, type FieldErrors } from '../web/forms.js';
import { html, type SafeHtml } from '../web/html.js';
import { page } from '../web/layout.js';
import { DELETED_USER } from './deletion.js';
import { settingsNav } from './settings-views.js';

export function deleteAccountPage(ctx: ViewContext, o: { username: string; typed?: string; errors?: FieldErrors; refusal?: string }): SafeHtml {
  return page(ctx, {
    title: 'Delete your account',
    body: html`<h1>Delete your account</h1>
${settingsNav()}
${o.refusal ? html`<div class="error-summary" role="alert"><p class="error-summary-title">${o.refusal}</p></div>` : ''}
${formErrorSummary(o.errors)}
<h2>What goes</h2>
<ul>
<li>Every way to sign in: your password, linked accounts, passkeys, two-step sign-in and its codes.</li>
<li>Every device signed in, this one too.</li>
<li>Your e-mail address, your groups and any staff rights.</li>
</ul>
<h2>What stays</h2>
<ul>
<li>Your posts and comments, shown as written by <strong>${DELETED_USER}</strong>, with no link to a profile. Delete any you want gone first.</li>
<li>Your votes and flags: they stay counted.</li>
<li>The name ${o.username}: nobody else can take it.</li>
</ul>
<p><strong>This cannot be undone.</strong></p>
<form method="post" action="/settings/delete-account/">${csrfField(ctx)}
${field({ label: `Type your username, ${o.username}, to confirm`, name: 'confirm_username', value: o.typed, error: o.errors?.confirm_username, required: true, maxlength: 30, autocomplete: 'off' })}
<button type="submit" class="danger">Delete my account</button>
</form>`,
  });
}

export function accountDeletedPage(ctx: ViewContext): SafeHtml {
  return page(ctx, {
    title: 'Account deleted',
    body: html`<h1>Account deleted</h1>
<p role="status">Your account is deleted and you are signed out everywhere. Your posts and comments now show ${DELETED_USER}.</p>
<p><a href="/">Go to the front page</a></p>`,
  });
}
