import { html, type SafeHtml } from './html.js';
import type { ViewContext } from './context.js';

export type FieldErrors = Record<string, string>;

export function csrfField(ctx: Pick<ViewContext, 'csrfToken'>): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrfToken ?? ''}">`;
}

interface FieldOptions {
  label: string;
  name: string;
  /** When a page has two fields of one name (one per form); else from the name. */
  id?: string;
  value?: string | undefined;
  error?: string | undefined;
  type?: 'text' | 'password' | 'email' | 'url';
  multiline?: boolean;
  required?: boolean;
  maxlength?: number;
  autocomplete?: string;
  hint?: string;
  autofocus?: boolean;
  /** The on-screen keyboard: `numeric` for one-time codes. */
  inputmode?: 'numeric' | 'tel';
}

/** The id of a form field's control: the error summary links to it. */
const fieldId = (name: string): string => `f-${name}`;

/** A labelled input or textarea with its error message (above it, tied to it for screen readers). */
export function field(o: FieldOptions): SafeHtml {
  const id = o.id ?? fieldId(o.name);
  const described = [o.error ? `${id}-error` : '', o.hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  const common = html`id="${id}" name="${o.name}"${o.required ? html` required` : ''}${o.maxlength ? html` maxlength="${o.maxlength}"` : ''}${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${o.autofocus ? html` autofocus` : ''}${o.inputmode ? html` inputmode="${o.inputmode}"` : ''}${described ? html` aria-describedby="${described}"` : ''}${o.error ? html` aria-invalid="true"` : ''}`;
  const control = o.multiline
    ? html`<textarea ${common} rows="8">${o.value ?? ''}</textarea>`
    : html`<input ${common} type="${o.type ?? 'text'}" value="${o.value ?? ''}">`;
  return html`<div class="field">
<label for="${id}">${o.label}</label>${o.hint ? html`<small id="${id}-hint">${o.hint}</small>` : ''}
${o.error ? html`<p class="error" id="${id}-error">${o.error}</p>` : ''}${control}
</div>`;
}

/** Goes above its form: every problem, each a link to the field at fault. */
export function formErrorSummary(errors: FieldErrors | undefined): SafeHtml {
  const entries = Object.entries(errors ?? {});
  if (entries.length === 0) return html``;
  return html`<div class="error-summary" role="alert"><p class="error-summary-title">There is a problem</p><ul>${entries.map(([name, message]) => html`<li><a href="#${fieldId(name)}">${message}</a></li>`)}</ul></div>`;
}
