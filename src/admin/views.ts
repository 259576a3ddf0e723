import type { Permission } from '../access/permissions.js';
import { DELETED_USER } from '../accounts/deletion.js';
import type { ViewContext } from '../web/context.js';
import { csrfField, field, formErrorSummary, type FieldErrors } from '../web/forms.js';
import { html, type SafeHtml } from '../web/html.js';
import { page } from '../web/layout.js';
import { pager } from '../web/pager.js';
import { timeTag } from '../web/time.js';
import { barChart } from './chart.js';
import { DAY_MS, grantKey, type Activity, type ActivitySeries, type Group, type Holders, type PermissionRow, type UserDetail, type UserRow } from './service.js';

export interface AdminScreen {
  path: string;
  label: string;
  /** The permission the screen manages; null: any staff member. */
  access: Permission | null;
}

export const ADMIN_SCREENS: AdminScreen[] = [
  { path: '/admin/', label: 'Dashboard', access: null },
  { path: '/admin/users/', label: 'Users', access: 'accounts.view_user' },
  { path: '/admin/groups/', label: 'Groups', access: 'accounts.view_group' },
  { path: '/admin/permissions/', label: 'Who holds what', access: 'accounts.view_group' },
];

/** What every admin page shows around its own content. */
export interface AdminPage {
  /** The screens this person may open, for the admin's own navigation. */
  screens: AdminScreen[];
}

