import type { ViewContext } from '../../web/context.js';
import { csrfField, field } from '../../web/forms.js';
import { html, type SafeHtml } from '../../web/html.js';
import { page } from '../../web/layout.js';
import type { ProviderButton } from '../provider-views.js';
import { settingsNav } from '../settings-views.js';
import type { Passkey } from '../../db/schema.js';
import type { FactorKind } from './factors.js';
import { authenticatorSection } from './totp-views.js';
import { passkeyButton, passkeySection } from './passkey-views.js';
import { TWO_STEP_PATH } from './sign-in-flow.js';
import { phoneSection, textMeACode } from './phone-views.js';
import type { Phone } from './phones.js';

/** The factors a person types a code from, with the words for the field. */
const CODE_FIELDS: Partial<Record<FactorKind, { label: string; hint: string; numeric: boolean }>> = {
  totp: { label: 'Code from your authenticator app', hint: 'Six digits; a new one every 30 seconds.', numeric: true },
  sms: { label: 'Code from the text message', hint: 'Six digits, sent to your phone.', numeric: true },
  recovery: { label: 'A recovery code', hint: 'One of the codes you saved when you set up two-step sign-in. Each works once.', numeric: false },
};

/** One form per code factor the person has, each posting `method` and `code` (and `next`) to `action`. */
export function codeForms(ctx: ViewContext, o: { methods: readonly FactorKind[]; action: string; next: string; error?: { method: FactorKind; message: string } }): SafeHtml {
  const forms = o.methods.flatMap((method, index) => {
    const words = CODE_FIELDS[method];
    if (!words) return [];
    const error = o.error?.method === method ? o.error.message : undefined;
    const form = html`<form method="post" action="${o.action}" class="code-form">${csrfField(ctx)}<input type="hidden" name="method" value="${method}"><input type="hidden" name="next" value="${o.next}">
${field({ label: words.label, name: 'code', id: `f-code-${method}`, hint: words.hint, error, required: true, maxlength: 40, autocomplete: 'one-time-code', inputmode: words.numeric ? 'numeric' : undefined, autofocus: index === 0 || error !== undefined })}
<button type="submit">Continue</button>
</form>`;
    // The recovery code is the way out when the phone is lost: offered, not in the way.
    if (method === 'sms') return [textMeACode(ctx, o), form];
    return method === 'recovery' ? [html`<details${error ? html` open` : ''}><summary>Lost your phone? Use a recovery code</summary>${form}</details>`] : [form];
  });
  return html`${forms}`;
}

export function secondStepPage(
  ctx: ViewContext,
  o: { methods: readonly FactorKind[]; hasPasskey: boolean; next: string; error?: { method: FactorKind; message: string }; notice?: string },
): SafeHtml {
  return page(ctx, {
    title: 'Two-step sign-in',
    body: html`<h1>Two-step sign-in</h1>
${o.error ? html`<div class="error-summary" role="alert"><p class="error-summary-title">${o.error.message}</p></div>` : ''}
${o.notice ? html`<p role="status">${o.notice}</p>` : ''}
<p>The first step is done (your password, or a provider). Now prove it is you with your second step.</p>
${o.hasPasskey ? passkeyButton(ctx, { action: `${TWO_STEP_PATH}passkey`, next: o.next, label: 'Use a passkey' }) : ''}
${codeForms(ctx, { methods: o.methods, action: '/login/two-step/', next: o.next, error: o.error })}
<p><a href="/login">Start again</a></p>`,
  });
}

