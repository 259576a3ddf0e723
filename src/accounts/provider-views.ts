import type { Identity } from '../db/schema.js';
import type { ViewContext } from '../web/context.js';
import { csrfField, field, formErrorSummary, type FieldErrors } from '../web/forms.js';
import { html, type SafeHtml } from '../web/html.js';
import { page } from '../web/layout.js';
import { timeTag } from '../web/time.js';
import { settingsNav } from './settings-views.js';

export interface ProviderButton {
  name: string;
  label: string;
}

/** "Sign in with …" links for the login page: plain URLs, so any page may link them too. */
export function providerButtons(providers: readonly ProviderButton[], next: string, intro = 'Or use an account you have elsewhere:'): SafeHtml | '' {
  if (providers.length === 0) return '';
  return html`<p class="providers-intro">${intro}</p>
<ul class="plain sign-in-providers" aria-label="Log in with another account">
${providers.map((p) => html`<li><a class="provider-button" href="/auth/${p.name}/login?next=${encodeURIComponent(next)}">Sign in with ${p.label}</a></li>`)}
</ul>`;
}

/** The 404 for /auth/<unknown>/…: which providers this forum offers instead. */
export function enabledProvidersList(providers: readonly ProviderButton[]): SafeHtml {
  if (providers.length === 0) return html`<p>This forum offers no provider sign-in. <a href="/login">Log in</a> with your username and password.</p>`;
  return html`${providerButtons(providers, '/', 'This forum offers:')}<p>Or <a href="/login">log in</a> with your username and password.</p>`;
}

export function chooseUsernamePage(ctx: ViewContext, o: { provider: ProviderButton; username: string; errors?: FieldErrors }): SafeHtml {
  return page(ctx, {
    title: 'Choose a username',
    body: html`<h1>Choose a username</h1>
<p>You signed in with ${o.provider.label}. One step left: the name others will see on your posts and comments.</p>
${formErrorSummary(o.errors)}
<form method="post" action="/auth/${o.provider.name}/username">${csrfField(ctx)}
${field({ label: 'Username', name: 'username', value: o.username, error: o.errors?.username, required: true, maxlength: 30, autocomplete: 'username', hint: '3 to 30 letters, digits, _ or -.' })}
<button type="submit">Create my account</button>
</form>
<p>Already have an account here? <a href="/login?next=%2Fsettings%2Fidentities%2F">Log in</a> and link ${o.provider.label} to it from your settings.</p>`,
  });
}

export function identitiesPage(
  ctx: ViewContext,
  o: { identities: Identity[]; providers: readonly ProviderButton[]; hasPassword: boolean; hasPasskey: boolean; notice?: string; error?: string },
): SafeHtml {
  const label = (name: string) => o.providers.find((p) => p.name === name)?.label ?? name;
  const lastWay = !o.hasPassword && !o.hasPasskey && o.identities.length === 1;
  const items = o.identities.map(
    (i) => html`<li><strong>${label(i.provider)}</strong> <span class="address">${i.email ?? 'no address given'}</span> <span class="meta">linked ${timeTag(i.created_at)}</span> ${
      lastWay
        ? html`<em>your only way to sign in</em>`
        : html`<form method="post" action="/settings/identities/${i.id}/unlink/" class="inline">${csrfField(ctx)}<button type="submit" class="link" aria-label="Unlink ${label(i.provider)} ${i.email ?? ''}">Unlink</button></form>`
    }</li>`,
  );
  return page(ctx, {
    title: 'Sign-in methods',
    body: html`<h1>Sign-in methods</h1>
${settingsNav()}
${o.notice ? html`<p role="status">${o.notice}</p>` : ''}
${o.error ? html`<div class="error-summary" role="alert"><p class="error-summary-title">${o.error}</p></div>` : ''}
<p>${o.hasPassword ? 'You can log in with your username and password.' : 'Your account has no password: you sign in with the accounts below.'}</p>
${
  o.identities.length
    ? html`<h2>Accounts linked to yours</h2><ul class="plain identities">${items}</ul>`
    : html`<p>No other account is linked to yours.</p>`
}
${
  o.providers.length
    ? html`<h2>Link another account</h2>
<p>You will sign in at the provider, then come back here.</p>
<ul class="plain sign-in-providers">${o.providers.map(
        (p) => html`<li><form method="post" action="/auth/${p.name}/login">${csrfField(ctx)}<button type="submit" class="provider-button">Link ${p.label}</button></form></li>`,
      )}</ul>`
    : ''
}`,
  });
}
