import type { ViewContext } from '../web/context.js';
import { csrfField, field, formErrorSummary, type FieldErrors } from '../web/forms.js';
import { html, trustedHtml, type SafeHtml } from '../web/html.js';
import { loginLink, page } from '../web/layout.js';
import { pager } from '../web/pager.js';
import { plural } from '../web/plural.js';
import { timeTag } from '../web/time.js';
import type { ThreadComment } from './comments.js';
import type { PostListItem, PostWithAuthor } from './posts.js';
import { TEXT_MAX, TITLE_MAX } from './posts.js';
import type { ThreadSort } from './thread.js';
import type { ViewerVote, VoteTarget } from './votes.js';
import { MAX_DEPTH } from './wbs.js';


interface Votable {
  id: number;
  author_id: number;
  upvotes: number;
  downvotes: number;
}

/**
 * Up, down, flag and undo as one plain form (each button posts to its own
 * action), so it works without JavaScript; the client script turns the same
 * form into fetch calls. Anonymous readers get a link to log in instead;
 * authors, and read-only views (the embed), just the score.
 */
function voteControls(ctx: ViewContext, target: VoteTarget, item: Votable, vote: ViewerVote | undefined, readOnly = false): SafeHtml {
  const score = item.upvotes - item.downvotes;
  const scoreTag = html`<span class="score">${plural(score, 'point')}</span>`;
  if (readOnly || ctx.user?.id === item.author_id) return html`<span class="votes">${scoreTag}</span>`;
  if (!ctx.user) {
    return html`<span class="votes"><a href="${loginLink(ctx)}" aria-label="Log in to vote">▲</a>${scoreTag}</span>`;
  }
  // Markup kept lean: a listing repeats this 30 times and must stay under 30 KB.
  // Without JavaScript the server sends the browser back via Referer.
  const direction = vote?.direction ?? 0;
  const flagged = vote?.flagged ?? false;
  const base = `/api/${target}s/${item.id}`;
  return html`<form method="post" action="${base}/upvote" class="votes" data-vote>${csrfField(ctx)}<button formaction="${base}/${direction === 1 ? 'unvote' : 'upvote'}" aria-label="Upvote" aria-pressed="${String(direction === 1)}">▲</button><button formaction="${base}/${direction === -1 ? 'unvote' : 'downvote'}" aria-label="Downvote" aria-pressed="${String(direction === -1)}">▼</button>${scoreTag}<button formaction="${base}/${flagged ? 'unflag' : 'flag'}" aria-pressed="${String(flagged)}">${flagged ? 'unflag' : 'flag'}</button></form>`;
}

export function postListPage(
  ctx: ViewContext,
  o: { heading: string; title: string; base: string; posts: PostListItem[]; votes: Map<number, ViewerVote>; page: number; hasMore: boolean },
): SafeHtml {
  const start = (o.page - 1) * 30;
  const rows = o.posts.map(
    (p) => html`<li><article>
<h2><a href="${p.url ?? `/discuss/${p.id}/`}"${p.url ? html` rel="nofollow ugc"` : ''}>${p.title}</a>${p.domain ? html` <span class="domain">(${p.domain})</span>` : ''}</h2>
<div class="meta">${voteControls(ctx, 'post', p, o.votes.get(p.id))} by <a href="/profile/${p.author}/">${p.author}</a> ${timeTag(p.created_at, ctx.now)} · <a href="/discuss/${p.id}/">${p.num_comments === 0 ? 'discuss' : plural(p.num_comments, 'comment')}</a></div>
</article></li>`,
  );
  return page(ctx, {
    title: o.title,
    body: html`<h1>${o.heading}</h1>
${o.posts.length === 0 ? html`<p>Nothing here yet. <a href="/start-discussion/">Start a discussion</a>.</p>` : html`<ol class="stories" start="${start + 1}">${rows}</ol>`}
${pager(o.base, o.page, o.hasMore)}`,
  });
}

export interface DiscussionView {
  post: PostWithAuthor;
  comments: ThreadComment[];
  totalComments: number;
  sort: ThreadSort;
  page: number;
  hasMore: boolean;
  postVote: ViewerVote | undefined;
  commentVotes: Map<number, ViewerVote>;
  commentForm?: { text: string; errors: FieldErrors } | undefined;
  /** The embed: no forms, vote buttons or reply links; permalinks lead to the full page. */
  readOnly?: boolean;
}

