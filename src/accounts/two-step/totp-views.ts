// The authenticator app and recovery codes: their part of /settings/security/,
// setting up an app, and the recovery codes, shown once.
import type { ViewContext } from '../../web/context.js';
import { csrfField, field } from '../../web/forms.js';
import { html, trustedHtml, type SafeHtml } from '../../web/html.js';
import { page } from '../../web/layout.js';
import { settingsNav } from '../settings-views.js';
import { RECOVERY_CODE_COUNT } from './recovery-codes.js';
import type { TotpSetup } from './totp.js';

export const AUTHENTICATOR_PATH = '/settings/security/authenticator/';
export const RECOVERY_CODES_PATH = '/settings/security/recovery-codes/';

/** The security page's section: whether an app is on, and how many recovery codes are left. */
export function authenticatorSection(o: { totpOn: boolean; twoStepOn: boolean; recoveryLeft: number }): SafeHtml {
  const recovery = o.twoStepOn
    ? html`<section aria-labelledby="recovery-heading"><h2 id="recovery-heading">Recovery codes</h2>
<p>${recoveryLeftWords(o.recoveryLeft)} Each works once, in place of your second step, when your phone is lost.</p>
<p><a href="${RECOVERY_CODES_PATH}">Get new recovery codes</a></p>
</section>`
    : '';
  return html`<section aria-labelledby="authenticator-heading"><h2 id="authenticator-heading">Authenticator app</h2>
<p>${o.totpOn ? 'On: sign-in asks for a code from your app.' : 'An app on your phone (such as Aegis, 2FAS, Google Authenticator or 1Password) makes a new six-digit code every 30 seconds.'}</p>
<p><a href="${AUTHENTICATOR_PATH}">${o.totpOn ? 'Turn off or replace your authenticator app' : 'Set up an authenticator app'}</a></p>
</section>
${recovery}`;
}

function recoveryLeftWords(left: number): string {
  if (left === 0) return 'You have no recovery codes left: get new ones now.';
  return `${left} of ${RECOVERY_CODE_COUNT} recovery codes left.`;
}

/** Setting up: the QR code (inline SVG), the same secret as text, and the code that turns it on. */
export function authenticatorSetupPage(ctx: ViewContext, o: { setup: TotpSetup; qrSvg: string; error?: string }): SafeHtml {
  const grouped = o.setup.secret.match(/.{1,4}/g)!.join(' ');
  // qrcode's SVG: paths with fill/stroke attributes, no style and no script, so the CSP allows it inline.
  const qr = trustedHtml(o.qrSvg.replace('<svg ', '<svg class="qr" role="img" aria-labelledby="qr-label" '));
  return page(ctx, {
    title: 'Set up an authenticator app',
    body: html`<h1>Set up an authenticator app</h1>
${settingsNav()}
${o.error ? html`<div class="error-summary" role="alert"><p class="error-summary-title"><a href="#f-code">${o.error}</a></p></div>` : ''}
<ol class="steps">
<li><p id="qr-label">Scan this QR code with your authenticator app.</p>
<div class="qr-frame">${qr}</div>
<p>Or <a href="${o.setup.uri}">open it in the app on this device</a>, or type this key into it (time-based, six digits):</p>
<p><code class="secret-key">${grouped}</code></p></li>
<li><form method="post" action="${AUTHENTICATOR_PATH}">${csrfField(ctx)}
${field({ label: 'Code from the app', name: 'code', hint: 'Six digits; this turns two-step sign-in on.', error: o.error, required: true, maxlength: 20, autocomplete: 'one-time-code', inputmode: 'numeric' })}
<button type="submit">Turn on</button>
</form></li>
</ol>
<p><a href="/settings/security/">Back to security</a></p>`,
  });
}

/** An app is on: turning it off (or off, then on again with a new phone). */
export function authenticatorOnPage(ctx: ViewContext): SafeHtml {
  return page(ctx, {
    title: 'Authenticator app',
    body: html`<h1>Authenticator app</h1>
${settingsNav()}
<p>Your authenticator app is on: sign-in asks for a code from it.</p>
<p>New phone? Turn the app off here, then set it up again: the old phone's codes stop working.</p>
<form method="post" action="${AUTHENTICATOR_PATH}disable/" class="confirm">${csrfField(ctx)}
<button type="submit" class="danger">Turn off the authenticator app</button>
<a href="/settings/security/">Keep it</a>
</form>`,
  });
}

/** Fresh codes, shown this once; or, without them, how many are left and the way to new ones. */
export function recoveryCodesPage(ctx: ViewContext, o: { codes?: readonly string[]; left: number; twoStepOn: boolean; justTurnedOn?: boolean }): SafeHtml {
  const codes = o.codes
    ? html`${o.justTurnedOn ? html`<p role="status" class="notice">Two-step sign-in is on.</p>` : ''}
<p>Save these recovery codes somewhere safe (a password manager, or on paper). Each works once, in place of a code from your app, if you lose your phone. <strong>They are shown only now.</strong></p>
<ul class="recovery-codes">${o.codes.map((code) => html`<li><code>${code}</code></li>`)}</ul>
<p><a href="/settings/security/">I saved them</a></p>`
    : '';
  const regenerate = o.twoStepOn
    ? html`<p>${recoveryLeftWords(o.left)}</p>
<form method="post" action="${RECOVERY_CODES_PATH}" class="confirm">${csrfField(ctx)}
<button type="submit">Get new recovery codes</button>
<small>The old ones stop working.</small>
</form>`
    : html`<p>Recovery codes come with two-step sign-in: <a href="${AUTHENTICATOR_PATH}">set up an authenticator app</a> first.</p>`;
  return page(ctx, {
    title: 'Recovery codes',
    body: html`<h1>Recovery codes</h1>
${settingsNav()}
${o.codes ? codes : regenerate}`,
  });
}