export function confirmPage(
  ctx: ViewContext,
  o: {
    hasPassword: boolean;
    hasPasskey: boolean;
    methods: readonly FactorKind[];
    /** Providers the person has linked: confirming goes through one of them. */
    providers: readonly ProviderButton[];
    next: string;
    error?: { method: FactorKind | 'password' | 'provider'; message: string };
    notice?: string;
  },
): SafeHtml {
  const codeError = o.error && o.error.method !== 'password' && o.error.method !== 'provider' ? { method: o.error.method, message: o.error.message } : undefined;
  const passwordForm = o.hasPassword
    ? html`<form method="post" action="/settings/confirm/">${csrfField(ctx)}<input type="hidden" name="method" value="password"><input type="hidden" name="next" value="${o.next}">
${field({ label: 'Your password', name: 'password', type: 'password', required: true, autocomplete: 'current-password', autofocus: true, error: o.error?.method === 'password' ? o.error.message : undefined })}
<button type="submit">Confirm</button>
</form>`
    : '';
  return page(ctx, {
    title: 'Confirm it is you',
    body: html`<h1>Confirm it is you</h1>
${o.error ? html`<div class="error-summary" role="alert"><p class="error-summary-title">${o.error.message}</p></div>` : ''}
${o.notice ? html`<p role="status">${o.notice}</p>` : ''}
<p>You are about to change how you sign in, your address, or your account. You last proved who you are more than 10 minutes ago, so please do it again.</p>
${passwordForm}
${o.hasPasskey ? passkeyButton(ctx, { action: '/settings/confirm/passkey', next: o.next, label: 'Confirm with a passkey' }) : ''}
${o.methods.length > 0 && (o.hasPassword || o.hasPasskey) ? html`<p class="providers-intro">Or use your second step:</p>` : ''}
${codeForms(ctx, { methods: o.methods, action: '/settings/confirm/', next: o.next, error: codeError })}
${confirmWithProviders(ctx, o.providers, o.next, o.hasPassword || o.hasPasskey || o.methods.length > 0)}
<p><a href="/settings/security/">Cancel</a></p>`,
  });
}

/** "Confirm with …": a round trip through a provider the person has linked, which asks them to sign in there again. */
function confirmWithProviders(ctx: ViewContext, providers: readonly ProviderButton[], next: string, hasOtherWays: boolean): SafeHtml | '' {
  if (providers.length === 0) return '';
  // Set apart from the forms above by a rule; alone on the page, it needs none.
  return html`${hasOtherWays ? html`<p class="providers-intro">Or sign in again at a provider linked to your account:</p>` : html`<p>Sign in again at a provider linked to your account:</p>`}
<ul class="plain sign-in-providers">${providers.map(
    (p) => html`<li><form method="post" action="/auth/${p.name}/login">${csrfField(ctx)}<input type="hidden" name="purpose" value="confirm"><input type="hidden" name="next" value="${next}"><button type="submit" class="provider-button">Confirm with ${p.label}</button></form></li>`,
  )}</ul>`;
}

export function securityPage(
  ctx: ViewContext,
  o: {
    hasPassword: boolean;
    methods: readonly FactorKind[];
    recoveryLeft: number;
    passkeys: readonly Passkey[];
    phone: { available: boolean; phone: Phone | undefined };
    notice?: string;
  },
): SafeHtml {
  const twoStepOn = o.methods.length > 0;
  return page(ctx, {
    title: 'Security',
    body: html`<h1>Security</h1>
${settingsNav()}
${o.notice ? html`<p role="status">${o.notice}</p>` : ''}
${ctx.user?.staffPaused ? html`<p class="notice" role="status">Your staff rights wait for two-step sign-in: set up an authenticator app or text-message codes below, then they apply.</p>` : ''}
<section aria-labelledby="password-heading"><h2 id="password-heading">Password</h2>
<p>${o.hasPassword ? html`<a href="/settings/password/">Change your password</a>` : html`Your account has no password: you sign in with a provider or a passkey. <a href="/settings/password/">Set a password</a>`}</p>
</section>
${passkeySection(ctx, o.passkeys)}
<section aria-labelledby="two-step-heading"><h2 id="two-step-heading">Two-step sign-in</h2>
<p>${twoStepOn ? 'On: after your password or provider, sign-in asks for a second step.' : 'Off: set up an authenticator app or text-message codes to turn it on.'}</p>
</section>
${authenticatorSection({ totpOn: o.methods.includes('totp'), twoStepOn, recoveryLeft: o.recoveryLeft })}
${phoneSection(o.phone)}`,
  });
}