function commentBody(ctx: ViewContext, c: ThreadComment, view: DiscussionView): SafeHtml {
  const deleted = c.deleted_at !== null;
  const own = ctx.user?.id === c.author_id;
  const readOnly = view.readOnly ?? false;
  const actions = deleted || readOnly
    ? ''
    : html`<p class="actions">${c.depth < MAX_DEPTH ? html`<a href="${ctx.user ? `/comments/${c.id}/reply/` : loginLink(ctx)}">reply</a>` : ''}${own ? html` <a href="/comments/${c.id}/edit/">edit</a>` : ''}</p>`;
  const permalink = `${readOnly ? `/discuss/${view.post.id}/` : ''}#c${c.id}`;
  return html`<div class="meta">${deleted ? html`<span class="deleted">[deleted]</span>` : html`${voteControls(ctx, 'comment', c, view.commentVotes.get(c.id), readOnly)} <a href="/profile/${c.author}/">${c.author}</a>`} ${timeTag(c.created_at, ctx.now)} <a href="${permalink}" aria-label="Permalink to ${deleted ? 'this' : `${c.author}’s`} comment">#</a></div>
${deleted ? '' : html`<div class="text">${trustedHtml(c.text_html)}</div>`}
${actions}`;
}

/**
 * Nested <details> per comment, so any subtree collapses without JavaScript.
 * A page may start mid-thread (paged long threads): comments whose parent is
 * not on the page start a new nest, with a link up to their parent.
 */
export function commentTree(ctx: ViewContext, view: DiscussionView): SafeHtml {
  const onPage = new Set(view.comments.map((c) => c.id));
  const children = new Map<number | null, ThreadComment[]>();
  const roots: ThreadComment[] = [];
  for (const c of view.comments) {
    if (c.parent_id !== null && onPage.has(c.parent_id)) {
      const list = children.get(c.parent_id);
      if (list) list.push(c);
      else children.set(c.parent_id, [c]);
    } else roots.push(c);
  }
  const render = (c: ThreadComment): SafeHtml => {
    const replies = children.get(c.id) ?? [];
    return html`<li id="c${c.id}" class="comment"><details open><summary>${c.deleted_at === null ? c.author : '[deleted]'}${replies.length ? html` <span class="count">(${plural(replies.length, 'reply', 'replies')})</span>` : ''}</summary>
${c.parent_id !== null && !onPage.has(c.parent_id) ? html`<p class="context"><a href="/comments/${c.parent_id}/">in reply to an earlier comment</a></p>` : ''}${commentBody(ctx, c, view)}${replies.length ? html`<ol class="replies">${replies.map(render)}</ol>` : ''}</details></li>`;
  };
  return html`<ol class="comments">${roots.map(render)}</ol>`;
}

export function commentForm(ctx: ViewContext, action: string, o: { text?: string | undefined; errors?: FieldErrors | undefined; label: string; submit: string }): SafeHtml {
  return html`${formErrorSummary(o.errors)}<form method="post" action="${action}" class="comment-form">${csrfField(ctx)}
${field({ label: o.label, name: 'text', value: o.text, error: o.errors?.text, multiline: true, required: true, maxlength: TEXT_MAX, hint: 'Markdown: *italic*, **bold**, [link](https://…), `code`.' })}
<button type="submit">${o.submit}</button></form>`;
}

export const discussionTitle = (post: PostWithAuthor): string => (post.deleted_at === null ? post.title : '[deleted]');

/** The post itself: title (or its link), score, author, text. */
export function postArticle(ctx: ViewContext, view: DiscussionView): SafeHtml {
  const { post } = view;
  const deleted = post.deleted_at !== null;
  const own = ctx.user?.id === post.author_id && !deleted;
  return html`<article class="post">
<h1>${post.url && !deleted ? html`<a href="${post.url}" rel="nofollow ugc noopener">${post.title}</a> <span class="domain">(${post.domain})</span>` : discussionTitle(post)}</h1>
<div class="meta">${deleted ? '' : voteControls(ctx, 'post', post, view.postVote, view.readOnly)} by <a href="/profile/${post.author}/">${post.author}</a> ${timeTag(post.created_at, ctx.now)}${post.edited_at ? ' (edited)' : ''} · ${plural(post.num_comments, 'comment')}${own ? html` · <a href="/discuss/${post.id}/edit/">edit</a>` : ''}</div>
${deleted ? html`<p class="deleted">This discussion was deleted by its author.</p>` : post.text_html ? html`<div class="text">${trustedHtml(post.text_html)}</div>` : ''}
</article>`;
}

