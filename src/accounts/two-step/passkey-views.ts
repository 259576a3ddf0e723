// Passkeys on the login, second-step, confirm and security pages. Their
// forms start hidden: the client script (web/client/passkeys.ts) shows them
// where the browser can use passkeys, and hides the note saying passkeys need
// JavaScript. Each form posts with fetch: `<action>/options` for the
// challenge, then the device's answer to `<action>`.
import type { Passkey } from '../../db/schema.js';
import type { ViewContext } from '../../web/context.js';
import { csrfField, field } from '../../web/forms.js';
import { html, type SafeHtml } from '../../web/html.js';
import { timeTag } from '../../web/time.js';
import { PASSKEY_NAME_MAX } from '../passkeys.js';

const NEEDS_JS = html`<p data-passkey-fallback>Passkeys need JavaScript, which is off or blocked in this browser.</p>`;

/**
 * A "use a passkey" button (sign in, pass the second step, confirm), outlined
 * beside the page's main form, under `intro` when given; the server sends the
 * browser on to `next`.
 */
export function passkeyButton(ctx: ViewContext, o: { action: string; next: string; label: string; intro?: string }): SafeHtml {
  return html`<div class="passkey-option">${o.intro ? html`<p class="providers-intro">${o.intro}</p>` : ''}
<form method="post" action="${o.action}" data-passkey="get" hidden>${csrfField(ctx)}<input type="hidden" name="next" value="${o.next}">
<button type="submit" class="provider-button">${o.label}</button>
<p class="error" role="alert" data-passkey-error></p>
</form>
${NEEDS_JS}</div>`;
}

/** The security page's passkeys: each with its name (renamable), dates and a remove button; and adding one. */
export function passkeySection(ctx: ViewContext, passkeys: readonly Passkey[]): SafeHtml {
  const items = passkeys.map(
    (p) => html`<li><strong>${p.name}</strong> <small>added ${timeTag(p.created_at)}, ${p.last_used_at === null ? 'never used' : html`last used ${timeTag(p.last_used_at)}`}</small>
<form method="post" action="/settings/security/passkeys/${p.id}/delete" class="inline">${csrfField(ctx)}<button type="submit" class="link" aria-label="Remove ${p.name}">Remove</button></form>
<details><summary>Rename</summary>
<form method="post" action="/settings/security/passkeys/${p.id}/rename">${csrfField(ctx)}
${field({ label: 'New name', name: 'name', id: `f-passkey-name-${p.id}`, value: p.name, required: true, maxlength: PASSKEY_NAME_MAX })}
<button type="submit">Save name</button>
</form></details>
</li>`,
  );
  return html`<section aria-labelledby="passkeys-heading"><h2 id="passkeys-heading">Passkeys</h2>
<p>A passkey signs you in without a password: your phone or computer keeps it, and unlocks it with your fingerprint, face or PIN. It also serves as the second step of two-step sign-in.</p>
${passkeys.length ? html`<ul class="plain identities passkeys">${items}</ul>` : html`<p>You have no passkeys yet.</p>`}
<form method="post" action="/settings/security/passkeys" class="add-passkey" data-passkey="create" hidden>${csrfField(ctx)}
${field({ label: 'Name for the new passkey (optional)', name: 'name', id: 'f-new-passkey-name', maxlength: PASSKEY_NAME_MAX, hint: 'Left empty, it is named after this browser and system, such as “Chrome on Linux”.' })}
<button type="submit">Add a passkey</button>
<p class="error" role="alert" data-passkey-error></p>
</form>
${NEEDS_JS}
</section>`;
}
