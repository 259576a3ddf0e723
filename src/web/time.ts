import { html, type SafeHtml } from './html.js';

/** "2026-11-25 12:00 UTC": the same words for every reader and every minute, so a page can be cached. */
export function absoluteTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A moment, readable without JavaScript; the page script (client/relative-times.ts) says it as "3 hours ago". */
export function timeTag(thenMs: number): SafeHtml {
  // To the second: milliseconds would only add bytes to every row.
  return html`<time datetime="${new Date(thenMs).toISOString().replace(/\.\d{3}Z$/, 'Z')}">${absoluteTime(thenMs)}</time>`;
}