export function discussionPage(ctx: ViewContext, view: DiscussionView): SafeHtml {
  const { post } = view;
  const deleted = post.deleted_at !== null;
  const sortQuery = view.sort === 'old' ? '&sort=old' : '';
  const self = `/discuss/${post.id}/`;
  const sortLinks = html`<p class="sort">Sort: ${view.sort === 'best' ? html`<strong>best</strong> · <a href="${self}?sort=old">oldest</a>` : html`<a href="${self}">best</a> · <strong>oldest</strong>`}</p>`;
  const addComment = deleted
    ? html``
    : ctx.user
      ? commentForm(ctx, self, { text: view.commentForm?.text, errors: view.commentForm?.errors, label: 'Add a comment', submit: 'Comment' })
      : html`<p><a href="${loginLink(ctx)}">Log in</a> to comment.</p>`;
  return page(ctx, {
    title: discussionTitle(post),
    head: html`<link rel="canonical" href="${self}">`,
    body: html`${postArticle(ctx, view)}
<section aria-labelledby="comments-heading" class="thread">
<h2 id="comments-heading">Comments</h2>
${view.page === 1 ? addComment : ''}
${view.totalComments > 1 ? sortLinks : ''}
${commentTree(ctx, view)}
${view.hasMore ? html`<p class="more"><a href="${self}?page=${view.page + 1}${sortQuery}">more comments →</a></p>` : ''}
${view.page > 1 ? html`<p><a href="${self}?page=${view.page - 1}${sortQuery}">← earlier comments</a></p>` : ''}
</section>`,
  });
}

export interface PostFormValues {
  title?: string | undefined;
  url?: string | undefined;
  text?: string | undefined;
}

export function postFormPage(ctx: ViewContext, o: { heading: string; action: string; values: PostFormValues; errors?: FieldErrors | undefined; submit: string; deleteAction?: string }): SafeHtml {
  return page(ctx, {
    title: o.heading,
    body: html`<h1>${o.heading}</h1>
${formErrorSummary(o.errors)}
<form method="post" action="${o.action}">${csrfField(ctx)}
${field({ label: 'Title', name: 'title', value: o.values.title, error: o.errors?.title, required: true, maxlength: TITLE_MAX })}
${field({ label: 'URL', name: 'url', type: 'url', value: o.values.url, error: o.errors?.url, hint: 'Optional: the link you want to discuss.' })}
${field({ label: 'Text', name: 'text', value: o.values.text, error: o.errors?.text, multiline: true, maxlength: TEXT_MAX, hint: 'Optional if you give a URL. Markdown.' })}
<button type="submit">${o.submit}</button>
</form>
${o.deleteAction ? html`<form method="post" action="${o.deleteAction}" class="danger">${csrfField(ctx)}<button type="submit">Delete this discussion</button></form>` : ''}`,
  });
}

export function commentFormPage(
  ctx: ViewContext,
  o: { heading: string; action: string; context?: ThreadComment; text?: string | undefined; errors?: FieldErrors | undefined; submit: string; deleteAction?: string },
): SafeHtml {
  return page(ctx, {
    title: o.heading,
    body: html`<h1>${o.heading}</h1>
${o.context ? html`<blockquote class="quoted"><p class="meta">${o.context.author} ${timeTag(o.context.created_at, ctx.now)}</p><div class="text">${trustedHtml(o.context.text_html)}</div></blockquote>` : ''}
${commentForm(ctx, o.action, { text: o.text, errors: o.errors, label: 'Your comment', submit: o.submit })}
${o.deleteAction ? html`<form method="post" action="${o.deleteAction}" class="danger">${csrfField(ctx)}<button type="submit">Delete this comment</button></form>` : ''}`,
  });
}
