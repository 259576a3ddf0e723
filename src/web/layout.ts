import { html, type HtmlValue, type SafeHtml } from './html.js';
import type { ViewContext } from './context.js';
import { csrfField } from './forms.js';

export interface PageOptions {
  title: string;
  body: HtmlValue;
  /** rel=canonical and similar extras for <head>. */
  head?: SafeHtml;
}

export function loginLink(ctx: ViewContext): string {
  return `/login?next=${encodeURIComponent(ctx.path)}`;
}

function header(ctx: ViewContext): SafeHtml {
  const account = ctx.user
    ? html`<a href="/profile/${ctx.user.username}/">${ctx.user.username}</a> <span class="karma" title="karma">(${ctx.user.score})</span> <a href="/settings/sessions/">settings</a>
<form method="post" action="/logout" class="inline">${csrfField(ctx)}<button type="submit" class="link">log out</button></form>`
    : html`<a href="${loginLink(ctx)}">log in</a> <a href="/signup">sign up</a>`;
  return html`<header class="site"><nav aria-label="Main">
<a href="/" class="brand">Charcha</a>
<a href="/new">new</a>
<a href="/start-discussion/">submit</a>
<span class="account">${account}</span>
</nav></header>`;
}

export function page(ctx: ViewContext, options: PageOptions): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Charcha</title>
<link rel="stylesheet" href="${ctx.assets.css}">
<script src="${ctx.assets.js}" defer></script>
${options.head}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${header(ctx)}
<main id="main">
${options.body}
</main>
<footer class="site"><p>Charcha — a place to discuss.</p></footer>
</body>
</html>`;
}
