import type { ViewContext } from '../web/context.js';
import { csrfField } from '../web/forms.js';
import { html, type SafeHtml } from '../web/html.js';
import { page } from '../web/layout.js';
import { pager } from '../web/pager.js';
import { timeTag } from '../web/time.js';
import { profileLink } from '../forum/views.js';
import type { NotificationItem, NotificationKind } from './service.js';

const SAYS: Record<NotificationKind, string> = {
  post_reply: 'replied to your discussion',
  comment_reply: 'replied to your comment in',
  mention: 'mentioned you in',
};

function entry(ctx: ViewContext, n: NotificationItem): SafeHtml {
  const unread = n.read_at === null;
  const markRead = unread
    ? html`<form method="post" action="/notifications/${n.id}/read" class="inline">${csrfField(ctx)}<button type="submit" class="link">mark read</button></form>`
    : '';
  return html`<li class="notification${unread ? ' unread' : ''}"><p class="meta">${unread ? html`<strong class="new-mark">new</strong> ` : ''}${profileLink(n.actor)} ${SAYS[n.kind]} <a href="/comments/${n.comment_id}/">${n.post_title}</a> · ${timeTag(n.created_at)}</p>
<blockquote class="quoted">${n.excerpt}</blockquote>${markRead}</li>`;
}

export function notificationsPage(ctx: ViewContext, o: { items: NotificationItem[]; page: number; hasMore: boolean; unread: number }): SafeHtml {
  return page(ctx, {
    title: 'Notifications',
    body: html`<h1>Notifications</h1>
${o.unread > 0 ? html`<form method="post" action="/notifications/read-all" class="confirm">${csrfField(ctx)}<button type="submit">Mark all ${o.unread} read</button></form>` : ''}
${o.items.length === 0 ? html`<p>Nothing yet. Replies to what you write, and mentions of @${ctx.user?.username ?? ''}, show here.</p>` : html`<ul class="plain notifications">${o.items.map((n) => entry(ctx, n))}</ul>`}
${pager('/notifications/', o.page, o.hasMore, { prev: '← newer', next: 'older →' })}`,
  });
}
