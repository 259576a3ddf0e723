import type { ViewContext } from '../web/context.js';
import { csrfField, field, formErrorSummary, type FieldErrors } from '../web/forms.js';
import { html, trustedHtml, type SafeHtml } from '../web/html.js';
import { page } from '../web/layout.js';
import { pager } from '../web/pager.js';
import { plural } from '../web/plural.js';
import { timeTag } from '../web/time.js';
import type { PostListItem } from '../forum/posts.js';
import type { User } from '../db/schema.js';
import { providerButtons, type ProviderButton } from './provider-views.js';
import { passkeyButton } from './two-step/passkey-views.js';

export function signupPage(ctx: ViewContext, o: { values: { username?: string; email?: string }; errors?: FieldErrors; next: string }): SafeHtml {
  return page(ctx, {
    title: 'Sign up',
    body: html`<h1>Sign up</h1>
${formErrorSummary(o.errors)}
<form method="post" action="/signup">${csrfField(ctx)}<input type="hidden" name="next" value="${o.next}">
${field({ label: 'Username', name: 'username', value: o.values.username, error: o.errors?.username, required: true, maxlength: 30, autocomplete: 'username', hint: '3 to 30 letters, digits, _ or -.' })}
${field({ label: 'Password', name: 'password', type: 'password', error: o.errors?.password, required: true, autocomplete: 'new-password', hint: 'At least 10 characters.' })}
${field({ label: 'Email (optional)', name: 'email', type: 'email', value: o.values.email, error: o.errors?.email, autocomplete: 'email' })}
<button type="submit">Create account</button>
</form>
<p>Already have an account? <a href="/login?next=${encodeURIComponent(o.next)}">Log in</a>.</p>`,
  });
}

export function loginPage(ctx: ViewContext, o: { username?: string; error?: string; next: string; providers: readonly ProviderButton[] }): SafeHtml {
  return page(ctx, {
    title: 'Log in',
    body: html`<h1>Log in</h1>
${o.error ? html`<div class="error-summary" role="alert"><p class="error-summary-title">${o.error}</p></div>` : ''}
<form method="post" action="/login">${csrfField(ctx)}<input type="hidden" name="next" value="${o.next}">
${field({ label: 'Username', name: 'username', value: o.username, required: true, maxlength: 30, autocomplete: 'username' })}
${field({ label: 'Password', name: 'password', type: 'password', required: true, autocomplete: 'current-password' })}
<button type="submit">Log in</button>
</form>
<p><a href="/password-reset/">Forgot your password?</a></p>
<p>New here? <a href="/signup?next=${encodeURIComponent(o.next)}">Sign up</a>.</p>
${passkeyButton(ctx, { action: '/login/passkey', next: o.next, label: 'Sign in with a passkey', intro: 'Or sign in without a password:' })}
${providerButtons(o.providers, o.next)}`,
  });
}

interface ProfileComment {
  id: number;
  post_id: number;
  post_title: string;
  text_html: string;
  upvotes: number;
  downvotes: number;
  created_at: number;
}

export function profilePage(
  ctx: ViewContext,
  o: { user: User; posts: PostListItem[]; comments: ProfileComment[]; page: number; hasMore: boolean },
): SafeHtml {
  const base = `/profile/${o.user.username}/`;
  return page(ctx, {
    title: o.user.username,
    body: html`<h1>${o.user.username}</h1>
<dl class="profile"><dt>Karma</dt><dd>${o.user.score}</dd><dt>Joined</dt><dd>${timeTag(o.user.created_at)}${ctx.isNewAccount(o.user.created_at) ? html` <span class="new-account">new account</span>` : ''}</dd></dl>
<section aria-labelledby="posts-heading"><h2 id="posts-heading">Discussions</h2>
${o.posts.length ? html`<ul class="plain">${o.posts.map((p) => html`<li><a href="/discuss/${p.id}/">${p.title}</a> · ${plural(p.upvotes - p.downvotes, 'point')} · ${timeTag(p.created_at)}</li>`)}</ul>` : html`<p>None on this page.</p>`}
</section>
<section aria-labelledby="comments-heading"><h2 id="comments-heading">Comments</h2>
${o.comments.length ? html`<ul class="plain">${o.comments.map((c) => html`<li><p class="meta">on <a href="/comments/${c.id}/">${c.post_title}</a> · ${plural(c.upvotes - c.downvotes, 'point')} · ${timeTag(c.created_at)}</p><div class="text">${trustedHtml(c.text_html)}</div></li>`)}</ul>` : html`<p>None on this page.</p>`}
</section>
${pager(base, o.page, o.hasMore, { prev: '← newer', next: 'older →' })}`,
  });
}
