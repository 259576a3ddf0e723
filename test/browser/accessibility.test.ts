// axe-core in Chromium over the main pages, for visitors and members, in
// both color schemes (the stylesheet follows prefers-color-scheme).
import axeCore from 'axe-core';
import webPush from 'web-push';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumInstalled, newContext, signIn, submitWith, useBrowserApp } from '../support/chromium.js';
import { PASSWORD } from '../support/discussion-fixture.js';
import { seedModeration, type ModerationFixture as DiscussionFixture } from '../support/moderation-fixture.js';
import type { Db } from '../../src/db/database.js';
import type { Services } from '../../src/services.js';
import { SignedValues } from '../../src/security/signed-values.js';
import { TestClock } from '../support/app.js';
import { totpCode } from '../support/totp.js';

// Providers on the login page and in settings (never contacted: no page here leaves for them).
const SECRET_KEY = 'accessibility-test-secret-key-0000000000';
const APP_ENV = {
  SECRET_KEY,
  AUTH_PROVIDERS: 'google,github',
  GOOGLE_CLIENT_ID: 'unused',
  GOOGLE_CLIENT_SECRET: 'unused',
  GOOGLE_ISSUER: 'http://127.0.0.1:9',
  GITHUB_CLIENT_ID: 'unused',
  GITHUB_CLIENT_SECRET: 'unused',
  // Web push on: the devices page shows its turn-on box.
  ...(({ publicKey, privateKey }) => ({ VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey, VAPID_SUBJECT: 'mailto:admin@forum.example' }))(webPush.generateVAPIDKeys()),
};

type Role = 'visitor' | 'member' | 'moderator' | 'admin';

/** The moderation fixture, a superuser for the admin screens, a Google identity and a password reset link's path for asha, and tess, with an authenticator app. */
type Fixture = DiscussionFixture & { resetPath: string; tessId: number; unsubscribePath: string };

async function seed(services: Services, db: Db): Promise<Fixture> {
  const f = await seedModeration(services, db);
  const root = await services.accounts.signup({ username: 'root', password: PASSWORD });
  await services.admin.makeSuperuser(root.id);
  // Ben in two groups, so the user page and the users list show more than one.
  await services.admin.grant(f.ben.username, 'moderator');
  // A Google identity linked to asha's account (she also has a password: it may be unlinked).
  await services.identities.link(f.asha.id, { provider: 'google', subject: '1', email: 'asha@example.com', emailVerified: true, username: null });
  // Asha's verified phone (sign-in codes off: her log-in stays one step); Sanjay signs in with a texted code.
  await db.kysely.insertInto('phones').values({ user_id: f.asha.id, number: '+919876543210', verified_at: Date.UTC(2026, 10, 1), sign_in_codes: 0 }).execute();
  const sanjay = await services.accounts.signup({ username: 'sanjay', password: PASSWORD });
  await db.kysely.insertInto('phones').values({ user_id: sanjay.id, number: '+447911123456', verified_at: Date.UTC(2026, 10, 1), sign_in_codes: 1 }).execute();
  const tess = await services.accounts.signup({ username: 'tess', password: PASSWORD });
  const setup = await services.totp.setup(tess.id, 'tess');
  await services.totp.confirm(tess.id, totpCode(setup!.secret, new TestClock().now()));
  await services.recoveryCodes.replace(tess.id);
  // A passkey of asha's, as settings list it (never used to sign in here: only its row).
  await db.kysely
    .insertInto('passkeys')
    .values({ user_id: f.asha.id, credential_id: 'seeded-credential', public_key: 'AA', name: 'Chrome on Linux', created_at: Date.UTC(2026, 10, 1) })
    .execute();
  // A browser with asha's notifications on (never sent to here: only its row).
  await db.kysely
    .insertInto('push_subscriptions')
    .values({ user_id: f.asha.id, endpoint: 'https://push.example.com/seeded', p256dh: 'AA', auth: 'AA', label: 'Firefox on Android', created_at: Date.UTC(2026, 10, 1), last_used_at: Date.UTC(2026, 10, 20) })
    .execute();
  const unsubscribePath = new URL(services.deliveries.unsubscribeUrl(f.asha.id, 'comment_reply', 'email')).pathname;
  return { ...f, resetPath: services.email.passwordResetLink(f.asha, ''), tessId: tess.id, unsubscribePath };
}

