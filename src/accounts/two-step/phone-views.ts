// Text-message codes: the security page's section, the phone settings page
// (/settings/security/phone/), and the "Text me a code" button beside the
// SMS code form on the second step and on /settings/confirm/.
import { formatPhoneNumber } from '../../sms/index.js';
import type { ViewContext } from '../../web/context.js';
import { csrfField, field, formErrorSummary, type FieldErrors } from '../../web/forms.js';
import { html, type SafeHtml } from '../../web/html.js';
import { page } from '../../web/layout.js';
import { timeTag } from '../../web/time.js';
import { settingsNav } from '../settings-views.js';
import type { Phone } from './phones.js';

export const PHONE_PATH = '/settings/security/phone/';
const NO_SMS = 'This forum does not send text messages (its operator has not set it up)';
const countryName = (code: string) => new Intl.DisplayNames(['en'], { type: 'region' }).of(code) ?? code;

/** Only the last digits of a number, for pages shown before the person is signed in. */
export const maskedNumber = (e164: string) => `ending in ${e164.slice(-3)}`;

/** The security page's part: whether codes come by text, and the way to the phone page. */
export function phoneSection(o: { available: boolean; phone: Phone | undefined }): SafeHtml {
  const status = o.phone
    ? html`<p>Your phone ${formatPhoneNumber(o.phone.number)} is verified. Sign-in codes by text: <strong>${o.phone.signInCodes ? 'on' : 'off'}</strong>.</p>`
    : o.available
      ? html`<p>Add your mobile number to get a sign-in code by text message.</p>`
      : html`<p>${NO_SMS}.</p>`;
  const link = o.phone || o.available ? html`<p><a href="${PHONE_PATH}">${o.phone ? 'Manage your phone' : 'Add a phone'}</a></p>` : '';
  return html`<section aria-labelledby="phone-heading"><h2 id="phone-heading">Text-message codes</h2>
${status}
${link}
</section>`;
}

export interface PhonePageOptions {
  available: boolean;
  defaultCountry: string;
  phone: Phone | undefined;
  /** A number waiting for the code just texted to it. */
  pending: { number: string; expiresAt: number } | undefined;
  notice?: string | undefined;
  /** Errors by field: `phone` (the number form) or `code` (the verification form). */
  errors?: FieldErrors;
  typed?: string;
}

export function phonePage(ctx: ViewContext, o: PhonePageOptions): SafeHtml {
  return page(ctx, {
    title: 'Your phone',
    body: html`<h1>Your phone</h1>
${settingsNav()}
<p><a href="/settings/security/">Back to security</a></p>
${o.notice ? html`<p role="status">${o.notice}</p>` : ''}
${o.available ? '' : html`<p>${NO_SMS}: no phone can be verified, and no code is sent by text.</p>`}
${formErrorSummary(o.errors)}
${o.phone ? verifiedPhone(ctx, o.phone) : ''}
${o.available && o.pending ? verifyForm(ctx, o.pending, o.errors?.code, o.phone === undefined || o.phone.signInCodes) : ''}
${o.available ? numberForm(ctx, o) : ''}`,
  });
}

function verifiedPhone(ctx: ViewContext, phone: Phone): SafeHtml {
  const toggle = phone.signInCodes
    ? html`<p>Sign-in codes by text are <strong>on</strong>: after your password, sign-in can ask for a code texted to this phone.</p>
<form method="post" action="${PHONE_PATH}sign-in-codes/">${csrfField(ctx)}<input type="hidden" name="on" value="false"><button type="submit">Turn sign-in codes off</button></form>`
    : html`<p>Sign-in codes by text are <strong>off</strong>.</p>
<form method="post" action="${PHONE_PATH}sign-in-codes/">${csrfField(ctx)}<input type="hidden" name="on" value="true"><button type="submit">Turn sign-in codes on</button></form>`;
  return html`<section aria-labelledby="verified-heading"><h2 id="verified-heading">Verified phone</h2>
<p><strong>${formatPhoneNumber(phone.number)}</strong>, verified ${timeTag(phone.verifiedAt)}.</p>
${toggle}
<form method="post" action="${PHONE_PATH}remove/">${csrfField(ctx)}
<p>Removing the phone also turns sign-in codes by text off; if they were your only second step, two-step sign-in goes off too.</p>
<button type="submit" class="danger">Remove this phone</button>
</form>
</section>`;
}

function verifyForm(ctx: ViewContext, pending: { number: string; expiresAt: number }, error: string | undefined, signInCodes: boolean): SafeHtml {
  return html`<section aria-labelledby="verify-heading"><h2 id="verify-heading">Enter the code</h2>
<p>We texted a code to <strong>${formatPhoneNumber(pending.number)}</strong>. It works once, for 10 minutes (until ${timeOfDay(pending.expiresAt)} UTC).</p>
<form method="post" action="${PHONE_PATH}verify/">${csrfField(ctx)}
${field({ label: 'Code from the text message', name: 'code', hint: 'Six digits.', error, required: true, maxlength: 40, autocomplete: 'one-time-code', inputmode: 'numeric', autofocus: true })}
<div class="field"><label class="check"><input type="checkbox" name="sign_in_codes" value="on"${signInCodes ? html` checked` : ''}> Also text me a code when I sign in (two-step sign-in)</label></div>
<button type="submit">Verify</button>
</form>
<form method="post" action="${PHONE_PATH}">${csrfField(ctx)}<input type="hidden" name="phone" value="${pending.number}"><p>No text came? <button type="submit" class="link">Send a new code</button> (the one before stops working).</p></form>
</section>`;
}

function numberForm(ctx: ViewContext, o: PhonePageOptions): SafeHtml {
  const heading = o.phone || o.pending ? 'Use a different number' : 'Add your mobile number';
  return html`<section aria-labelledby="number-heading"><h2 id="number-heading">${heading}</h2>
<form method="post" action="${PHONE_PATH}">${csrfField(ctx)}
${field({ label: 'Mobile number', name: 'phone', type: 'text', inputmode: 'tel', autocomplete: 'tel', maxlength: 40, required: true, value: o.typed, error: o.errors?.phone, hint: `With its country code, e.g. +91 98765 43210; a number in ${countryName(o.defaultCountry)} may be written without it. We text it a code to verify it.` })}
<button type="submit">Text me a code</button>
</form>
</section>`;
}

/** "Text me a code": above the SMS code form of the second step or of confirming. */
export function textMeACode(ctx: ViewContext, o: { action: string; next: string }): SafeHtml {
  // Outlined (as the provider buttons): the code form's Continue stays the main button.
  return html`<form method="post" action="${o.action}sms/" class="text-me">${csrfField(ctx)}<input type="hidden" name="next" value="${o.next}">
<p>We text a code to your phone when you ask; a new one replaces the one before.</p>
<button type="submit" class="provider-button">Text me a code</button>
</form>`;
}

const timeOfDay = (ms: number) => new Date(ms).toISOString().slice(11, 16);
