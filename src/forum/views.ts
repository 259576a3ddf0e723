import { randomBytes } from 'node:crypto';
import type { ViewContext } from '../web/context.js';
import { DELETED_USER } from '../accounts/deletion.js';
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
import { FLAG_REASONS, type FlagReason, type ViewerVote, type VoteTarget } from './votes.js';
import { REASON_MAX } from '../moderation/service.js';
import { MAX_DEPTH } from './wbs.js';


interface Votable {
  id: number;
  author_id: number;
  created_at: number;
  upvotes: number;
  downvotes: number;
  /** Listings hold live items only, and leave these out. */
  deleted_at?: number | null;
  hidden_at?: number | null;
}

/**
 * The page's one vote form: it holds the CSRF token, once, and every vote
 * button joins it by `form="vote"`, posting to its own `formaction`. So the
 * buttons carry nothing of the reader's session, and a listing stays small.
 * Only signed-in readers get buttons, so only they get the form.
 */
function voteForm(ctx: ViewContext): SafeHtml {
  return ctx.user ? html`<form method="post" id="vote" data-vote>${csrfField(ctx)}</form>` : html``;
}

/** A post's anchor on the pages that list or show it; comments have `c<id>`. */
export const itemAnchor = (target: VoteTarget, id: number) => `${target === 'post' ? 'p' : 'c'}${id}`;

function scoreTag(item: Votable): SafeHtml {
  return html`<span class="score">${plural(item.upvotes - item.downvotes, 'point')}</span>`;
}

interface VoteButtons {
  /** Up and down, side by side; a log-in link for visitors; empty for authors and read-only views. */
  arrows: SafeHtml;
  flag: SafeHtml;
}

/**
 * Up, down and flag (or undo) as plain form buttons, each posting to its own
 * action, so voting works without JavaScript; the client script turns the
 * same posts into fetch calls. The buttons join the page's vote form
 * (voteForm) by `form=`, so the arrows and the flag sit where they read
 * best. Markup kept lean: a listing repeats this 30 times and must stay
 * under 30 KB.
 */
function voteButtons(ctx: ViewContext, target: VoteTarget, item: Votable, vote: ViewerVote | undefined, readOnly = false): VoteButtons {
  if (readOnly || ctx.user?.id === item.author_id) return { arrows: html``, flag: html`` };
  if (!ctx.user) return { arrows: html`<div class="arrows"><a href="${loginLink(ctx)}" aria-label="Log in to vote">▲</a></div>`, flag: html`` };
  const direction = vote?.direction ?? 0;
  const flagged = vote?.flagged ?? false;
  const base = `/api/${target}s/${item.id}`;
  const rated = { ...item, deleted_at: item.deleted_at ?? null, hidden_at: item.hidden_at ?? null };
  // A vote or flag already given can always be taken back; giving one is the policy's call (karma privileges).
  const up = direction === 1 || ctx.can('vote.up', rated);
  const down = direction === -1 || ctx.can('vote.down', rated);
  const mayFlag = flagged || ctx.can('flag', rated);
  if (!up && !down && !mayFlag) return { arrows: html``, flag: html`` };
  return {
    arrows: html`<div class="arrows">${up ? html`<button form="vote" formaction="${base}/${direction === 1 ? 'unvote' : 'upvote'}" aria-label="Upvote" aria-pressed="${String(direction === 1)}">▲</button>` : ''}${down ? html`<button form="vote" formaction="${base}/${direction === -1 ? 'unvote' : 'downvote'}" aria-label="Downvote" aria-pressed="${String(direction === -1)}">▼</button>` : ''}</div>`,
    flag: flagged
      ? // Plain (data-plain): once unflagged, flagging again needs the reason page, which the script cannot show in place.
        html`<button form="vote" formaction="${base}/unflag" aria-pressed="true" data-plain>unflag</button>`
      : mayFlag
        ? html`<a href="${target === 'post' ? `/discuss/${item.id}` : `/comments/${item.id}`}/flag/">flag</a>`
        : html``,
  };
}

/** Who sees what a moderator hid: those who may hide and restore it. */
const seesHidden = (ctx: ViewContext, target: VoteTarget) => ctx.can(target === 'post' ? 'post.hide' : 'comment.hide');

