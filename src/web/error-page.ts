import type { ViewContext } from './context.js';
import { html, type SafeHtml } from './html.js';
import { page } from './layout.js';

const TITLES: Record<number, string> = {
  400: 'That request was not understood',
  401: 'Please log in',
  403: 'Not allowed',
  404: 'Not found',
  413: 'Too large',
  429: 'Slow down',
  503: 'Temporarily unavailable',
};

export function errorPage(ctx: ViewContext, status: number, message: string, extra?: SafeHtml): SafeHtml {
  const title = TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'That did not work');
  return page(ctx, {
    title,
    body: html`<h1>${title}</h1><p>${message}</p>${extra}<p><a href="/">Back to the front page</a></p>`,
  });
}