interface AuditedPage {
  name: string;
  roles: Role[];
  /** Brings the page up and checks it is the page meant. */
  open: (page: Page, f: Fixture) => Promise<void>;
}

const visit = (path: (f: Fixture) => string, status = 200) =>
  async (page: Page, f: Fixture) => {
    const response = await page.goto(path(f));
    expect(response?.status(), `GET ${path(f)}`).toBe(status);
  };

const PAGES: AuditedPage[] = [
  { name: 'front page', roles: ['visitor', 'member'], open: visit(() => '/') },
  { name: 'newest', roles: ['visitor', 'member'], open: visit(() => '/new') },
  { name: 'discussion with a comment tree (a hidden comment, pinned)', roles: ['visitor', 'member', 'moderator'], open: visit((f) => `/discuss/${f.post.id}/`) },
  { name: 'discussion with rendered Markdown (headings, table, image link, code)', roles: ['visitor', 'member'], open: visit((f) => `/discuss/${f.markdownPost.id}/`) },
  { name: 'profile', roles: ['visitor', 'member'], open: visit((f) => `/profile/${f.asha.username}/`) },
  { name: 'embedded discussion', roles: ['visitor'], open: visit((f) => `/embed/discuss/${f.post.id}/`) },
  { name: 'not found', roles: ['visitor', 'member'], open: visit(() => '/no-such-page', 404) },
  { name: 'offline page', roles: ['visitor', 'member'], open: visit(() => '/offline/') },
  { name: 'log in', roles: ['visitor'], open: visit(() => '/login') },
  { name: 'sign up', roles: ['visitor'], open: visit(() => '/signup') },
  {
    name: 'sign up re-rendered with errors',
    roles: ['visitor'],
    open: async (page) => {
      await page.goto('/signup');
      await page.getByLabel('Username').fill('no spaces allowed');
      await page.getByLabel('Password').fill(PASSWORD);
      await submitWith(page, page.getByRole('button', { name: 'Create account' }));
      await page.getByRole('alert').waitFor();
    },
  },
  { name: 'start a discussion', roles: ['member'], open: visit(() => '/start-discussion/') },
  {
    name: 'start a discussion re-rendered with errors',
    roles: ['member'],
    open: async (page) => {
      await page.goto('/start-discussion/');
      await page.getByLabel('Title').fill('A title, but neither link nor text');
      await submitWith(page, page.getByRole('button', { name: 'Submit' }));
      await page.getByRole('alert').waitFor();
    },
  },
  {
    name: 'a comment re-rendered with errors',
    roles: ['member'],
    open: async (page, f) => {
      await page.goto(`/comments/${f.question.id}/reply/`);
      await page.getByLabel('Your comment').fill('   ');
      await submitWith(page, page.getByRole('button', { name: 'Reply' }));
      await page.getByRole('alert').waitFor();
    },
  },
  {
    name: 'change password re-rendered with errors',
    roles: ['member'],
    open: async (page) => {
      await page.goto('/settings/password/');
      await page.getByLabel('Current password').fill('not the password');
      await page.getByLabel('New password').fill('another-long-password');
      await submitWith(page, page.getByRole('button', { name: 'Change password' }));
      await page.getByRole('alert').waitFor();
    },
  },
  { name: 'reply to a comment', roles: ['member'], open: visit((f) => `/comments/${f.question.id}/reply/`) },
  { name: 'edit a comment', roles: ['member'], open: visit((f) => `/comments/${f.answer.id}/edit/`) },
  { name: 'edit a discussion', roles: ['member'], open: visit((f) => `/discuss/${f.post.id}/edit/`) },
  { name: 'delete a comment?', roles: ['member'], open: visit((f) => `/comments/${f.answer.id}/delete/`) },
  { name: 'delete a discussion?', roles: ['member'], open: visit((f) => `/discuss/${f.post.id}/delete/`) },
  {
    name: 'a permalink landing, the comment highlighted',
    roles: ['visitor', 'member'],
    open: async (page, f) => {
      await page.goto(`/comments/${f.deepest.id}/`);
      expect(new URL(page.url()).hash).toBe(`#c${f.deepest.id}`);
    },
  },
  {
    name: 'a folded comment',
    roles: ['visitor'],
    open: async (page, f) => {
      await page.goto(`/discuss/${f.post.id}/`);
      await page.locator(`#c${f.question.id} > details > summary`).click();
      expect(await page.locator(`#c${f.question.id} > details`).getAttribute('open')).toBeNull();
    },
  },
  { name: 'sessions settings', roles: ['member'], open: visit(() => '/settings/sessions/') },
  { name: 'password settings', roles: ['member'], open: visit(() => '/settings/password/') },
  { name: 'admin dashboard', roles: ['admin'], open: visit(() => '/admin/') },
  {
    name: 'admin dashboard, a chart\'s numbers open',
    roles: ['admin'],
    open: async (page) => {
      await page.goto('/admin/');
      await page.getByText('Votes per day: the numbers').click();
    },
  },
  { name: 'admin users', roles: ['admin'], open: visit(() => '/admin/users/') },
  { name: 'admin users, searched', roles: ['admin'], open: visit(() => '/admin/users/?q=a') },
  { name: 'admin user page', roles: ['admin'], open: visit((f) => `/admin/users/${f.ben.id}/`) },
  {
    name: 'admin user page after saving',
    roles: ['admin'],
    open: async (page, f) => {
      await page.goto(`/admin/users/${f.ben.id}/`);
      await submitWith(page, page.getByRole('button', { name: 'Save' }));
      await page.getByRole('status').waitFor();
    },
  },
  { name: 'admin groups and permissions matrix', roles: ['admin'], open: visit(() => '/admin/groups/') },
  {
    name: 'add a group re-rendered with errors',
    roles: ['admin'],
    open: async (page) => {
      await page.goto('/admin/groups/');
      await page.getByLabel('Name').fill('moderator');
      await submitWith(page, page.getByRole('button', { name: 'Add the group' }));
      await page.getByRole('alert').waitFor();
    },
  },
  { name: 'admin who holds each permission', roles: ['admin'], open: visit(() => '/admin/permissions/') },
  { name: 'moderation queue', roles: ['moderator'], open: visit(() => '/moderation/') },
  { name: 'moderation log', roles: ['visitor', 'moderator'], open: visit(() => '/moderations') },
  { name: 'notifications', roles: ['member'], open: visit(() => '/notifications/') },
  { name: 'devices with notifications', roles: ['member'], open: visit(() => '/settings/notifications/devices/') },
  { name: 'notification settings', roles: ['member'], open: visit(() => '/settings/notifications/') },
  { name: 'unsubscribe link, asking first', roles: ['visitor'], open: visit((f) => f.unsubscribePath) },
  {
    name: 'unsubscribe link, done',
    roles: ['visitor'],
    open: async (page, f) => {
      await page.goto(f.unsubscribePath);
      await submitWith(page, page.getByRole('button', { name: 'Turn off E-mail' }));
      await page.getByRole('status').waitFor();
    },
  },
  { name: 'why flag this?', roles: ['member'], open: visit((f) => `/discuss/${f.spamPost.id}/flag/`) },
  {
    name: 'why flag this? re-rendered with an error',
    roles: ['member'],
    open: async (page, f) => {
      await page.goto(`/comments/${f.rude.id}/flag/`);
      // Without the browser's own check, as a request without a reason would come.
      await page.locator('form[action$="/flag"]').evaluate((form) => form.setAttribute('novalidate', ''));
      await submitWith(page, page.getByRole('button', { name: 'Flag' }));
      await page.getByRole('alert').waitFor();
    },
  },
  { name: 'a locked discussion', roles: ['member', 'moderator'], open: visit((f) => `/discuss/${f.locked.id}/`) },
  { name: 'a hidden discussion', roles: ['visitor', 'moderator'], open: visit((f) => `/discuss/${f.hiddenPost.id}/`) },
  { name: "a moderator's act, asking the reason", roles: ['moderator'], open: visit((f) => `/moderation/posts/${f.locked.id}/unlock/`) },
  { name: "deleting someone else's comment, with a reason", roles: ['moderator'], open: visit((f) => `/comments/${f.rude.id}/delete/`) },
  { name: 'ban a user', roles: ['moderator'], open: visit((f) => `/moderation/users/${f.ben.username}/ban/`) },
  { name: 'a banned user', roles: ['moderator'], open: visit((f) => `/moderation/users/${f.spammy.username}/ban/`) },
  {
    name: 'ban re-rendered with errors',
    roles: ['moderator'],
    open: async (page, f) => {
      await page.goto(`/moderation/users/${f.ben.username}/ban/`);
      await page.locator('form[action$="/ban/"]').evaluate((form) => form.setAttribute('novalidate', ''));
      await page.getByLabel('The ban ends on (optional)').fill('2020-01-01');
      await submitWith(page, page.getByRole('button', { name: `Ban ${f.ben.username}` }));
      await page.getByRole('alert').waitFor();
    },
  },
  { name: 'e-mail settings', roles: ['member'], open: visit(() => '/settings/email/') },
  {
    name: 'e-mail settings re-rendered with errors',
    roles: ['member'],
    open: async (page) => {
      await page.goto('/settings/email/');
      await page.getByLabel('New e-mail address').fill('not an address');
      await page.locator('form[action="/settings/email/"]').evaluate((form) => form.setAttribute('novalidate', ''));
      await submitWith(page, page.getByRole('button', { name: 'Save address' }));
      await page.getByRole('alert').waitFor();
    },
  },
  { name: 'forgot password', roles: ['visitor'], open: visit(() => '/password-reset/') },
  {
    name: 'reset link on its way',
    roles: ['visitor'],
    open: async (page) => {
      await page.goto('/password-reset/');
      await page.getByLabel('Username or e-mail address').fill('someone');
      await submitWith(page, page.getByRole('button', { name: 'Send me a reset link' }));
      await page.getByRole('heading', { name: 'Check your mail' }).waitFor();
    },
  },
  { name: 'choose a new password', roles: ['visitor'], open: visit((f) => f.resetPath) },
  {
    name: 'choose a new password re-rendered with errors',
    roles: ['visitor'],
    open: async (page, f) => {
      await page.goto(f.resetPath);
      await page.getByLabel('New password').fill('short');
      await submitWith(page, page.getByRole('button', { name: 'Set new password' }));
      await page.getByRole('alert').waitFor();
    },
  },
  { name: 'a reset link that does not work', roles: ['visitor'], open: visit(() => '/password-reset/1.1.made-up/', 400) },
  { name: 'a verification link that does not work', roles: ['visitor', 'member'], open: visit(() => '/verify-email/1.1.made-up/', 400) },
  { name: 'sign-in methods settings', roles: ['member'], open: visit(() => '/settings/identities/') },
  { name: 'phone settings (a verified phone)', roles: ['member'], open: visit(() => '/settings/security/phone/') },
  {
    name: 'phone settings re-rendered with errors',
    roles: ['member'],
    open: async (page) => {
      await page.goto('/settings/security/phone/');
      await page.getByLabel('Mobile number').fill('call me');
      await submitWith(page, page.getByRole('button', { name: 'Text me a code' }));
      await page.getByRole('alert').waitFor();
    },
  },
  {
    name: 'phone settings, the code texted',
    roles: ['member'],
    open: async (page) => {
      await page.goto('/settings/security/phone/');
      await page.getByLabel('Mobile number').fill('+91 98765 43211');
      await submitWith(page, page.getByRole('button', { name: 'Text me a code' }));
      await page.getByLabel('Code from the text message').waitFor();
    },
  },
  {
    name: 'two-step sign-in, a code texted',
    roles: ['visitor'],
    open: async (page) => {
      await page.goto('/login');
      await page.getByLabel('Username').fill('sanjay');
      await page.getByLabel('Password').fill(PASSWORD);
      await submitWith(page, page.getByRole('button', { name: 'Log in' }));
      await submitWith(page, page.getByRole('button', { name: 'Text me a code' }));
      await page.getByRole('status').waitFor();
    },
  },
  {
    name: 'the second step (an authenticator app, or a recovery code)',
    roles: ['visitor'],
    open: async (page, f) => {
      await page.goto('/login');
      // Past the password step, as the login form leaves the browser (signed by the app's key, on its clock).
      const value = new SignedValues(SECRET_KEY, new TestClock().now).sign('two_step', { userId: f.tessId, next: '/' }, 600_000);
      await page.context().addCookies([{ name: 'two_step', value, url: new URL('/login/two-step/', page.url()).href }]);
      await visit(() => '/login/two-step/')(page, f);
      await page.getByText('Lost your phone? Use a recovery code').click();
    },
  },
  // Asha sets up an app, page by page, and turns it off at the end (the next run signs her in with a password alone).
  { name: 'security settings', roles: ['member'], open: visit(() => '/settings/security/') },
  { name: 'set up an authenticator app', roles: ['member'], open: visit(() => '/settings/security/authenticator/') },
  {
    name: 'authenticator set-up re-rendered with errors',
    roles: ['member'],
    open: async (page) => {
      await page.goto('/settings/security/authenticator/');
      await page.getByLabel('Code from the app').fill('12345');
      await submitWith(page, page.getByRole('button', { name: 'Turn on' }));
      await page.getByRole('alert').waitFor();
    },
  },
  {
    name: 'recovery codes, shown once',
    roles: ['member'],
    open: async (page) => {
      await page.goto('/settings/security/authenticator/');
      const secret = (await page.locator('code.secret-key').textContent())!.replace(/ /g, '');
      await page.getByLabel('Code from the app').fill(totpCode(secret, new TestClock().now()));
      await submitWith(page, page.getByRole('button', { name: 'Turn on' }));
      await page.getByText('They are shown only now.').waitFor();
    },
  },
  { name: 'security settings with an authenticator app', roles: ['member'], open: visit(() => '/settings/security/') },
  { name: 'new recovery codes?', roles: ['member'], open: visit(() => '/settings/security/recovery-codes/') },
  {
    name: 'turn off the authenticator app',
    roles: ['member'],
    open: async (page) => {
      await page.goto('/settings/security/authenticator/');
      await submitWith(page, page.getByRole('button', { name: 'Turn off the authenticator app' }));
      await page.getByRole('link', { name: 'Set up an authenticator app' }).waitFor();
    },
  },
  { name: 'security settings, a passkey listed', roles: ['member'], open: visit(() => '/settings/security/') },
  {
    name: 'security settings, renaming a passkey',
    roles: ['member'],
    open: async (page) => {
      await page.goto('/settings/security/');
      await page.getByText('Rename').click();
      await page.getByLabel('New name').waitFor();
    },
  },
  { name: 'confirm it is you, with a password or a passkey', roles: ['member'], open: visit(() => '/settings/confirm/?next=/settings/security/') },
  {
    name: 'the second step, with a passkey',
    roles: ['visitor'],
    open: async (page, f) => {
      await page.goto('/login');
      // The browser between the steps, as the password step leaves it (signed by the app's key, on its clock).
      const value = new SignedValues(SECRET_KEY, new TestClock().now).sign('two_step', { userId: f.asha.id, next: '/' }, 600_000);
      await page.context().addCookies([{ name: 'two_step', value, url: new URL('/login/two-step/', page.url()).href }]);
      await visit(() => '/login/two-step/')(page, f);
      await page.getByRole('button', { name: 'Use a passkey' }).waitFor();
    },
  },
  // Asha has a password and a linked Google account: both ways to confirm show.
  { name: 'confirm it is you (password, or a linked provider)', roles: ['member'], open: visit(() => '/settings/confirm/?next=/settings/security/') },
  { name: 'delete your account', roles: ['member'], open: visit(() => '/settings/delete-account/') },
  {
    name: 'delete your account re-rendered with errors',
    roles: ['member'],
    open: async (page) => {
      await page.goto('/settings/delete-account/');
      await page.getByLabel(/Type your username/).fill('not my name');
      await submitWith(page, page.getByRole('button', { name: 'Delete my account' }));
      await page.getByRole('alert').waitFor();
    },
  },
  { name: 'an unknown sign-in provider', roles: ['visitor'], open: visit(() => '/auth/nope/login', 404) },
  {
    name: 'choose a username (after a provider sign-in)',
    roles: ['visitor'],
    open: async (page) => {
      await page.goto('/login');
      // The identity waiting for its username, as the callback leaves it in the browser (signed by the app's key, on its clock).
      const profile = { provider: 'google', subject: '2', email: null, emailVerified: false, username: 'asha' };
      const value = new SignedValues(SECRET_KEY, new TestClock().now).sign('auth_pending', { profile, next: '/' }, 600_000);
      await page.context().addCookies([{ name: 'auth_pending', value, url: new URL('/auth/', page.url()).href }]);
      await visit(() => '/auth/google/username')(page, {} as Fixture);
      await page.getByRole('alert').waitFor();
    },
  },
];