/** A moderator's controls on an item; each leads to a page that asks for the reason. */
function moderationLinks(ctx: ViewContext, target: VoteTarget, item: { id: number; hidden_at: number | null; locked_at?: number | null; pinned_at?: number | null }): SafeHtml[] {
  const link = (action: string) => html`<a href="/moderation/${target}s/${item.id}/${action}/">${action}</a>`;
  const links: SafeHtml[] = [];
  if (seesHidden(ctx, target)) links.push(link(item.hidden_at === null ? 'hide' : 'restore'));
  if (target === 'post' && ctx.can('post.lock')) links.push(link(item.locked_at ? 'unlock' : 'lock'));
  if (target === 'post' && ctx.can('post.pin')) links.push(link(item.pinned_at ? 'unpin' : 'pin'));
  return links;
}

/** A person's name linking to their profile; a deleted account's name links nowhere. */
export function profileLink(name: string): SafeHtml {
  return name === DELETED_USER ? html`<span class="deleted-user">${name}</span>` : html`<a href="/profile/${name}/">${name}</a>`;
}

/** An author's name, linking to their profile, marked while their account is new. */
export function authorLink(ctx: ViewContext, name: string, joinedAt: number): SafeHtml {
  const mark = name !== DELETED_USER && ctx.isNewAccount(joinedAt) ? html` <span class="new-account" title="A new account">new</span>` : '';
  return html`${profileLink(name)}${mark}`;
}

/** A meta line's items, each in a span, so the "·" after it (style.css) wraps with it; empty ones left out. */
export const joined = (items: (SafeHtml | string)[]) =>
  items.filter((item) => (typeof item === 'string' ? item : item.value) !== '').map((item) => html`<span>${item}</span>`);

export function postListPage(
  ctx: ViewContext,
  o: { heading: string; title: string; base: string; posts: PostListItem[]; votes: Map<number, ViewerVote>; page: number; hasMore: boolean },
): SafeHtml {
  const start = (o.page - 1) * 30;
  const rows = o.posts.map((p) => {
    const { arrows, flag } = voteButtons(ctx, 'post', p, o.votes.get(p.id));
    const discuss = html`<a href="/discuss/${p.id}/">${p.num_comments === 0 ? 'discuss' : plural(p.num_comments, 'comment')}</a>`;
    return html`<li id="${itemAnchor('post', p.id)}"><article class="item">${arrows}
<h2><a href="${p.url ?? `/discuss/${p.id}/`}"${p.url ? html` rel="nofollow ugc"` : ''}>${p.title}</a>${p.domain ? html` <span class="domain">(${p.domain})</span>` : ''}</h2>
<div class="meta">${joined([p.pinned_at !== null ? html`<strong class="pinned">pinned</strong>` : '', scoreTag(p), html`by ${authorLink(ctx, p.author, p.author_joined)}`, timeTag(p.created_at), discuss, flag])}</div>
</article></li>`;
  });
  return page(ctx, {
    title: o.title,
    body: html`<h1>${o.heading}</h1>${voteForm(ctx)}
${o.posts.length === 0 ? html`<p>Nothing here yet. <a href="/start-discussion/">Start a discussion</a>.</p>` : html`<ol class="stories" start="${start + 1}">${rows}</ol>`}
${pager(o.base, o.page, o.hasMore)}`,
  });
}

export interface DiscussionView {
  post: PostWithAuthor;
  comments: ThreadComment[];
  /** Two comments or more: the sort links show. */
  sortable: boolean;
  sort: ThreadSort;
  page: number;
  hasMore: boolean;
  postVote: ViewerVote | undefined;
  commentVotes: Map<number, ViewerVote>;
  commentForm?: { text: string; errors: FieldErrors } | undefined;
  /** The embed: no forms, vote buttons or reply links; permalinks lead to the full page. */
  readOnly?: boolean;
  /** The comment tree already made for this version of the thread (shared-tree.ts); the viewer's controls are laid over it. */
  sharedTree?: SharedTree;
  /** The tree's place in the page taken by this (a marker, when the page is sent in parts: thread-body.ts). */
  treeHtml?: SafeHtml;
}

