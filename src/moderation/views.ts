import type { ViewContext } from '../web/context.js';
import { csrfField, formErrorSummary, type FieldErrors } from '../web/forms.js';
import { html, trustedHtml, type SafeHtml } from '../web/html.js';
import { page } from '../web/layout.js';
import { pager } from '../web/pager.js';
import { plural } from '../web/plural.js';
import { timeTag } from '../web/time.js';
import { DELETED_USER } from '../accounts/deletion.js';
import { authorLink, joined, profileLink, reasonField } from '../forum/views.js';
import type { VoteTarget } from '../forum/votes.js';
import { REASON_MAX, type ItemActionName, type LogEntry, type LoggedAction, type QueueItem } from './service.js';

/** How the log and the buttons name each act. */
const VERBS: Record<LoggedAction, string> = {
  hide: 'hid',
  restore: 'restored',
  dismiss: 'dismissed the flags on',
  lock: 'locked',
  unlock: 'unlocked',
  pin: 'pinned',
  unpin: 'unpinned',
  delete: 'deleted',
  ban: 'banned',
  unban: 'lifted the ban on',
};
const BUTTONS: Record<ItemActionName, string> = {
  hide: 'Hide',
  restore: 'Restore',
  dismiss: 'Dismiss the flags',
  lock: 'Lock',
  unlock: 'Unlock',
  pin: 'Pin',
  unpin: 'Unpin',
};

const itemUrl = (target: VoteTarget, id: number) => (target === 'post' ? `/discuss/${id}/` : `/comments/${id}/`);
const ISO_DAY = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The queue: every flagged item with its flags counted by reason, and one
 * small form each: a reason and a button per act (Dismiss when Enter is
 * pressed), plus links to delete it or ban its author.
 */
export function queuePage(ctx: ViewContext, items: QueueItem[]): SafeHtml {
  const rows = items.map((item) => {
    const key = `${item.target === 'post' ? 'p' : 'c'}${item.id}`;
    const base = `/moderation/${item.target}s/${item.id}`;
    const acts: ItemActionName[] = [
      ...(ctx.can(item.target === 'post' ? 'post.hide' : 'comment.hide') ? [item.hidden ? ('restore' as const) : ('hide' as const)] : []),
      ...(item.target === 'post' && ctx.can('post.lock') ? [item.locked ? ('unlock' as const) : ('lock' as const)] : []),
    ];
    const heading =
      item.target === 'post'
        ? html`<a href="${itemUrl('post', item.id)}">${item.title}</a>`
        : html`Comment on <a href="/discuss/${item.postId}/">${item.title}</a>`;
    const state = [item.hidden ? 'hidden' : '', item.locked ? 'locked' : '', item.pinned ? 'pinned' : ''].filter(Boolean).join(', ');
    return html`<li class="queue-item" id="${key}"><article>
<h2>${heading}</h2>
<p class="flags"><strong>${plural(item.unreviewed, 'new flag')}</strong>${item.flags > item.unreviewed ? ` (${item.flags} in all)` : ''}: ${item.reasons.map((r) => `${r.reason} ${r.count}`).join(', ')}</p>
${item.target === 'comment' ? html`<blockquote class="quoted"><div class="text">${trustedHtml(item.textHtml)}</div></blockquote>` : ''}
<p class="meta">${joined([
      html`by ${authorLink(ctx, item.author, item.authorJoined)}`,
      timeTag(item.createdAt),
      state ? html`<strong>${state}</strong>` : '',
      item.target === 'comment' ? html`<a href="${itemUrl('comment', item.id)}">in its thread</a>` : '',
      html`<a href="${item.target === 'post' ? `/discuss/${item.id}/delete/` : `/comments/${item.id}/delete/`}">delete…</a>`,
      item.author === DELETED_USER ? '' : html`<a href="/moderation/users/${item.author}/ban/">ban ${item.author}…</a>`,
    ])}</p>
<form method="post" action="${base}/dismiss/" class="moderate">${csrfField(ctx)}<input type="hidden" name="next" value="/moderation/">
<label for="r-${key}">Reason</label> <input id="r-${key}" name="reason" type="text" required maxlength="${REASON_MAX}">
<button type="submit">${BUTTONS.dismiss}</button>${acts.map((a) => html` <button type="submit" formaction="${base}/${a}/">${BUTTONS[a]}</button>`)}
</form>
</article></li>`;
  });
  return page(ctx, {
    title: 'Moderation queue',
    body: html`<h1>Moderation queue</h1>
<p>Posts and comments with flags no moderator has reviewed, most flagged first. Hiding, restoring or dismissing reviews the flags; each act and its reason go in the <a href="/moderations">public moderation log</a>.</p>
${items.length === 0 ? html`<p>Nothing is waiting. Thank you.</p>` : html`<ol class="queue">${rows}</ol>`}`,
  });
}

