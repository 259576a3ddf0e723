// Mass assignment: every write route the app registers, sent its own fields
// plus fields a forger would like to set, refuses the request and changes
// nothing. The route list comes from the app itself, so a new write route
// fails this test until it is given a valid body below.
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { PASSWORD, seedDiscussion, type DiscussionFixture } from './support/discussion-fixture.js';
import { joinGroup } from './support/moderation.js';
import { concreteUrl } from './support/routes.js';

type Sender = 'visitor' | 'owner' | 'other member' | 'moderator' | 'superuser';

const moderated = (paths: string[]) => Object.fromEntries(paths.map((path) => [`POST ${path}`, { as: 'moderator' as const, body: { reason: 'A reason' } }]));

/** Each write route: who sends it, a body it would accept, and the answer when not 200 or 303. */
const VALID_REQUESTS: Record<string, { as: Sender; body: Record<string, string | null>; answer?: number }> = {
  'POST /signup': { as: 'visitor', body: { username: 'newcomer', password: 'a-long-enough-secret' } },
  'POST /login': { as: 'visitor', body: { username: 'asha', password: PASSWORD } },
  'POST /logout': { as: 'owner', body: {} },
  'POST /start-discussion': { as: 'owner', body: { title: 'New', text: 'x' } },
  'POST /discuss/:id': { as: 'owner', body: { text: 'a comment' } },
  'POST /discuss/:id/edit': { as: 'owner', body: { title: 'Edited', text: 'edited' } },
  'POST /discuss/:id/delete': { as: 'owner', body: {} },
  'POST /comments/:id/reply': { as: 'owner', body: { text: 'a reply' } },
  'POST /comments/:id/edit': { as: 'owner', body: { text: 'edited' } },
  'POST /comments/:id/delete': { as: 'owner', body: {} },
  'POST /api/posts/:id/:action': { as: 'other member', body: {} },
  'POST /api/comments/:id/:action': { as: 'other member', body: {} },
  'POST /settings/sessions/sign-out-others': { as: 'owner', body: {} },
  'POST /notifications/:id/read': { as: 'owner', body: {} },
  'POST /notifications/read-all': { as: 'owner', body: {} },
  // Web push: a form cannot carry a subscription's keys (test/push.test.ts sends them as JSON); nobody's device has the post's id.
  'POST /api/push/subscribe': { as: 'owner', body: { endpoint: 'https://push.example.com/x' }, answer: 400 },
  'POST /api/push/unsubscribe': { as: 'owner', body: { endpoint: 'https://push.example.com/x' } },
  'POST /settings/notifications/devices/:id/delete': { as: 'owner', body: {}, answer: 404 },
  'POST /settings/notifications': { as: 'owner', body: { on: 'mention:push' } },
  // A mail program's one-click: no cookie's token (null: no _csrf field); the signed link (owner's) is all it carries.
  'POST /unsubscribe/:event/:channel/:token': { as: 'visitor', body: { 'List-Unsubscribe': 'One-Click', _csrf: null } },
  'POST /settings/password': { as: 'owner', body: { current_password: PASSWORD, new_password: 'a-brand-new-secret' } },
  'POST /password-reset': { as: 'visitor', body: { login: 'asha' } },
  // Past validation, the handler answers: no first step was taken (test/totp.test.ts goes through one).
  'POST /login/two-step': { as: 'visitor', body: { method: 'totp', code: '123456' }, answer: 400 },
  'POST /settings/confirm': { as: 'other member', body: { method: 'password', password: PASSWORD } },
  // Past validation, the handler answers: not a code from the app (test/totp.test.ts sends right ones).
  'POST /settings/security/authenticator': { as: 'other member', body: { code: 'abcdef' }, answer: 400 },
  'POST /settings/security/authenticator/disable': { as: 'other member', body: {} },
  'POST /settings/security/recovery-codes': { as: 'other member', body: {} },
  // Passkeys: the options, and answers a form cannot carry (a device's answer is JSON: test/passkeys.test.ts).
  'POST /settings/security/passkeys/options': { as: 'other member', body: {} },
  'POST /settings/security/passkeys': { as: 'other member', body: {}, answer: 400 },
  'POST /settings/security/passkeys/:id/rename': { as: 'other member', body: { name: 'A name' }, answer: 404 },
  'POST /settings/security/passkeys/:id/delete': { as: 'other member', body: {}, answer: 404 },
  'POST /settings/confirm/passkey/options': { as: 'other member', body: {}, answer: 404 },
  'POST /settings/confirm/passkey': { as: 'other member', body: {}, answer: 400 },
  'POST /login/passkey/options': { as: 'visitor', body: {} },
  'POST /login/passkey': { as: 'visitor', body: {}, answer: 400 },
  'POST /login/two-step/passkey/options': { as: 'visitor', body: {}, answer: 400 },
  'POST /login/two-step/passkey': { as: 'visitor', body: {}, answer: 400 },
  // Text-message codes (the console provider here); test/sms-codes.test.ts sends the real codes back.
  'POST /settings/security/phone': { as: 'other member', body: { phone: '+919876543210' } },
  'POST /settings/security/phone/verify': { as: 'other member', body: { code: '123456', sign_in_codes: 'on' }, answer: 400 },
  'POST /settings/security/phone/sign-in-codes': { as: 'other member', body: { on: 'false' } },
  'POST /settings/security/phone/remove': { as: 'other member', body: {} },
  'POST /login/two-step/sms': { as: 'visitor', body: {}, answer: 400 },
  'POST /settings/confirm/sms': { as: 'other member', body: {}, answer: 400 },
  // With a reset link for another account (carla's): using it signs everyone out of that one only.
  'POST /password-reset/:token': { as: 'visitor', body: { new_password: 'a-reset-long-secret' } },
  'POST /settings/email': { as: 'other member', body: { email: 'ben@example.org' } },
  // Sent very last (below): ben's account goes.
  'POST /settings/delete-account': { as: 'other member', body: { confirm_username: 'ben' } },
  'POST /settings/email/resend': { as: 'other member', body: {} },
  'POST /admin/users/:id': { as: 'superuser', body: { groups: '1' } },
  'POST /admin/groups': { as: 'superuser', body: { grant: '1:1' } },
  'POST /admin/groups/new': { as: 'superuser', body: { name: 'Translators' } },
  ...moderated([
    ...['hide', 'restore', 'dismiss', 'lock', 'unlock', 'pin', 'unpin'].map((act) => `/moderation/posts/:id/${act}`),
    ...['hide', 'restore', 'dismiss'].map((act) => `/moderation/comments/:id/${act}`),
    // Registered after every route the owner sends, so banning the owner (asha) comes after them.
    '/moderation/users/:username/ban',
    '/moderation/users/:username/unban',
  ]),
  // Past validation, the handler answers: no provider is configured here (test/provider-sign-in.test.ts sends them with providers).
  'POST /auth/:provider/login': { as: 'owner', body: {}, answer: 404 },
  'POST /auth/:provider/username': { as: 'visitor', body: { username: 'newcomer2' }, answer: 404 },
  'POST /settings/identities/:id/unlink': { as: 'owner', body: {} },
};