/** What a comment's controls depend on: the few columns a shared tree keeps per comment. */
export type CommentControlsOf = Pick<ThreadComment, 'id' | 'author_id' | 'depth' | 'upvotes' | 'downvotes' | 'created_at' | 'deleted_at' | 'hidden_at'>;

/**
 * A thread's comments made once for every viewer: the HTML between the
 * places where each viewer's own controls go (`fragments`, one more than
 * `slots`), and the comment each place is for.
 */
export interface SharedTree {
  fragments: string[];
  slots: CommentControlsOf[];
}

/** A comment's controls for this viewer: vote arrows, reply, flag, edit, delete, moderation. */
export function commentControls(ctx: ViewContext, c: CommentControlsOf, view: DiscussionView): SafeHtml {
  const { arrows, flag } = voteButtons(ctx, 'comment', c, view.commentVotes.get(c.id));
  const mayReply = c.depth < MAX_DEPTH && (!ctx.user || ctx.can('comment.add', view.post));
  const reply = mayReply ? html`<a href="${ctx.user ? `/comments/${c.id}/reply/` : loginLink(ctx)}">reply</a>` : '';
  const edit = ctx.can('comment.edit', c) ? html`<a href="/comments/${c.id}/edit/">edit</a>` : '';
  const remove = ctx.can('comment.delete', c) ? html`<a href="/comments/${c.id}/delete/">delete</a>` : '';
  return html`<div class="actions">${arrows}${reply}${flag}${edit}${remove}${moderationLinks(ctx, 'comment', c)}</div>`;
}

/** How commentTree fills a comment's controls: this viewer's, or a shared tree's marker. */
type ControlsFiller = (c: ThreadComment) => SafeHtml;

/** A comment's own part: one header line (author, points, age, permalink), its text, then what you can do with it. */
function commentBody(ctx: ViewContext, c: ThreadComment, view: DiscussionView, parentOffPage: boolean, controls: ControlsFiller): SafeHtml {
  const readOnly = view.readOnly ?? false;
  const permalink = `${readOnly ? `/discuss/${view.post.id}/` : ''}#c${c.id}`;
  const context = parentOffPage
    ? html`<p class="context"><a href="/comments/${c.parent_id}/${view.sort === 'old' ? '?sort=old' : ''}">in reply to an earlier comment</a></p>`
    : '';
  if (c.deleted_at !== null) return html`<div class="body">${context}<p class="meta"><span class="deleted">[deleted]</span></p></div>`;
  const hidden = c.hidden_at !== null;
  if (hidden && !seesHidden(ctx, 'comment')) return html`<div class="body">${context}<p class="meta"><span class="deleted">[hidden by a moderator]</span></p></div>`;
  const actions = readOnly ? '' : controls(c);
  const meta = joined([
    hidden ? html`<strong class="hidden-mark">hidden by a moderator</strong>` : '',
    authorLink(ctx, c.author, c.author_joined),
    scoreTag(c),
    timeTag(c.created_at),
    html`<a href="${permalink}" aria-label="Permalink to ${c.author}’s comment">#</a>`,
  ]);
  return html`<div class="body">${context}<p class="meta">${meta}</p>
<div class="text${hidden ? ' hidden-item' : ''}">${trustedHtml(c.text_html)}</div>
${actions}</div>`;
}

/**
 * Nested <details> per comment, so any subtree collapses without JavaScript.
 * A page may start mid-thread (paged long threads): comments whose parent is
 * not on the page start a new nest, with a link up to their parent. Deleted
 * comments show only where replies hang below them.
 */
export function commentTree(ctx: ViewContext, view: DiscussionView, controls: ControlsFiller = (c) => commentControls(ctx, c, view)): SafeHtml {
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
  const render = (c: ThreadComment): SafeHtml | '' => {
    const replies = (children.get(c.id) ?? []).map(render).filter((r) => r !== '');
    const deleted = c.deleted_at !== null;
    if (deleted && replies.length === 0) return '';
    const name = deleted ? '[deleted]' : c.hidden_at !== null && !seesHidden(ctx, 'comment') ? '[hidden]' : c.author;
    // The summary is the fold toggle; the name in it is for when the comment is folded (and for screen readers).
    const count = replies.length ? html`<span class="count">, ${plural(replies.length, 'reply', 'replies')}</span>` : '';
    return html`<li id="c${c.id}" class="comment"><details open><summary><span class="who">${name}${count}</span></summary>
${commentBody(ctx, c, view, c.parent_id !== null && !onPage.has(c.parent_id), controls)}${replies.length ? html`<ol class="replies">${replies}</ol>` : ''}</details></li>`;
  };
  return html`<ol class="comments">${roots.map(render)}</ol>`;
}

