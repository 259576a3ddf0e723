// "Delete my account": the person confirms (a recent sign-in, and their
// username typed); sessions, sign-in methods and personal data go; posts,
// comments and votes stay, shown as "[deleted user]" with no profile link.
import { describe, expect, it } from 'vitest';
import { DELETED_USER, PER_USER_TABLES } from '../src/accounts/deletion.js';
import { CONFIRM_WINDOW_MS } from '../src/accounts/two-step/recent-auth.js';
import { useTestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { PASSWORD, seedDiscussion } from './support/discussion-fixture.js';
import { joinGroup } from './support/moderation.js';

const DELETE = '/settings/delete-account/';

describe('deleting one’s account', () => {
  const t = useTestApp();

  it('knows every table with rows per person: each is emptied of them, or kept on purpose', async () => {
    // Votes and flags stay counted (their rows name no one once the account is anonymous).
    const KEPT = ['comment_votes', 'post_votes'];
    const tables = await t().db.kysely.introspection.getTables();
    const perPerson = tables.filter((table) => table.columns.some((c) => c.name === 'user_id')).map((table) => table.name);
    expect(perPerson.sort()).toEqual([...PER_USER_TABLES, ...KEPT].sort());
  });

  const signedIn = async (username: string) => {
    const browser = new BrowserSession(t().app);
    expect((await browser.login(username, PASSWORD)).statusCode).toBe(303);
    return browser;
  };

  it('asks to confirm a stale sign-in, explains what goes and stays, and needs the username typed', async () => {
    const { services, clock, db } = t();
    const user = await services.accounts.signup({ username: 'Wanda', password: PASSWORD });
    const browser = await signedIn('wanda');

    const page = await browser.get(DELETE);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('What goes');
    expect(page.body).toContain('What stays');
    expect(page.body).toContain(`written by <strong>${DELETED_USER}</strong>`);

    const wrong = await browser.post(DELETE, { confirm_username: 'wendy' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('Type Wanda to delete this account; nothing was deleted.');

    clock.advance(CONFIRM_WINDOW_MS + 1);
    for (const response of [await browser.get(DELETE), await browser.post(DELETE, { confirm_username: 'Wanda' })]) {
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe('/settings/confirm/?next=%2Fsettings%2Fdelete-account%2F');
    }
    expect((await db.kysely.selectFrom('users').select('deleted_at').where('id', '=', user.id).executeTakeFirstOrThrow()).deleted_at).toBeNull();
  });

  it('takes sessions, sign-in methods and personal data; leaves posts, comments and votes to "[deleted user]"', async () => {
    const { services, db, clock } = t();
    const f = await seedDiscussion(services);
    const ashaVotes = await db.kysely.selectFrom('comment_votes').selectAll().where('user_id', '=', f.asha.id).execute();
    expect(ashaVotes.length).toBeGreaterThan(0);
    const questionBefore = await db.kysely.selectFrom('comments').select(['upvotes', 'downvotes']).where('id', '=', f.question.id).executeTakeFirstOrThrow();
    await db.kysely.updateTable('users').set({ email: 'asha@example.org', email_verified_at: clock.now() }).where('id', '=', f.asha.id).execute();
    await services.identities.link(f.asha.id, { provider: 'google', subject: 'asha-google', email: 'asha@example.org', emailVerified: true, username: 'asha' });
    const resetLink = new URL(services.email.passwordResetLink(await services.accounts.requireByUsername('asha'), 'http://localhost'));
    const phone = await signedIn('asha');
    const laptop = await signedIn('asha');

    await laptop.get(DELETE);
    const done = await laptop.post(DELETE, { confirm_username: ' ASHA ' });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Your account is deleted');
    expect(done.cookies.some((c) => c.name === 'sid' && c.value === '')).toBe(true);

    const row = await db.kysely.selectFrom('users').selectAll().where('id', '=', f.asha.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ username: DELETED_USER, email: null, email_verified_at: null, password_hash: null, is_active: 0, is_staff: 0, is_superuser: 0, deleted_at: clock.now() });
    expect(row.username_key).not.toContain('asha');
    for (const table of PER_USER_TABLES) {
      expect(await db.kysely.selectFrom(table).select('user_id').where('user_id', '=', f.asha.id).execute(), table).toEqual([]);
    }
    // Both devices are signed out.
    expect((await phone.get('/settings/sessions/')).headers.location).toMatch(/^\/login/);

    // What she wrote stays, by "[deleted user]", linking nowhere; her votes stay counted.
    expect(await db.kysely.selectFrom('comment_votes').selectAll().where('user_id', '=', f.asha.id).execute()).toEqual(ashaVotes);
    expect(await db.kysely.selectFrom('comments').select(['upvotes', 'downvotes']).where('id', '=', f.question.id).executeTakeFirstOrThrow()).toEqual(questionBefore);
    const reader = new BrowserSession(t().app);
    for (const path of ['/', `/discuss/${f.post.id}/`, `/comments/${f.answer.id}/`, '/profile/ben/']) {
      const page = await reader.get(path);
      const body = page.statusCode === 302 ? (await reader.get(String(page.headers.location))).body : page.body;
      if (path !== '/profile/ben/') expect(body, path).toContain(`<span class="deleted-user">${DELETED_USER}</span>`);
      expect(body, path).not.toMatch(/href="\/profile\/(asha|%5Bdeleted)/i);
    }
    expect((await reader.get('/profile/asha/')).statusCode).toBe(404);
    expect((await reader.get(`/profile/${encodeURIComponent(DELETED_USER)}/`)).statusCode).toBe(404);

    // No way back in: password, reset link; and nobody else takes the name.
    const login = await new BrowserSession(t().app).login('asha', PASSWORD);
    expect(login.statusCode).toBe(400);
    expect((await reader.get(resetLink.pathname)).statusCode).toBe(400);
    const taken = new BrowserSession(t().app);
    await taken.get('/signup');
    const signup = await taken.post('/signup', { username: 'Asha', password: 'a-long-enough-secret' });
    expect(signup.statusCode).toBe(400);
    expect(signup.body).toContain('belonged to an account that was deleted');
  });

  it('shows "[deleted user]" in the moderation queue, the public log and the admin, with no profile link', async () => {
    const { services, db } = t();
    const vic = await services.accounts.signup({ username: 'vic', password: PASSWORD });
    const created = await services.posts.create(await services.accounts.actor(vic.id), { title: 'Buy cheap things', text: 'spam' });
    if (!created.created) throw new Error('not created');
    await services.accounts.signup({ username: 'mod', password: PASSWORD });
    await joinGroup(db, 'mod', 'moderator');
    const flagger = await services.accounts.signup({ username: 'flagger', password: PASSWORD });
    await services.votes.apply('post', created.post.id, await services.accounts.actor(flagger.id), 'flag', 'spam');
    const mod = await signedIn('mod');
    await mod.get('/moderation/users/vic/ban/');
    expect((await mod.post('/moderation/users/vic/ban/', { reason: 'Spam' })).statusCode).toBe(303);
    await mod.get('/moderation/users/vic/ban/');
    expect((await mod.post('/moderation/users/vic/unban/', { reason: 'One more chance' })).statusCode).toBe(303);

    await services.accounts.deleteAccount(vic.id);

    const queue = await mod.get('/moderation/');
    expect(queue.body).toContain('Buy cheap things');
    expect(queue.body).toContain(`by <span class="deleted-user">${DELETED_USER}</span>`);
    expect(queue.body).not.toContain('/moderation/users/vic/');
    const log = await mod.get('/moderations/');
    // The ban and unban named her: the log keeps the acts, not the name.
    expect(log.body).not.toMatch(/\bvic\b/);
    expect(log.body.match(/<span class="deleted-user">\[deleted user\]<\/span>/g)).toHaveLength(2);

    await services.accounts.signup({ username: 'root', password: PASSWORD });
    await services.admin.makeSuperuser((await services.accounts.requireByUsername('root')).id);
    const admin = await signedIn('root');
    const detail = await admin.get(`/admin/users/${vic.id}/`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).toContain('none: the account was deleted');
    expect(detail.body).not.toMatch(/href="\/profile\/(vic|%5B|\[)/);
    expect(detail.body).toContain('The person deleted this account');
    expect(detail.body).not.toContain('/moderation/users/');
    await admin.get(`/admin/users/${vic.id}/`);
    expect((await admin.post(`/admin/users/${vic.id}/`, { groups: '1' })).statusCode).toBe(404);
  });

  it('keeps the last superuser, saying why, and lets one of two go', async () => {
    const { services, db } = t();
    // Earlier tests' superusers switched off: first-root is the only one.
    await db.kysely.updateTable('users').set({ is_superuser: 0 }).execute();
    const first = await services.accounts.signup({ username: 'first-root', password: PASSWORD });
    await services.admin.makeSuperuser(first.id);
    const browser = await signedIn('first-root');
    await browser.get(DELETE);
    const refused = await browser.post(DELETE, { confirm_username: 'first-root' });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('You are the only superuser');
    expect((await browser.get('/settings/sessions/')).statusCode).toBe(200);

    const second = await services.accounts.signup({ username: 'second-root', password: PASSWORD });
    await services.admin.makeSuperuser(second.id);
    await browser.get(DELETE);
    expect((await browser.post(DELETE, { confirm_username: 'first-root' })).statusCode).toBe(200);
    // Now second-root is the last one.
    await expect(services.accounts.deleteAccount(second.id)).rejects.toThrow('You are the only superuser');
  });

  it('lets only one of the last two superusers go when both delete at once', async () => {
    const { services, db } = t();
    // Earlier tests' superusers switched off, so these two are the last.
    await db.kysely.updateTable('users').set({ is_superuser: 0 }).execute();
    const a = await services.accounts.signup({ username: 'root-a', password: PASSWORD });
    const b = await services.accounts.signup({ username: 'root-b', password: PASSWORD });
    await services.admin.makeSuperuser(a.id);
    await services.admin.makeSuperuser(b.id);
    const outcomes = await Promise.allSettled([services.accounts.deleteAccount(a.id), services.accounts.deleteAccount(b.id)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const left = await db.kysely.selectFrom('users').select('id').where('is_superuser', '=', 1).where('deleted_at', 'is', null).execute();
    expect(left).toHaveLength(1);
  });
});
