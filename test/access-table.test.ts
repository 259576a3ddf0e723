// Who gets what: every registered route, requested by each kind of person,
// answers the status written in this table. A new route fails here until it
// is given its row, so its access rule is a decision, not an accident.
// Each request runs on fresh items (a discussion and a comment by someone
// else) and a fresh session, so one row's deletes or sign-outs cannot
// change another's answer.
import { beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../src/db/schema.js';
import { useTestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';

const ROLES = ['visitor', 'member', 'moderator', 'admin', 'banned'] as const;
type Role = (typeof ROLES)[number];

/** Statuses for visitor, member, moderator, admin, banned (a member banned after signing in: a visitor again). */
type Row = [visitor: number, member: number, moderator: number, admin: number, banned: number];

const PASSWORD = 'a-long-enough-secret';
const READ: Row = [200, 200, 200, 200, 200];
/** Needs a signed-in member; refused visitors are sent to log in (303). */
const MEMBERS: (ok: number) => Row = (ok) => [303, ok, ok, ok, 303];
/** Someone else's item: a member may not; moderators and admins may. */
const OTHERS_ITEM: (ok: number) => Row = (ok) => [303, 403, ok, ok, 303];
/** Moderation: moderators and admins (who hold every permission). */
const MODERATORS: (ok: number) => Row = (ok) => [303, 403, ok, ok, 303];
/** The admin: visitors log in; members and moderators (not staff) are refused. */
const STAFF: (ok: number) => Row = (ok) => [303, 403, 403, ok, 303];

/** Each route: the body a permitted person would send, and the table row. */
const TABLE: Record<string, { body?: Record<string, string>; row: Row }> = {
  'GET /': { row: READ },
  'GET /new': { row: READ },
  'GET /favicon.ico': { row: READ },
  'GET /robots.txt': { row: READ },
  // The installable app: the same for everyone, open even on a private forum (src/web/pwa.ts).
  'GET /manifest.webmanifest': { row: READ },
  'GET /sw.js': { row: READ },
  'GET /offline': { row: READ },
  'GET /static/*': { row: READ },
  // Load balancers' probes: open to all, even on a private forum.
  'GET /healthz': { row: READ },
  'GET /readyz': { row: READ },
  'GET /signup': { row: [200, 303, 303, 303, 200] },
  // Signed-in people have no sign-up form token: the CSRF check refuses them.
  'POST /signup': { body: { username: 'fresh', password: PASSWORD }, row: [303, 403, 403, 403, 303] },
  'GET /login': { row: [200, 303, 303, 303, 200] },
  'POST /login': { body: { username: 'nobody', password: 'not-the-password' }, row: [400, 403, 403, 403, 400] },
  'POST /logout': { body: {}, row: [303, 303, 303, 303, 303] },
  'GET /profile/:username': { row: READ },
  'GET /embed/discuss/:id': { row: READ },
  'GET /discuss/:id': { row: READ },
  'GET /comments/:id': { row: [302, 302, 302, 302, 302] },
  'GET /start-discussion': { row: MEMBERS(200) },
  'POST /start-discussion': { body: { title: 'A title', text: 'Some text' }, row: MEMBERS(303) },
  'POST /discuss/:id': { body: { text: 'A comment' }, row: MEMBERS(303) },
  'GET /comments/:id/reply': { row: MEMBERS(200) },
  'POST /comments/:id/reply': { body: { text: 'A reply' }, row: MEMBERS(303) },
  'GET /discuss/:id/edit': { row: OTHERS_ITEM(200) },
  'POST /discuss/:id/edit': { body: { title: 'Edited', text: 'Edited' }, row: OTHERS_ITEM(303) },
  'GET /discuss/:id/delete': { row: OTHERS_ITEM(200) },
  'POST /discuss/:id/delete': { body: { reason: 'A reason' }, row: OTHERS_ITEM(303) },
  'GET /comments/:id/edit': { row: OTHERS_ITEM(200) },
  'POST /comments/:id/edit': { body: { text: 'Edited' }, row: OTHERS_ITEM(303) },
  'GET /comments/:id/delete': { row: OTHERS_ITEM(200) },
  'POST /comments/:id/delete': { body: { reason: 'A reason' }, row: OTHERS_ITEM(303) },
  'GET /discuss/:id/flag': { row: MEMBERS(200) },
  'GET /comments/:id/flag': { row: MEMBERS(200) },
  'POST /api/posts/:id/:action': { body: {}, row: MEMBERS(303) },
  'POST /api/comments/:id/:action': { body: {}, row: MEMBERS(303) },
  'GET /settings/sessions': { row: MEMBERS(200) },
  'POST /settings/sessions/sign-out-others': { body: {}, row: MEMBERS(303) },
  'GET /settings/password': { row: MEMBERS(200) },
  // Without a first step behind it: back to log in (members: home).
  'GET /login/two-step': { row: [303, 303, 303, 303, 303] },
  'POST /login/two-step': { body: { method: 'totp', code: '123456' }, row: [400, 403, 403, 403, 400] },
  'GET /settings/confirm': { row: MEMBERS(200) },
  'POST /settings/confirm': { body: { method: 'password', password: 'wrong-password' }, row: MEMBERS(400) },
  'GET /settings/security': { row: MEMBERS(200) },
  'GET /settings/security/authenticator': { row: MEMBERS(200) },
  // Not six digits: never right, whatever the time.
  'POST /settings/security/authenticator': { body: { code: 'abcdef' }, row: MEMBERS(400) },
  'POST /settings/security/authenticator/disable': { body: {}, row: MEMBERS(303) },
  'GET /settings/security/recovery-codes': { row: MEMBERS(200) },
  // Without two-step sign-in on, no codes: back to the page.
  'POST /settings/security/recovery-codes': { body: {}, row: MEMBERS(303) },
  // Passkeys (test/passkeys.test.ts answers them with a device): a form cannot carry a device's answer, so those are 400.
  'POST /settings/security/passkeys/options': { body: {}, row: MEMBERS(200) },
  'POST /settings/security/passkeys': { body: {}, row: MEMBERS(400) },
  // Nobody's passkey has the post's id.
  'POST /settings/security/passkeys/:id/rename': { body: { name: 'A name' }, row: MEMBERS(404) },
  'POST /settings/security/passkeys/:id/delete': { body: {}, row: MEMBERS(404) },
  'POST /settings/confirm/passkey/options': { body: {}, row: MEMBERS(404) },
  'POST /settings/confirm/passkey': { body: {}, row: MEMBERS(400) },
  // Signing in: a visitor's form (signed-in people have no sign-in token); the second step only after a first one.
  'POST /login/passkey/options': { body: {}, row: [200, 403, 403, 403, 200] },
  'POST /login/passkey': { body: {}, row: [400, 403, 403, 403, 400] },
  'POST /login/two-step/passkey/options': { body: {}, row: [400, 403, 403, 403, 400] },
  'POST /login/two-step/passkey': { body: {}, row: [400, 403, 403, 403, 400] },
  // Text-message codes (console provider here: development). No phone yet: nothing to verify, turn on or text a sign-in code to.
  'GET /settings/security/phone': { row: MEMBERS(200) },
  'POST /settings/security/phone': { body: { phone: '+919876543210' }, row: MEMBERS(303) },
  'POST /settings/security/phone/verify': { body: { code: '123456' }, row: MEMBERS(400) },
  'POST /settings/security/phone/sign-in-codes': { body: { on: 'true' }, row: MEMBERS(303) },
  'POST /settings/security/phone/remove': { body: {}, row: MEMBERS(303) },
  'POST /login/two-step/sms': { body: {}, row: [400, 403, 403, 403, 400] },
  'POST /settings/confirm/sms': { body: {}, row: MEMBERS(400) },
  'POST /settings/password': { body: { current_password: 'wrong-password', new_password: 'another-long-secret' }, row: MEMBERS(400) },
  'GET /settings/delete-account': { row: MEMBERS(200) },
  // Someone else's name typed: nothing is deleted.
  'POST /settings/delete-account': { body: { confirm_username: 'not-my-name' }, row: MEMBERS(400) },
  // The ways back in by mail are open to all; a made-up token is refused the same for everyone.
  'GET /password-reset': { row: READ },
  'POST /password-reset': { body: { login: 'nobody' }, row: READ },
  'GET /password-reset/:token': { row: [400, 400, 400, 400, 400] },
  'POST /password-reset/:token': { body: { new_password: 'another-long-secret' }, row: [400, 400, 400, 400, 400] },
  'GET /verify-email/:token': { row: [400, 400, 400, 400, 400] },
  'GET /settings/email': { row: MEMBERS(200) },
  'POST /settings/email': { body: { email: 'not-an-address' }, row: MEMBERS(400) },
  'POST /settings/email/resend': { body: {}, row: MEMBERS(303) },
  // Moderation: moderators and admins (who hold every permission); the log is public.
  'GET /moderation': { row: MODERATORS(200) },
  'GET /moderations': { row: READ },
  'GET /notifications': { row: MEMBERS(200) },
  // No such notification of theirs: nothing marked, back to the list.
  'POST /notifications/:id/read': { body: {}, row: MEMBERS(303) },
  'POST /notifications/read-all': { body: {}, row: MEMBERS(303) },
  // Web push (test/push.test.ts sends real subscriptions as JSON): a form cannot carry the keys, so subscribing is 400;
  // unsubscribing an endpoint nobody has is done; nobody's device has the post's id.
  'GET /settings/notifications/devices': { row: MEMBERS(200) },
  'POST /settings/notifications/devices/:id/delete': { body: {}, row: MEMBERS(404) },
  'POST /api/push/subscribe': { body: { endpoint: 'https://push.example.com/x' }, row: MEMBERS(400) },
  'POST /api/push/unsubscribe': { body: { endpoint: 'https://push.example.com/x' }, row: MEMBERS(200) },
  'GET /settings/notifications': { row: MEMBERS(200) },
  'POST /settings/notifications': { body: { on: 'mention:push' }, row: MEMBERS(303) },
  // The one-click unsubscribe link works for anyone holding it, signed in or not; a made-up token is refused the same for all.
  'GET /unsubscribe/:event/:channel/:token': { row: [400, 400, 400, 400, 400] },
  'POST /unsubscribe/:event/:channel/:token': { body: { 'List-Unsubscribe': 'One-Click' }, row: [400, 400, 400, 400, 400] },
  'GET /moderation/posts/:id/hide': { row: MODERATORS(200) },
  'POST /moderation/posts/:id/hide': { body: { reason: 'A reason' }, row: MODERATORS(303) },
  'GET /moderation/posts/:id/restore': { row: MODERATORS(200) },
  'POST /moderation/posts/:id/restore': { body: { reason: 'A reason' }, row: MODERATORS(303) },
  'GET /moderation/posts/:id/dismiss': { row: MODERATORS(200) },
  'POST /moderation/posts/:id/dismiss': { body: { reason: 'A reason' }, row: MODERATORS(303) },
  'GET /moderation/posts/:id/lock': { row: MODERATORS(200) },
  'POST /moderation/posts/:id/lock': { body: { reason: 'A reason' }, row: MODERATORS(303) },
  'GET /moderation/posts/:id/unlock': { row: MODERATORS(200) },
  'POST /moderation/posts/:id/unlock': { body: { reason: 'A reason' }, row: MODERATORS(303) },
  'GET /moderation/posts/:id/pin': { row: MODERATORS(200) },
  'POST /moderation/posts/:id/pin': { body: { reason: 'A reason' }, row: MODERATORS(303) },
  'GET /moderation/posts/:id/unpin': { row: MODERATORS(200) },
  'POST /moderation/posts/:id/unpin': { body: { reason: 'A reason' }, row: MODERATORS(303) },
  'GET /moderation/comments/:id/hide': { row: MODERATORS(200) },
  'POST /moderation/comments/:id/hide': { body: { reason: 'A reason' }, row: MODERATORS(303) },
  'GET /moderation/comments/:id/restore': { row: MODERATORS(200) },
  'POST /moderation/comments/:id/restore': { body: { reason: 'A reason' }, row: MODERATORS(303) },
  'GET /moderation/comments/:id/dismiss': { row: MODERATORS(200) },
  'POST /moderation/comments/:id/dismiss': { body: { reason: 'A reason' }, row: MODERATORS(303) },
  'GET /moderation/users/:username/ban': { row: MODERATORS(200) },
  'POST /moderation/users/:username/ban': { body: { reason: 'A reason' }, row: MODERATORS(303) },
  'POST /moderation/users/:username/unban': { body: { reason: 'A reason' }, row: MODERATORS(303) },
  // The admin: staff only (a moderator is not staff), then each screen's permission.
  'GET /admin': { row: STAFF(200) },
  'GET /admin/users': { row: STAFF(200) },
  'GET /admin/users/:id': { row: STAFF(200) },
  'POST /admin/users/:id': { body: {}, row: STAFF(303) },
  'GET /admin/groups': { row: STAFF(200) },
  // The body is the matrix as it stands (filled in below), so saving it changes nothing for the rows after.
  'POST /admin/groups': { body: {}, row: STAFF(303) },
  'POST /admin/groups/new': { body: { name: 'Editors' }, row: STAFF(303) },
  'GET /admin/permissions': { row: STAFF(200) },
  // The way in, open even on a private forum; this app configures no provider, so each is the 404 listing the enabled ones
  // (test/provider-sign-in.test.ts covers them with providers).
  'GET /auth/:provider/login': { row: [404, 404, 404, 404, 404] },
  'POST /auth/:provider/login': { body: {}, row: [404, 404, 404, 404, 404] },
  'GET /auth/:provider/callback': { row: [404, 404, 404, 404, 404] },
  'GET /auth/:provider/username': { row: [404, 404, 404, 404, 404] },
  // A visitor's form: without the sign-in pages' token the CSRF check refuses it.
  'POST /auth/:provider/username': { body: { username: 'fresh' }, row: [403, 403, 403, 403, 403] },
  'GET /settings/identities': { row: MEMBERS(200) },
  // Nobody's identity has the post's id: 404 to each signed-in person.
  'POST /settings/identities/:id/unlink': { body: {}, row: MEMBERS(404) },
};

describe('access, route by role', () => {
  const t = useTestApp();
  const users = {} as Record<Exclude<Role, 'visitor'>, User>;
  let writer: User;
  /** Whose groups the admin's user form sets. */
  let subject: User;
  let stylesheet = '';
  let unique = 0;

  beforeAll(async () => {
    const { accounts } = t().services;
    const { kysely } = t().db;
    const signup = (name: string) => accounts.signup({ username: `${name}_table`, password: PASSWORD });
    writer = await signup('writer');
    subject = await signup('subject');
    for (const role of ['member', 'moderator', 'admin', 'banned'] as const) users[role] = await signup(role);
    const grant = async (user: User, group: string) => {
      const { id } = await kysely.selectFrom('groups').select('id').where('name', '=', group).executeTakeFirstOrThrow();
      await kysely.insertInto('user_groups').values({ user_id: user.id, group_id: id }).execute();
    };
    await grant(users.moderator, 'moderator');
    await grant(users.admin, 'admin');
    await kysely.updateTable('users').set({ is_staff: 1 }).where('id', '=', users.admin.id).execute();
    stylesheet = /href="(\/static\/[^"]+\.css)"/.exec((await t().app.inject('/')).body)?.[1] ?? '';
  });

  /** A browser as `role`: a fresh session of its own (the banned one is banned after signing in). */
  async function browserAs(role: Role): Promise<BrowserSession> {
    const browser = new BrowserSession(t().app);
    if (role === 'visitor') return browser;
    const user = users[role];
    await t().db.kysely.updateTable('users').set({ banned_at: null }).where('id', '=', user.id).execute();
    await browser.login(user.username, PASSWORD);
    if (role === 'banned') await t().db.kysely.updateTable('users').set({ banned_at: t().clock.now(), ban_reason: 'spam' }).where('id', '=', user.id).execute();
    return browser;
  }

  const currentMatrix = async () =>
    (await t().db.kysely.selectFrom('group_permissions').select(['group_id', 'permission_id']).execute()).map((g) => `${g.group_id}:${g.permission_id}`);

  /** Fresh items by the writer, and the route's URL filled in with them. */
  async function concrete(url: string): Promise<string> {
    const { services } = t();
    const author = await services.accounts.actor(writer.id);
    const created = await services.posts.create(author, { title: `Item ${++unique}`, text: 'x' });
    if (!created.created) throw new Error('not created');
    const { comment } = await services.comments.add({ postId: created.post.id, author, text: `comment ${unique}` });
    const path = url
      .replace(/^\/static\/\*$/, stylesheet)
      .replace('/admin/users/:id', `/admin/users/${subject.id}`)
      .replace('/moderation/users/:username', `/moderation/users/${subject.username}`)
      .replace(/\/comments\/:id/, `/comments/${comment.id}`)
      .replace(/\/api\/comments\/:id/, `/api/comments/${comment.id}`)
      .replace(':id', String(created.post.id))
      .replace(':action', 'upvote')
      .replace(':provider', 'none')
      .replace(':username', writer.username)
      .replace(':event', 'post_reply')
      .replace(':channel', 'email')
      .replace(':token', '1.1.made-up');
    if (/[:*]/.test(path)) throw new Error(`give ${url} its parameters in test/access-table.test.ts`);
    return path;
  }

  it('has a row for every route', () => {
    const routes = [...new Set(t().routes.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url.replace(/\/$/, '') || '/'}`))];
    expect(routes.filter((r) => !(r in TABLE))).toEqual([]);
    expect(Object.keys(TABLE).filter((r) => !routes.includes(r))).toEqual([]);
  });

  it('answers each role with the status in the table', async () => {
    const got: Record<string, Row> = {};
    for (const [route, { body }] of Object.entries(TABLE)) {
      const [method, url] = route.split(' ') as [string, string];
      const row: number[] = [];
      for (const role of ROLES) {
        const browser = await browserAs(role);
        const path = await concrete(url);
        let response;
        if (method === 'GET') response = await browser.get(path);
        else {
          // The token comes from the page the form is on, as in a browser.
          await browser.get(route.includes('signup') ? '/signup' : route.includes('login') ? '/login' : route.includes('password-reset') ? '/password-reset/' : '/');
          const fields: Record<string, string | string[]> = { ...body };
          if (fields.username === 'fresh') fields.username = `fresh${++unique}`;
          if (route === 'POST /admin/groups') fields.grant = await currentMatrix();
          response = await browser.post(path, fields);
        }
        // A refused visitor is sent to log in, and only there.
        if (response.statusCode === 303 && String(response.headers.location).startsWith('/login')) expect(role === 'visitor' || role === 'banned').toBe(true);
        row.push(response.statusCode);
      }
      got[route] = row as Row;
    }
    expect(got).toEqual(Object.fromEntries(Object.entries(TABLE).map(([route, { row }]) => [route, row])));
  }, 120_000);
});