/**
 * Makes the tree once for every viewer who sees what this one sees (hidden
 * comments are the only difference: moderators see them). Each comment's
 * controls are left as a marker no text can contain (a fresh random one).
 */
export function sharedCommentTree(ctx: ViewContext, view: DiscussionView): SharedTree {
  const marker = `<!--controls:${randomBytes(12).toString('base64url')}-->`;
  const slots: CommentControlsOf[] = [];
  const made = commentTree(ctx, view, (c) => {
    const { id, author_id, depth, upvotes, downvotes, created_at, deleted_at, hidden_at } = c;
    slots.push({ id, author_id, depth, upvotes, downvotes, created_at, deleted_at, hidden_at });
    return trustedHtml(marker);
  });
  return { fragments: made.value.split(marker), slots };
}

/** A shared tree with this viewer's controls in their places. */
function overlaidTree(ctx: ViewContext, view: DiscussionView, tree: SharedTree): SafeHtml {
  const parts = [tree.fragments[0]!];
  for (const [i, c] of tree.slots.entries()) parts.push(commentControls(ctx, c, view).value, tree.fragments[i + 1]!);
  return trustedHtml(parts.join(''));
}

export function commentForm(ctx: ViewContext, action: string, o: { text?: string | undefined; errors?: FieldErrors | undefined; label: string; submit: string }): SafeHtml {
  return html`${formErrorSummary(o.errors)}<form method="post" action="${action}" class="comment-form">${csrfField(ctx)}
${field({ label: o.label, name: 'text', value: o.text, error: o.errors?.text, multiline: true, required: true, maxlength: TEXT_MAX, hint: 'Markdown: *italic*, **bold**, [link](https://…), `code`.' })}
<button type="submit">${o.submit}</button></form>`;
}

/** A hidden post's words are kept from all but those who may restore it. */
const withheld = (ctx: ViewContext, post: PostWithAuthor) => post.deleted_at !== null || (post.hidden_at !== null && !seesHidden(ctx, 'post'));

export const discussionTitle = (ctx: ViewContext, post: PostWithAuthor): string =>
  post.deleted_at !== null ? '[deleted]' : withheld(ctx, post) ? '[hidden by a moderator]' : post.title;

/** The post itself: title (or its link), score, author, text; whether it is hidden, locked or pinned. */
export function postArticle(ctx: ViewContext, view: DiscussionView): SafeHtml {
  const { post } = view;
  const deleted = withheld(ctx, post);
  const { arrows, flag } = deleted ? { arrows: html``, flag: html`` } : voteButtons(ctx, 'post', post, view.postVote, view.readOnly);
  const hiddenNotice =
    post.hidden_at === null || post.deleted_at !== null ? '' : deleted ? 'This discussion was hidden by a moderator.' : 'Hidden by a moderator: only moderators see it.';
  const meta = joined([
    post.pinned_at !== null ? html`<strong class="pinned">pinned</strong>` : '',
    post.locked_at !== null ? html`<strong class="pinned">locked</strong>` : '',
    deleted ? '' : scoreTag(post),
    html`by ${authorLink(ctx, post.author, post.author_joined)}`,
    html`${timeTag(post.created_at)}${post.edited_at ? ' (edited)' : ''}`,
    plural(post.num_comments, 'comment'),
    flag,
    !view.readOnly && ctx.can('post.edit', post) ? html`<a href="/discuss/${post.id}/edit/">edit</a>` : '',
    !view.readOnly && ctx.can('post.delete', post) ? html`<a href="/discuss/${post.id}/delete/">delete</a>` : '',
    ...(view.readOnly || post.deleted_at !== null ? [] : moderationLinks(ctx, 'post', post)),
  ]);
  return html`<article class="post item" id="${itemAnchor('post', post.id)}">${arrows}
<h1>${post.url && !deleted ? html`<a href="${post.url}" rel="nofollow ugc noopener">${post.title}</a> <span class="domain">(${post.domain})</span>` : discussionTitle(ctx, post)}</h1>
<div class="meta">${meta}</div>
${hiddenNotice ? html`<p class="notice">${hiddenNotice}</p>` : ''}
${post.deleted_at !== null ? html`<p class="deleted">This discussion was deleted.</p>` : deleted ? '' : post.text_html ? html`<div class="text">${trustedHtml(post.text_html)}</div>` : ''}
</article>`;
}

