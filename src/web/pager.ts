import { html, type SafeHtml } from './html.js';

/** Previous/next links for a paginated list; nothing when there is one page. */
export function pager(base: string, pageNumber: number, hasMore: boolean, labels = { prev: '← newer', next: 'more →' }): SafeHtml {
  if (pageNumber === 1 && !hasMore) return html``;
  // The base may carry a query of its own (a search).
  const at = (n: number) => `${base}${base.includes('?') ? '&' : '?'}page=${n}`;
  return html`<nav class="pager" aria-label="Pages">${pageNumber > 1 ? html`<a href="${at(pageNumber - 1)}" rel="prev">${labels.prev}</a>` : ''}${hasMore ? html`<a href="${at(pageNumber + 1)}" rel="next">${labels.next}</a>` : ''}</nav>`;
}