/** One act on one item, on a page of its own: what it is about, the reason, the button. */
export function actionPage(
  ctx: ViewContext,
  o: { target: VoteTarget; id: number; action: ItemActionName; subject: string; next: string; reason?: string | undefined; errors?: FieldErrors | undefined },
): SafeHtml {
  const what = o.target === 'post' ? 'discussion' : 'comment';
  const title = `${BUTTONS[o.action].replace('the flags', 'flags')} this ${what}`;
  return page(ctx, {
    title,
    body: html`<h1>${title}</h1>
${formErrorSummary(o.errors)}
<blockquote class="quoted"><p><a href="${itemUrl(o.target, o.id)}">${o.subject}</a></p></blockquote>
<form method="post" action="/moderation/${o.target}s/${o.id}/${o.action}/">${csrfField(ctx)}<input type="hidden" name="next" value="${o.next}">
${reasonField(o.reason, o.errors?.reason)}
<p class="confirm"><button type="submit">${BUTTONS[o.action]}</button> <a href="${o.next}">Cancel</a></p></form>`,
  });
}

export interface BanTarget {
  username: string;
  banned_at: number | null;
  banned_until: number | null;
  ban_reason: string | null;
}

/** A user's ban: ban (or change the ban) with a reason and an optional last day; lift it. */
export function banPage(ctx: ViewContext, o: { user: BanTarget; banned: boolean; values?: { reason?: string | undefined; until?: string | undefined }; errors?: FieldErrors | undefined; unbanErrors?: FieldErrors | undefined }): SafeHtml {
  const { user } = o;
  const untilError = o.errors?.until;
  const status = o.banned
    ? html`<p class="notice"><strong>${user.username}</strong> is banned ${user.banned_until === null ? 'until the ban is lifted' : html`until ${ISO_DAY(user.banned_until)} (UTC)`}, since ${timeTag(user.banned_at!)}: ${user.ban_reason}</p>`
    : html`<p><a href="/profile/${user.username}/">${user.username}</a> is not banned.</p>`;
  const unban = o.banned
    ? html`<h2>Lift the ban</h2>
${formErrorSummary(o.unbanErrors)}
<form method="post" action="/moderation/users/${user.username}/unban/">${csrfField(ctx)}
<div class="field"><label for="f-unban-reason">Reason</label><small id="f-unban-reason-hint">Shown in the public moderation log.</small>
${o.unbanErrors?.reason ? html`<p class="error" id="f-unban-reason-error">${o.unbanErrors.reason}</p>` : ''}<input id="f-unban-reason" name="reason" type="text" required maxlength="${REASON_MAX}" aria-describedby="${o.unbanErrors?.reason ? 'f-unban-reason-error ' : ''}f-unban-reason-hint"${o.unbanErrors?.reason ? html` aria-invalid="true"` : ''}></div>
<button type="submit">Lift the ban</button></form>`
    : '';
  return page(ctx, {
    title: `Ban ${user.username}`,
    body: html`<h1>Ban ${user.username}</h1>
${status}
${unban}
<h2>${o.banned ? 'Change the ban' : 'Ban'}</h2>
<p>A ban signs ${user.username} out everywhere at once and refuses their log-ins, showing them the reason. What they wrote stays; hide it separately if it must go.</p>
${formErrorSummary(o.errors)}
<form method="post" action="/moderation/users/${user.username}/ban/">${csrfField(ctx)}
${reasonField(o.values?.reason, o.errors?.reason)}
<div class="field"><label for="f-until">The ban ends on (optional)</label><small id="f-until-hint">The ban ends as this day begins (UTC). Leave it empty for a ban until lifted.</small>
${untilError ? html`<p class="error" id="f-until-error">${untilError}</p>` : ''}<input id="f-until" name="until" type="date" value="${o.values?.until ?? ''}" aria-describedby="${untilError ? 'f-until-error ' : ''}f-until-hint"${untilError ? html` aria-invalid="true"` : ''}></div>
<button type="submit" class="danger">Ban ${user.username}</button></form>`,
  });
}

/**
 * What the entry acted on, linked. The log never repeats what a moderator
 * removed: the words of hidden and deleted items are named to moderators only.
 */
function logTarget(ctx: ViewContext, entry: LogEntry): SafeHtml {
  if (entry.targetType === 'user') return profileLink(entry.subject);
  const url = itemUrl(entry.targetType, entry.targetId);
  const removed = entry.action === 'hide' || entry.action === 'delete';
  if (removed && !ctx.can(entry.targetType === 'post' ? 'post.hide' : 'comment.hide')) {
    return html`<a href="${url}">${entry.targetType === 'post' ? 'a discussion' : 'a comment'}</a>`;
  }
  return html`${entry.targetType === 'post' ? 'the discussion' : 'a comment:'} <a href="${url}">${entry.subject}</a>`;
}

/** The public log: who did what, to what, why and when. */
export function logPage(ctx: ViewContext, o: { entries: LogEntry[]; page: number; hasMore: boolean }): SafeHtml {
  const rows = o.entries.map(
    (e) => html`<li><p>${profileLink(e.moderator)} ${VERBS[e.action] ?? e.action} ${logTarget(ctx, e)} <span class="meta">${timeTag(e.createdAt)}</span></p>
<p class="reason">Reason: ${e.reason}</p></li>`,
  );
  return page(ctx, {
    title: 'Moderation log',
    body: html`<h1>Moderation log</h1>
<p>Every moderator's act on this forum, with the reason they gave, newest first.</p>
${o.entries.length === 0 ? html`<p>No moderator has acted yet.</p>` : html`<ol class="modlog">${rows}</ol>`}
${pager('/moderations', o.page, o.hasMore)}`,
  });
}