export function discussionPage(ctx: ViewContext, view: DiscussionView): SafeHtml {
  const { post } = view;
  const deleted = post.deleted_at !== null;
  const sortQuery = view.sort === 'old' ? '&sort=old' : '';
  const self = `/discuss/${post.id}/`;
  const sortLinks = html`<p class="sort">Sort: ${view.sort === 'best' ? html`<strong>best</strong> · <a href="${self}?sort=old">oldest</a>` : html`<a href="${self}">best</a> · <strong>oldest</strong>`}</p>`;
  const form = () => commentForm(ctx, self, { text: view.commentForm?.text, errors: view.commentForm?.errors, label: 'Add a comment', submit: 'Comment' });
  // Locked: a notice where the form would be; moderators, who may still comment, get both.
  const locked = post.locked_at !== null ? html`<p class="notice">Locked by a moderator: no new comments.</p>` : html``;
  const addComment =
    deleted || (post.hidden_at !== null && !ctx.can('comment.add', post))
      ? html``
      : ctx.user && ctx.can('comment.add', post)
        ? html`${locked}${form()}`
        : post.locked_at !== null
          ? locked
          : !ctx.user
            ? html`<p><a href="${loginLink(ctx)}">Log in</a> to comment.</p>`
            : html`<p class="notice">You may not comment here.</p>`;
  return page(ctx, {
    title: discussionTitle(ctx, post),
    head: html`<link rel="canonical" href="${self}">`,
    body: html`${voteForm(ctx)}${postArticle(ctx, view)}
<section aria-labelledby="comments-heading" class="thread">
<h2 id="comments-heading">Comments</h2>
${view.page === 1 ? addComment : ''}
${view.sortable ? sortLinks : ''}
${view.treeHtml ?? (view.sharedTree ? overlaidTree(ctx, view, view.sharedTree) : commentTree(ctx, view))}
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

export function postFormPage(ctx: ViewContext, o: { heading: string; action: string; values: PostFormValues; errors?: FieldErrors | undefined; submit: string; /** The delete confirmation page, for what can be deleted. */ deleteLink?: string }): SafeHtml {
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
${o.deleteLink ? html`<p class="danger-zone"><a href="${o.deleteLink}" class="danger">Delete this discussion…</a></p>` : ''}`,
  });
}

export function commentFormPage(
  ctx: ViewContext,
  o: { heading: string; action: string; context?: ThreadComment; text?: string | undefined; errors?: FieldErrors | undefined; submit: string; /** The delete confirmation page, for what can be deleted. */ deleteLink?: string },
): SafeHtml {
  return page(ctx, {
    title: o.heading,
    body: html`<h1>${o.heading}</h1>
${o.context ? html`<blockquote class="quoted"><p class="meta">${o.context.author} ${timeTag(o.context.created_at)}</p><div class="text">${trustedHtml(o.context.text_html)}</div></blockquote>` : ''}
${commentForm(ctx, o.action, { text: o.text, errors: o.errors, label: 'Your comment', submit: o.submit })}
${o.deleteLink ? html`<p class="danger-zone"><a href="${o.deleteLink}" class="danger">Delete this comment…</a></p>` : ''}`,
  });
}

/**
 * "Delete this …?": what would go, and one button that deletes. The edit
 * page and the item's own links lead here, so nothing is deleted by one
 * stray click, with or without JavaScript.
 */
