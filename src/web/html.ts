// HTML from tagged templates. Every interpolated value is escaped unless it is
// already SafeHtml: nested templates compose without markers, and the only way
// to inject markup is `trustedHtml(...)` — grep for it to audit every use.

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const ESCAPE_RE = /[&<>"']/g;

export function escapeHtml(text: string): string {
  return ESCAPE_RE.test(text) ? text.replace(ESCAPE_RE, (ch) => ESCAPES[ch]!) : text;
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) {
    let out = '';
    for (const item of value as readonly HtmlValue[]) out += render(item);
    return out;
  }
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Marks markup as safe: only for HTML this code produced and sanitised itself. */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