/** One paragraph per rule broken, with the elements at fault, for the failure message. */
function describeViolations(violations: axeCore.Result[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes.map((n) => `  at ${n.target.join(' ')}\n    ${(n.failureSummary ?? '').replaceAll('\n', '\n    ')}`);
      return `[${v.impact ?? 'no impact'}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes.join('\n')}`;
    })
    .join('\n\n');
}

// The dark scheme changes the stylesheet's colour variables and nothing else
// (src/web/static/style.css), so it can only break the rules that read colours;
// the light run checks every rule. Half the axe time for the dark half.
const COLOUR_RULES = ['color-contrast', 'link-in-text-block'];

async function axeViolations(page: Page, colorScheme: 'light' | 'dark'): Promise<axeCore.Result[]> {
  await page.addScriptTag({ content: axeCore.source });
  const options: axeCore.RunOptions = colorScheme === 'dark' ? { runOnly: { type: 'rule', values: COLOUR_RULES } } : {};
  const results = await page.evaluate((o) => (window as unknown as { axe: typeof axeCore }).axe.run(o), options);
  return results.violations;
}

describe.skipIf(!chromiumInstalled())('accessibility audit (axe-core in Chromium)', () => {
  const env = useBrowserApp(seed, () => APP_ENV);

  describe.each(['light', 'dark'] as const)('%s color scheme', (colorScheme) => {
    describe.each(['visitor', 'member', 'moderator', 'admin'] as const)('as a %s', (role) => {
      let context: BrowserContext;
      let page: Page;
      beforeAll(async () => {
        // The site's CSP would refuse axe's injected script.
        context = await newContext(env(), { colorScheme, bypassCSP: true });
        const username = { visitor: null, member: env().data.asha.username, moderator: env().data.mina.username, admin: 'root' }[role];
        page = username ? await signIn(context, username, PASSWORD) : await context.newPage();
      });
      afterAll(async () => {
        await context?.close();
      });

      it.each(PAGES.filter((p) => p.roles.includes(role)))('$name has no violations', async ({ open }) => {
        await open(page, env().data);
        const violations = await axeViolations(page, colorScheme);
        expect(violations.map((v) => v.id), `${page.url()}\n${describeViolations(violations)}`).toEqual([]);
      });
    });
  });
});