export function deleteConfirmPage(ctx: ViewContext, o: { what: 'comment' | 'discussion'; action: string; cancel: string; quoted: SafeHtml; note: string; moderation?: ModeratorDelete | undefined }): SafeHtml {
  const errors = o.moderation?.error ? { reason: o.moderation.error } : undefined;
  return page(ctx, {
    title: `Delete this ${o.what}?`,
    body: html`<h1>Delete this ${o.what}?</h1>
${formErrorSummary(errors)}
<blockquote class="quoted">${o.quoted}</blockquote>
<p>${o.note}</p>
${
  o.moderation
    ? html`<form method="post" action="${o.action}">${csrfField(ctx)}
${reasonField(o.moderation.reason, o.moderation.error)}
<p class="confirm"><button type="submit" class="danger">Delete this ${o.what}</button> <a href="${o.cancel}">Cancel</a></p></form>`
    : html`<form method="post" action="${o.action}" class="confirm">${csrfField(ctx)}<button type="submit" class="danger">Delete this ${o.what}</button> <a href="${o.cancel}">Cancel</a></form>`
}`,
  });
}

/** A moderator deleting someone else's item gives a reason, for the public log. */
export interface ModeratorDelete {
  reason?: string | undefined;
  error?: string | undefined;
}

/** The reason every moderator's act takes; it is shown in the public moderation log. */
export function reasonField(value?: string, error?: string): SafeHtml {
  return field({ label: 'Reason', name: 'reason', value, error, required: true, maxlength: REASON_MAX, hint: 'Shown in the public moderation log.' });
}

export function deleteCommentPage(ctx: ViewContext, c: { id: number; post_id: number; text_html: string; created_at: number }, author: string, moderation?: ModeratorDelete): SafeHtml {
  return deleteConfirmPage(ctx, {
    what: 'comment',
    action: `/comments/${c.id}/delete/`,
    cancel: `/comments/${c.id}/`,
    quoted: html`<p class="meta">${joined([html`<strong>${author}</strong>`, timeTag(c.created_at)])}</p>${trustedHtml(c.text_html)}`,
    note: 'Its words go for good; replies to it stay, under “[deleted]”.',
    moderation,
  });
}

export function deletePostPage(ctx: ViewContext, post: PostWithAuthor, moderation?: ModeratorDelete): SafeHtml {
  return deleteConfirmPage(ctx, {
    what: 'discussion',
    action: `/discuss/${post.id}/delete/`,
    cancel: `/discuss/${post.id}/`,
    quoted: html`<p><strong>${post.title}</strong>${post.domain ? html` <span class="domain">(${post.domain})</span>` : ''}</p>${post.text_html ? trustedHtml(post.text_html) : ''}`,
    note: `Its title, link and text go for good and it leaves the lists; its ${plural(post.num_comments, 'comment')} stay readable at its address.`,
    moderation,
  });
}

const FLAG_REASON_LABELS: Record<FlagReason, string> = {
  spam: 'Spam: advertising, or posted only for the link',
  'off-topic': 'Off-topic: does not belong on this forum',
  abusive: 'Abusive: a personal attack, harassment or hate',
  other: 'Something else a moderator should look at',
};

/** "Why flag this?": the reason goes with the flag to the vote endpoint, as a plain form. */
export function flagPage(ctx: ViewContext, o: { target: VoteTarget; id: number; quoted: SafeHtml; next: string; cancel: string; error?: string | undefined }): SafeHtml {
  const errors = o.error ? { reason: o.error } : undefined;
  return page(ctx, {
    title: 'Why flag this?',
    body: html`<h1>Why flag this?</h1>
${formErrorSummary(errors)}
<blockquote class="quoted">${o.quoted}</blockquote>
<form method="post" action="/api/${o.target}s/${o.id}/flag">${csrfField(ctx)}<input type="hidden" name="next" value="${o.next}">
<fieldset class="choices"${o.error ? html` aria-describedby="f-reason-error"` : ''}><legend>Your reason goes to the moderators; others do not see who flagged.</legend>
${o.error ? html`<p class="error" id="f-reason-error">${o.error}</p>` : ''}
${FLAG_REASONS.map((reason, i) => html`<label><input type="radio" name="reason" value="${reason}"${i === 0 ? html` id="f-reason"` : ''} required> ${FLAG_REASON_LABELS[reason]}</label>`)}
</fieldset>
<p class="confirm"><button type="submit">Flag</button> <a href="${o.cancel}">Cancel</a></p></form>`,
  });
}