const UNLINK = 'POST /settings/identities/:id/unlink';
const UNSUBSCRIBE = 'POST /unsubscribe/:event/:channel/:token';
const DELETE_ACCOUNT = 'POST /settings/delete-account';

const USERNAMES = { owner: 'asha', 'other member': 'ben', moderator: 'mina', superuser: 'root' } as const;

/** The page whose form the request is sent from (it holds the CSRF token). */
const formPage = (route: string, as: Sender) => (as !== 'visitor' ? '/' : route.includes('signup') ? '/signup' : '/login');

const FORGED = { author_id: '999', upvotes: '1000', score: '1000', is_superuser: '1', wbs: '.0001', path: '.0001', created_at: '0', user_id: '1' };

describe('mass assignment', () => {
  const t = useTestApp();
  let f: DiscussionFixture;
  const browsers = {} as Record<Sender, BrowserSession>;

  beforeAll(async () => {
    f = await seedDiscussion(t().services);
    browsers.visitor = new BrowserSession(t().app);
    browsers.owner = new BrowserSession(t().app);
    browsers['other member'] = new BrowserSession(t().app);
    browsers.moderator = new BrowserSession(t().app);
    browsers.superuser = new BrowserSession(t().app);
    await browsers.owner.login('asha', PASSWORD);
    await browsers['other member'].login('ben', PASSWORD);
    await t().services.accounts.signup({ username: 'mina', password: PASSWORD });
    await joinGroup(t().db, 'mina', 'moderator');
    await browsers.moderator.login('mina', PASSWORD);
    await browsers.superuser.signup('root');
    await t().services.admin.makeSuperuser((await t().services.accounts.requireByUsername('root')).id);
    const carla = await t().services.accounts.signup({ username: 'carla', password: PASSWORD, email: 'carla@example.org' });
    await t().db.kysely.updateTable('users').set({ email_verified_at: t().clock.now() }).where('id', '=', carla.id).execute();
  });

  /** A reset link's token for carla, good until her password changes. */
  const resetToken = async () => {
    const carla = await t().services.accounts.requireByUsername('carla');
    return /\/password-reset\/([^/]+)\/$/.exec(t().services.email.passwordResetLink(carla, ''))![1]!;
  };

  /** Every row a write could touch, as one comparable value. */
  const snapshot = async () => {
    const db = t().db.kysely;
    return JSON.stringify(
      await Promise.all([
        db.selectFrom('users').selectAll().orderBy('id').execute(),
        db.selectFrom('posts').selectAll().orderBy('id').execute(),
        db.selectFrom('comments').selectAll().orderBy('id').execute(),
        db.selectFrom('post_votes').selectAll().orderBy('user_id').orderBy('post_id').execute(),
        db.selectFrom('comment_votes').selectAll().orderBy('user_id').orderBy('comment_id').execute(),
        db.selectFrom('sessions').select(['id', 'user_id', 'csrf_token', 'created_at']).orderBy('id').execute(),
        db.selectFrom('user_groups').selectAll().orderBy('user_id').orderBy('group_id').execute(),
        db.selectFrom('group_permissions').selectAll().orderBy('group_id').orderBy('permission_id').execute(),
        db.selectFrom('moderation_log').selectAll().orderBy('id').execute(),
        db.selectFrom('totp_apps').selectAll().orderBy('user_id').execute(),
        db.selectFrom('recovery_codes').selectAll().orderBy('id').execute(),
        db.selectFrom('passkeys').selectAll().orderBy('id').execute(),
        db.selectFrom('push_subscriptions').selectAll().orderBy('id').execute(),
        db.selectFrom('notification_preferences').selectAll().orderBy('user_id').orderBy('event').orderBy('channel').execute(),
      ]),
    );
  };

  const writeRoutes = () => t().routes.filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method)).map((r) => `${r.method} ${r.url}`);

  it('knows a valid request for every write route the app registers', () => {
    expect(writeRoutes().sort()).toEqual(Object.keys(VALID_REQUESTS).sort());
  });

  it('refuses every write route its forged fields, changing nothing', async () => {
    const token = await resetToken();
    for (const route of writeRoutes()) {
      const { as, body } = VALID_REQUESTS[route]!;
      const url = concreteUrl(route.split(' ')[1]!, f, '', token);
      for (const [field, value] of Object.entries(FORGED)) {
        const browser = browsers[as];
        await browser.get(formPage(route, as));
        const before = await snapshot();
        const response = await browser.post(url, { ...body, [field]: value });
        expect(response.statusCode, `${route} with ${field}`).toBe(400);
        expect(await snapshot(), `${route} with ${field}`).toBe(before);
      }
    }
    // Eight forged requests, each between two snapshots, per write route: it grows with the routes.
  }, 240_000);

  it('accepts the same requests without the forged fields (so the refusals above are about them)', async () => {
    // Last, because these really write: delete, log out, change the password.
    const token = await resetToken();
    const userIds = Object.fromEntries(
      await Promise.all((['owner', 'other member', 'moderator', 'superuser'] as const).map(async (as) => [as, (await t().services.accounts.requireByUsername(USERNAMES[as])).id] as const)),
    );
    // Asha signs in with a password and a provider: the provider's identity may be unlinked.
    await t().services.identities.link(f.asha.id, { provider: 'google', subject: 'asha-1', email: null, emailVerified: false, username: null });
    const ownersIdentityUrl = async () => {
      const { id } = await t().db.kysely.selectFrom('identities').select('id').where('user_id', '=', f.asha.id).executeTakeFirstOrThrow();
      return `/settings/identities/${id}/unlink`;
    };
    // Deletes last: a deleted discussion takes no more comments, edits or moderation; a deleted account sends nothing more.
    const last = (r: string) => (r === DELETE_ACCOUNT ? 2 : r.endsWith('/delete') ? 1 : 0);
    const ordered = writeRoutes().sort((a, b) => last(a) - last(b));
    for (const route of ordered) {
      const { as, body, answer } = VALID_REQUESTS[route]!;
      // Each request on a session of its own: a visitor who signed up is signed in, and a log-out or a
      // password change must not turn the sender of the next route into a visitor sent to log in.
      const browser = new BrowserSession(t().app);
      if (as !== 'visitor') browser.cookies.set('sid', await t().services.sessions.create(userIds[as]!, { userAgent: 'test', ip: '127.0.0.1' }));
      await browser.get(formPage(route, as));
      // Saving the permission matrix saves it as it stands, so later senders keep their permissions.
      const fields = route === 'POST /admin/groups' ? { grant: [...(await t().services.admin.groupGrants())] } : body;
      const url =
        route === UNLINK
          ? await ownersIdentityUrl()
          : route === UNSUBSCRIBE
            ? new URL(t().services.deliveries.unsubscribeUrl(f.asha.id, 'post_reply', 'email')).pathname
            : concreteUrl(route.split(' ')[1]!, f, '', token);
      const response = await browser.post(url, fields);
      expect(answer ? [answer] : [200, 303], `${route} → ${response.statusCode}`).toContain(response.statusCode);
      expect(String(response.headers.location ?? ''), `${route} was sent to log in`).not.toMatch(/^\/login/);
    }
  });
});
