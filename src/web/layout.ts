import { html, type HtmlValue, type SafeHtml } from './html.js';
import type { ViewContext } from './context.js';
import { csrfField } from './forms.js';

/** The stylesheet's backgrounds (src/web/static/style.css --bg): browser chrome and the installed app's splash. */
export const THEME = { light: '#fdfdfb', dark: '#16171a' } as const;

export interface PageOptions {
  title: string;
  body: HtmlValue;
  /** rel=canonical and similar extras for <head>. */
  head?: SafeHtml;
}

export function loginLink(ctx: ViewContext): string {
  return `/login?next=${encodeURIComponent(ctx.path)}`;
}

/** The notifications link, with the unread count the session lookup read (no query of its own). */
const inboxLink = (unread: number) =>
  unread > 0
    ? html`<a href="/notifications/" class="inbox unread">inbox (${unread} new)</a>`
    : html`<a href="/notifications/" class="inbox">inbox</a>`;

function header(ctx: ViewContext): SafeHtml {
  const account = ctx.user
    ? html`${inboxLink(ctx.user.unreadNotifications)} <a href="/profile/${ctx.user.username}/">${ctx.user.username}</a> <span class="karma" title="karma">(${ctx.user.score})</span> <a href="/settings/sessions/">settings</a>
<form method="post" action="/logout" class="inline">${csrfField(ctx)}<button type="submit" class="link">log out</button></form>`
    : html`<a href="${loginLink(ctx)}">log in</a> <a href="/signup">sign up</a>`;
  return html`<header class="site"><nav aria-label="Main">
<a href="/" class="brand">Charcha</a>
<a href="/new">new</a>
<a href="/start-discussion/">submit</a>
${ctx.can('admin.enter') ? html`<a href="/admin/">admin</a>` : ''}
${ctx.can('flags.view') ? html`<a href="/moderation/">moderation</a>` : ''}
<span class="account">${account}</span>
</nav></header>`;
}

/** The document around a page: what every page's <head> holds, then its own extras and body. */
function documentShell(ctx: Pick<ViewContext, 'assets'>, title: string, head: HtmlValue, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Charcha</title>
<link rel="stylesheet" href="${ctx.assets.css}">
<link rel="icon" href="${ctx.assets.favicon}" sizes="32x32">
<link rel="icon" href="${ctx.assets.iconSvg}" type="image/svg+xml">
<link rel="apple-touch-icon" href="${ctx.assets.appleTouchIcon}">
<link rel="manifest" href="/manifest.webmanifest">
<meta name="theme-color" content="${THEME.light}" media="(prefers-color-scheme: light)">
<meta name="theme-color" content="${THEME.dark}" media="(prefers-color-scheme: dark)">
${head}
</head>
${body}
</html>`;
}

export function page(ctx: ViewContext, options: PageOptions): SafeHtml {
  return documentShell(
    ctx,
    options.title,
    html`<script src="${ctx.assets.js}" defer></script>
${options.head}`,
    html`<body>
<a class="skip" href="#main">Skip to content</a>
${header(ctx)}
<main id="main">
${options.body}
</main>
<footer class="site"><p>Charcha — a place to discuss. <a href="/moderations">Moderation log</a></p></footer>
</body>`,
  );
}

/**
 * A page other sites frame: no site chrome and no script, and every link
 * (stored Markdown's too) opens the full site in a new tab, not in the frame.
 */
export function embeddedPage(ctx: Pick<ViewContext, 'assets'>, options: PageOptions): SafeHtml {
  return documentShell(
    ctx,
    options.title,
    html`<base target="_blank">
${options.head}`,
    html`<body class="embed">
<main>
${options.body}
</main>
</body>`,
  );
}