function adminPage(ctx: ViewContext, a: AdminPage, title: string, body: SafeHtml): SafeHtml {
  const current = ctx.path.split('?')[0];
  const links = a.screens.map((s) => html`<a href="${s.path}"${s.path === current ? html` aria-current="page"` : ''}>${s.label}</a>`);
  return page(ctx, {
    title: `${title} · Admin`,
    body: html`<nav aria-label="Admin" class="admin-nav">${links}</nav>
<h1>${title}</h1>
${body}`,
  });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** forum.view_post, allowed to break after the dot only. */
const codename = (name: string) => {
  const [app, action] = name.split('.');
  return html`<code>${app}.<wbr>${action}</code>`;
};
const groupLink = (g: Group) => html`<span class="nowrap"><a href="/admin/users/?group=${encodeURIComponent(g.name)}">${g.name}</a> <small>(${g.members})</small></span>`;

const SERIES: Record<ActivitySeries, { title: string; unit: string }> = {
  signups: { title: 'Sign-ups per day', unit: 'Sign-ups' },
  posts: { title: 'Discussions started per day', unit: 'Discussions' },
  comments: { title: 'Comments per day', unit: 'Comments' },
  votes: { title: 'Votes per day', unit: 'Votes' },
  flags: { title: 'Flags per day', unit: 'Flags' },
};

export function dashboardPage(ctx: ViewContext, a: AdminPage & { activity: Activity }): SafeHtml {
  const points = a.activity.days.map((day) => {
    const date = new Date(day * DAY_MS);
    return { label: isoDay(day * DAY_MS), shortLabel: `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}` };
  });
  const charts = (Object.keys(SERIES) as ActivitySeries[]).map((series) => {
    const counts = a.activity.counts[series];
    const total = counts.reduce((sum, n) => sum + n, 0);
    return html`<section class="admin-chart" aria-labelledby="h-${series}">
<h2 id="h-${series}">${SERIES[series].unit} <span class="count">${total} in ${counts.length} days</span></h2>
${barChart({ id: `chart-${series}`, title: SERIES[series].title, unit: SERIES[series].unit, points: points.map((p, i) => ({ ...p, value: counts[i]! })) })}
</section>`;
  });
  return adminPage(ctx, a, 'Dashboard', html`<p>Activity over the last ${a.activity.days.length} days, by day (UTC).</p>
<div class="admin-charts">${charts}</div>`);
}

function staffMarks(u: UserRow): string {
  return u.isSuperuser ? 'superuser' : u.isStaff ? 'staff' : '';
}

export function usersPage(ctx: ViewContext, a: AdminPage & { search: string; group: string; pageNumber: number; users: UserRow[]; hasMore: boolean }): SafeHtml {
  const rows = a.users.map(
    (u) => html`<tr><th scope="row"><a href="/admin/users/${u.id}/">${u.username}</a></th><td class="number">${u.score}</td><td class="nowrap">${timeTag(u.createdAt)}</td><td>${u.groups.join(', ')}</td><td>${staffMarks(u)}</td><td>${u.banned ? html`<strong>banned</strong>` : ''}</td></tr>`,
  );
  const query = new URLSearchParams([...(a.search ? [['q', a.search]] : []), ...(a.group ? [['group', a.group]] : [])]).toString();
  const base = query ? `/admin/users/?${query}` : '/admin/users/';
  const which = html`${a.group ? html` in the group ${a.group}` : ''}${a.search ? html` whose name contains “${a.search}”` : ''}`;
  return adminPage(
    ctx,
    a,
    'Users',
    html`<form method="get" action="/admin/users/" role="search" class="admin-search">
<label for="f-q">Username contains</label>
<input id="f-q" name="q" type="search" value="${a.search}" maxlength="100">
${a.group ? html`<input type="hidden" name="group" value="${a.group}">` : ''}<button type="submit">Search</button>${a.group ? html` <a href="/admin/users/">all groups</a>` : ''}
</form>
${
  a.users.length === 0
    ? html`<p>No user${which}.</p>`
    : html`<div class="table-scroll"><table class="admin"><caption>Users${which}, newest first</caption>
<thead><tr><th scope="col">Username</th><th scope="col">Karma</th><th scope="col">Joined</th><th scope="col">Groups</th><th scope="col">Admin</th><th scope="col">Ban</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
}
${pager(base, a.pageNumber, a.hasMore, { prev: '← newer', next: 'older →' })}`,
  );
}

function banStatus(ctx: ViewContext, u: UserDetail): SafeHtml {
  const target = { id: u.id, is_staff: u.isStaff ? 1 : 0, is_superuser: u.isSuperuser ? 1 : 0 };
  const mayBan = ctx.can('user.ban', target);
  const base = `/moderation/users/${encodeURIComponent(u.username)}`;
  if (u.banned && u.bannedAt !== null) {
    return html`<p><strong>Banned</strong> since ${timeTag(u.bannedAt)}${u.bannedUntil === null ? ', until unbanned' : html`, until <time datetime="${new Date(u.bannedUntil).toISOString()}">${isoDay(u.bannedUntil)}</time>`}.
Reason: ${u.banReason ?? 'none given'}.</p>
${mayBan ? html`<form method="post" action="${base}/unban" class="inline">${csrfField(ctx)}<button type="submit">Unban ${u.username}</button></form>` : ''}`;
  }
  return html`<p>Not banned.</p>${mayBan ? html`<p><a href="${base}/ban">Ban ${u.username}…</a></p>` : ''}`;
}

export function userPage(ctx: ViewContext, a: AdminPage & { user: UserDetail; groups: Group[]; mayChange: boolean; saved: boolean }): SafeHtml {
  const u = a.user;
  const mayChangeStaff = ctx.can('user.set_staff');
  const groupBoxes = a.groups.map(
    (g) => html`<label class="check"><input type="checkbox" name="groups" value="${g.id}"${u.groupIds.includes(g.id) ? html` checked` : ''}> ${g.name}</label>`,
  );
  const memberOf = a.groups.filter((g) => u.groupIds.includes(g.id)).map((g) => g.name);
  const form = html`<form method="post" action="/admin/users/${u.id}/" class="admin-form">${csrfField(ctx)}
<fieldset><legend>Groups</legend>${groupBoxes}</fieldset>
${
  mayChangeStaff
    ? html`<fieldset><legend>Admin</legend><label class="check"><input type="checkbox" name="is_staff" value="1"${u.isStaff ? html` checked` : ''}> Staff: may enter the admin (each screen still needs its permission)</label></fieldset>`
    : ''
}
<button type="submit">Save</button>
</form>`;
  return adminPage(
    ctx,
    a,
    u.username,
    html`${a.saved ? html`<p role="status" class="notice">Saved. The change applies from ${u.username}'s next request.</p>` : ''}
<dl class="admin-facts">
<dt>Profile</dt><dd>${u.username === DELETED_USER ? 'none: the account was deleted' : html`<a href="/profile/${u.username}/">/profile/${u.username}/</a>`}</dd>
<dt>Email</dt><dd>${u.email ?? 'none'}</dd>
<dt>Karma</dt><dd>${u.score}</dd>
<dt>Joined</dt><dd>${timeTag(u.createdAt)}</dd>
<dt>Account</dt><dd>${u.username === DELETED_USER ? 'deleted' : u.isActive ? 'active' : 'switched off'}${u.isSuperuser ? ', superuser (holds every permission)' : u.isStaff ? ', staff' : ''}</dd>
<dt>Granted directly</dt><dd>${u.directPermissions.length ? u.directPermissions.join(', ') : 'nothing'}</dd>
</dl>
${
  u.username === DELETED_USER
    ? html`<p>The person deleted this account: it has no groups, and cannot be banned or changed. Its posts, comments and votes stay.</p>`
    : html`<h2>Ban</h2>
${banStatus(ctx, u)}
<h2>Access</h2>
${a.mayChange ? form : html`<p>${memberOf.length ? memberOf.join(', ') : 'No group.'}</p>`}`
}`,
  );
}

export function groupsPage(
  ctx: ViewContext,
  a: AdminPage & {
    groups: Group[];
    permissions: PermissionRow[];
    grants: Set<string>;
    mayChange: boolean;
    saved?: boolean;
    /** The group just made: it is said so, and its column is there to tick. */
    created?: number | undefined;
    /** The add-a-group form sent back with its errors. */
    newGroup?: { name: string; errors: FieldErrors } | undefined;
  },
): SafeHtml {
  const created = a.groups.find((g) => g.id === a.created);
  const head = a.groups.map((g) => html`<th scope="col">${groupLink(g)}</th>`);
  const rows = a.permissions.map((p) => {
    const cells = a.groups.map((g) => {
      const held = a.grants.has(grantKey(g.id, p.id));
      return html`<td class="cell"><input type="checkbox" name="grant" value="${grantKey(g.id, p.id)}" aria-label="${g.name}: ${p.codename}"${held ? html` checked` : ''}${a.mayChange ? '' : html` disabled`}></td>`;
    });
    return html`<tr><th scope="row">${codename(p.codename)}<br><small>${p.name}</small></th>${cells}</tr>`;
  });
  // The note sits above the scrolling box, not in the caption: a caption is as wide as the table and would run off a phone.
  const table = html`<p class="muted">Superusers hold every permission whatever their groups.</p>
<div class="table-scroll"><table class="admin matrix"><caption>Permissions of each group (members in brackets)</caption>
<thead><tr><th scope="col">Permission</th>${head}</tr></thead>
<tbody>${rows}</tbody></table></div>`;
  return adminPage(
    ctx,
    a,
    'Groups and permissions',
    html`${a.saved ? html`<p role="status" class="notice">Saved. Members get the new permissions on their next request.</p>` : ''}
${created ? html`<p role="status" class="notice">The group “${created.name}” is made. Tick its permissions below, then add people to it on their pages.</p>` : ''}
${formErrorSummary(a.newGroup?.errors)}
${
  a.mayChange
    ? html`<form method="post" action="/admin/groups/" class="admin-form">${csrfField(ctx)}
${table}
<button type="submit">Save all groups</button>
</form>
<h2>Add a group</h2>
<form method="post" action="/admin/groups/new/" class="admin-form">${csrfField(ctx)}
${field({ label: 'Name', name: 'name', value: a.newGroup?.name, error: a.newGroup?.errors.name, required: true, maxlength: 40, hint: 'Letters, digits, spaces, “-” and “_”. It starts with no members and no permissions.' })}
<button type="submit">Add the group</button>
</form>`
    : table
}`,
  );
}

export function holdersPage(ctx: ViewContext, a: AdminPage & { holders: Holders }): SafeHtml {
  const userLinks = (users: { id: number; username: string }[]) => users.map((u, i) => html`${i ? ', ' : ''}<a href="/admin/users/${u.id}/">${u.username}</a>`);
  const rows = a.holders.permissions.map(
    (p) => html`<tr><th scope="row">${codename(p.codename)}<br><small>${p.name}</small></th>
<td>${p.groups.length ? p.groups.map((g, i) => html`${i ? ', ' : ''}${groupLink(g)}`) : html`<span class="muted">none</span>`}</td>
<td>${p.users.length ? userLinks(p.users) : html`<span class="muted">none</span>`}</td></tr>`,
  );
  return adminPage(
    ctx,
    a,
    'Who holds each permission',
    html`<p>Superusers hold every permission: ${a.holders.superusers.length ? userLinks(a.holders.superusers) : 'there are none'}.</p>
<div class="table-scroll"><table class="admin"><caption>Each permission, through groups (members in brackets) and granted directly</caption>
<thead><tr><th scope="col">Permission</th><th scope="col">Groups</th><th scope="col">Users, directly</th></tr></thead>
<tbody>${rows}</tbody></table></div>`,
  );
}
