// The admin: who gets in (the subtree's staff guard and each screen's
// permission), changes to groups and the matrix taking effect on the next
// request, user search, and the dashboard's numbers against the database.
import { beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, DASHBOARD_DAYS, USERS_PER_PAGE } from '../src/admin/service.js';
import { useTestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { member, startDiscussion } from './support/forum.js';

type Member = BrowserSession & { username: string };

describe('admin', () => {
  const t = useTestApp();
  const idOf = async (username: string) => (await t().services.accounts.requireByUsername(username)).id;
  const setFlags = async (username: string, flags: { is_staff?: number; is_superuser?: number }) =>
    t().db.kysely.updateTable('users').set(flags).where('username_key', '=', username.toLowerCase()).execute();

  let visitor: BrowserSession;
  let plain: Member;
  let staffOnly: Member;
  let staffAdmin: Member;
  let superuser: Member;
  let moderator: Member;

  beforeAll(async () => {
    const { app, services } = t();
    visitor = new BrowserSession(app);
    plain = await member(app, 'plain');
    staffOnly = await member(app, 'staffonly');
    await setFlags(staffOnly.username, { is_staff: 1 });
    staffAdmin = await member(app, 'staffadmin');
    await setFlags(staffAdmin.username, { is_staff: 1 });
    await services.admin.grant(staffAdmin.username, 'admin');
    superuser = await member(app, 'root');
    await services.admin.makeSuperuser(await idOf(superuser.username));
    // Moderators hold accounts.view_user but are not staff: the subtree's guard keeps them out.
    moderator = await member(app, 'mod');
    await services.admin.grant(moderator.username, 'moderator');
  });

  describe('guard', () => {
    const screens = ['/admin/', '/admin/users/', '/admin/groups/', '/admin/permissions/'];

    it('sends visitors to log in and back', async () => {
      for (const url of screens) {
        const response = await visitor.get(url);
        expect(response.statusCode, url).toBe(303);
        expect(response.headers.location, url).toBe(`/login?next=${encodeURIComponent(url)}`);
      }
    });

    it('refuses members who are not staff, even holding the screen’s permission', async () => {
      for (const url of screens) {
        expect((await plain.get(url)).statusCode, url).toBe(403);
        expect((await moderator.get(url)).statusCode, url).toBe(403);
      }
    });

    it('lets staff in, each screen needing its permission', async () => {
      expect((await staffOnly.get('/admin/')).statusCode).toBe(200);
      for (const url of screens.slice(1)) expect((await staffOnly.get(url)).statusCode, url).toBe(403);
      for (const url of screens) expect((await staffAdmin.get(url)).statusCode, url).toBe(200);
    });

    it('lets superusers in everywhere', async () => {
      for (const url of screens) expect((await superuser.get(url)).statusCode, url).toBe(200);
      expect((await superuser.get(`/admin/users/${await idOf(plain.username)}/`)).statusCode).toBe(200);
    });

    it('shows the admin link only to staff', async () => {
      expect((await plain.get('/')).body).not.toContain('href="/admin/"');
      expect((await staffOnly.get('/')).body).toContain('href="/admin/"');
    });

    it('refuses writes without the permission they need', async () => {
      await staffOnly.get('/admin/');
      expect((await staffOnly.post('/admin/groups/', { grant: [] })).statusCode).toBe(403);
      expect((await staffOnly.post(`/admin/users/${await idOf(plain.username)}/`, {})).statusCode).toBe(403);
    });
  });

  describe("a user's groups", () => {
    it('change on the next request: out of "member", no new discussions; back in, allowed again', async () => {
      const target = await member(t().app, 'target');
      const id = await idOf(target.username);
      expect((await target.get('/start-discussion/')).statusCode).toBe(200);

      const page = await superuser.get(`/admin/users/${id}/`);
      expect(page.body).toMatch(/name="groups" value="\d+" checked> member/);
      const saved = await superuser.post(`/admin/users/${id}/`, {});
      expect(saved.statusCode).toBe(303);
      expect(saved.headers.location).toBe(`/admin/users/${id}/?saved=1`);
      expect((await target.get('/start-discussion/')).statusCode).toBe(403);

      const groups = await t().services.admin.groups();
      const memberGroup = groups.find((g) => g.name === 'member')!;
      await superuser.get(`/admin/users/${id}/`);
      expect((await superuser.post(`/admin/users/${id}/`, { groups: [String(memberGroup.id)] })).statusCode).toBe(303);
      expect((await target.get('/start-discussion/')).statusCode).toBe(200);
    });

    it('opens the admin to a user a superuser makes staff; only superusers may', async () => {
      const target = await member(t().app, 'newstaff');
      const id = await idOf(target.username);
      expect((await target.get('/admin/')).statusCode).toBe(403);

      // An admin who is not a superuser sees no staff box, and a forged one is refused.
      const adminView = await staffAdmin.get(`/admin/users/${id}/`);
      expect(adminView.body).toContain('name="groups"');
      expect(adminView.body).not.toContain('name="is_staff"');
      expect((await staffAdmin.post(`/admin/users/${id}/`, { is_staff: '1' })).statusCode).toBe(403);
      expect((await target.get('/admin/')).statusCode).toBe(403);

      expect((await superuser.get(`/admin/users/${id}/`)).body).toContain('name="is_staff"');
      expect((await superuser.post(`/admin/users/${id}/`, { is_staff: '1' })).statusCode).toBe(303);
      expect((await target.get('/admin/')).statusCode).toBe(200);
    });

    it('ignores group ids that do not exist and refuses malformed ones', async () => {
      const target = await member(t().app, 'ids');
      const id = await idOf(target.username);
      await superuser.get(`/admin/users/${id}/`);
      expect((await superuser.post(`/admin/users/${id}/`, { groups: ['999999'] })).statusCode).toBe(303);
      expect((await t().services.admin.user(id)).groupIds).toEqual([]);
      expect((await superuser.post(`/admin/users/${id}/`, { groups: ['1 or 1=1'] })).statusCode).toBe(400);
      expect((await superuser.post('/admin/users/999999/', {})).statusCode).toBe(404);
    });

    it('shows the ban status and, to those who may ban, the moderation links', async () => {
      const target = await member(t().app, 'banme');
      const id = await idOf(target.username);
      const page = await superuser.get(`/admin/users/${id}/`);
      expect(page.body).toContain('Not banned.');
      expect(page.body).toContain(`href="/moderation/users/${target.username}/ban"`);
      await t()
        .db.kysely.updateTable('users')
        .set({ banned_at: t().clock.now(), banned_until: null, ban_reason: 'spam links' })
        .where('id', '=', id)
        .execute();
      const banned = await superuser.get(`/admin/users/${id}/`);
      expect(banned.body).toContain('until unbanned');
      expect(banned.body).toContain('spam links');
      expect(banned.body).toContain(`action="/moderation/users/${target.username}/unban"`);
      expect((await superuser.get(`/admin/users/?q=${target.username}`)).body).toContain('<strong>banned</strong>');
      // Staff holding accounts.view_user alone see the status, not the controls.
      const viewer = await member(t().app, 'viewer');
      await setFlags(viewer.username, { is_staff: 1 });
      const viewerId = await idOf(viewer.username);
      await t()
        .db.kysely.insertInto('user_permissions')
        .columns(['user_id', 'permission_id'])
        .expression((eb) => eb.selectFrom('permissions').select([eb.val(viewerId).as('user_id'), 'id']).where('codename', '=', 'accounts.view_user'))
        .execute();
      const seen = await viewer.get(`/admin/users/${id}/`);
      expect(seen.statusCode).toBe(200);
      expect(seen.body).toContain('spam links');
      expect(seen.body).not.toContain('/unban');
      expect(seen.body).not.toContain('<form method="post" action="/admin/users/');
    });
  });

  describe('no escalation', () => {
    it('refuses staff handing out groups or permissions beyond their own; a superuser may', async () => {
      // Staff who may change users and groups, but hold nothing else.
      const clerk = await member(t().app, 'clerk');
      await setFlags(clerk.username, { is_staff: 1 });
      const clerkId = await idOf(clerk.username);
      const grantTo = async (codename: string) => {
        const { id } = await t().db.kysely.selectFrom('permissions').select('id').where('codename', '=', codename).executeTakeFirstOrThrow();
        await t().db.kysely.insertInto('user_permissions').values({ user_id: clerkId, permission_id: id }).execute();
      };
      for (const codename of ['accounts.view_user', 'accounts.change_user', 'accounts.view_group', 'accounts.change_group']) await grantTo(codename);
      const groups = await t().services.admin.groups();
      const idOfGroup = (name: string) => String(groups.find((g) => g.name === name)!.id);

      await clerk.get(`/admin/users/${clerkId}/`);
      const joinAdmin = await clerk.post(`/admin/users/${clerkId}/`, { groups: [idOfGroup('member'), idOfGroup('admin')] });
      expect(joinAdmin.statusCode).toBe(403);
      expect(joinAdmin.body).toContain('You can only grant or take away permissions you hold yourself.');
      expect((await t().services.admin.user(clerkId)).groups).toEqual(['member']);

      const ticked = [...(await clerk.get('/admin/groups/')).body.matchAll(/name="grant" value="(\d+:\d+)"[^>]*checked/g)].map((m) => m[1]!);
      const viewFlags = (await t().services.admin.permissions()).find((p) => p.codename === 'forum.view_flags')!;
      const before = await t().services.admin.groupGrants();
      expect((await clerk.post('/admin/groups/', { grant: [...ticked, `${idOfGroup('member')}:${viewFlags.id}`] })).statusCode).toBe(403);
      expect(await t().services.admin.groupGrants()).toEqual(before);
      // What they hold themselves they may pass on.
      expect((await clerk.post('/admin/groups/', { grant: ticked })).statusCode).toBe(303);

      await superuser.get(`/admin/users/${clerkId}/`);
      expect((await superuser.post(`/admin/users/${clerkId}/`, { groups: [idOfGroup('member'), idOfGroup('moderator')] })).statusCode).toBe(303);
      expect((await t().services.admin.user(clerkId)).groups.sort()).toEqual(['member', 'moderator']);
    });
  });

  describe('the permission matrix', () => {
    it('saves every group at once; members lose a permission on their next request', async () => {
      const writer = await member(t().app, 'writer');
      expect((await writer.get('/start-discussion/')).statusCode).toBe(200);
      const page = await superuser.get('/admin/groups/');
      const ticked = [...page.body.matchAll(/name="grant" value="(\d+:\d+)"[^>]*checked/g)].map((m) => m[1]!);
      const before = await t().services.admin.groupGrants();
      expect(new Set(ticked)).toEqual(before);

      const [memberGroup] = (await t().services.admin.groups()).filter((g) => g.name === 'member');
      const addPost = (await t().services.admin.permissions()).find((p) => p.codename === 'forum.add_post')!;
      const without = ticked.filter((cell) => cell !== `${memberGroup!.id}:${addPost.id}`);
      expect(without.length).toBe(ticked.length - 1);
      const saved = await superuser.post('/admin/groups/', { grant: without });
      expect(saved.statusCode).toBe(303);
      expect(await t().services.admin.groupGrants()).toEqual(new Set(without));
      expect((await writer.get('/start-discussion/')).statusCode).toBe(403);

      await superuser.get('/admin/groups/');
      expect((await superuser.post('/admin/groups/', { grant: ticked })).statusCode).toBe(303);
      expect(await t().services.admin.groupGrants()).toEqual(before);
      expect((await writer.get('/start-discussion/')).statusCode).toBe(200);
    });

    it('adds a group, with no members and no permissions, whose column the matrix then fills; refusing bad or taken names', async () => {
      const groupsBefore = await t().services.admin.groups();
      await superuser.get('/admin/groups/');
      for (const [name, problem] of [
        ['', 'is 2 to 40 letters'],
        ['x', 'is 2 to 40 letters'],
        ['copy/editors', 'is 2 to 40 letters'],
        ['-editors', 'is 2 to 40 letters'],
        ['e'.repeat(41), 'is 2 to 40 letters'],
        ['  MODERATOR ', 'There is already a group called “MODERATOR”'],
      ] as const) {
        const refused = await superuser.post('/admin/groups/new/', { name });
        expect(refused.statusCode, name).toBe(400);
        expect(refused.body, name).toContain(problem);
        expect(refused.body, name).toContain('aria-invalid="true"');
      }
      expect(await t().services.admin.groups()).toEqual(groupsBefore);

      const made = await superuser.post('/admin/groups/new/', { name: '  Copy   editors ' });
      expect(made.statusCode).toBe(303);
      const group = (await t().services.admin.groups()).find((g) => g.name === 'Copy editors')!;
      expect(group).toMatchObject({ members: 0 });
      expect(made.headers.location).toBe(`/admin/groups/?created=${group.id}`);
      const page = await superuser.get(made.headers.location!);
      expect(page.body).toContain('The group “Copy editors” is made.');
      expect([...page.body.matchAll(new RegExp(`name="grant" value="${group.id}:\\d+"`, 'g'))]).toHaveLength((await t().services.admin.permissions()).length);
      expect([...(await t().services.admin.groupGrants())].filter((cell) => cell.startsWith(`${group.id}:`))).toEqual([]);
      expect((await superuser.post('/admin/groups/new/', { name: 'copy EDITORS' })).statusCode).toBe(400);

      const addPost = (await t().services.admin.permissions()).find((p) => p.codename === 'forum.add_post')!;
      const grants = [...(await t().services.admin.groupGrants()), `${group.id}:${addPost.id}`];
      expect((await superuser.post('/admin/groups/', { grant: grants })).statusCode).toBe(303);
      expect(await t().services.admin.groupGrants()).toContain(`${group.id}:${addPost.id}`);
    });

    it('lists who holds each permission, through groups and directly', async () => {
      const page = await superuser.get('/admin/permissions/');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`>${superuser.username}</a>`);
      const row = /<code>accounts\.<wbr>ban_user<\/code>[\s\S]*?<\/tr>/.exec(page.body)![0];
      expect(row).toContain('>moderator</a>');
      expect(row).toContain('>admin</a>');
      expect(row).not.toContain('>member</a>');
    });
  });

  describe('users list', () => {
    it('finds users by any part of their name, case-insensitively, with % and _ taken literally', async () => {
      const { accounts } = t().services;
      for (const username of ['Zebra_one', 'zebraXtwo', 'okapi']) await accounts.signup({ username, password: 'correct-horse-battery' });
      const found = (await superuser.get('/admin/users/?q=ZEBRA')).body;
      expect(found).toContain('>Zebra_one</a>');
      expect(found).toContain('>zebraXtwo</a>');
      expect(found).not.toContain('>okapi</a>');
      const underscore = (await superuser.get('/admin/users/?q=a_o')).body;
      expect(underscore).toContain('>Zebra_one</a>');
      expect(underscore).not.toContain('>zebraXtwo</a>');
      expect((await superuser.get('/admin/users/?q=%25')).body).toContain('No user whose name contains “%”.');
    });

    it('lists the members of a group, as linked from who holds each permission', async () => {
      const holders = (await superuser.get('/admin/permissions/')).body;
      expect(holders).toContain('href="/admin/users/?group=moderator"');
      const moderators = (await superuser.get('/admin/users/?group=moderator')).body;
      expect(moderators).toContain(`>${moderator.username}</a>`);
      expect(moderators).not.toContain(`>${plain.username}</a>`);
      const searched = (await superuser.get(`/admin/users/?group=moderator&q=${plain.username}`)).body;
      expect(searched).toContain(`No user in the group moderator whose name contains “${plain.username}”.`);
    });

    it('pages through the users, newest first, keeping the search', async () => {
      const now = t().clock.now();
      await t()
        .db.kysely.insertInto('users')
        .values(Array.from({ length: USERS_PER_PAGE + 1 }, (_, i) => ({ username: `paged${i}`, username_key: `paged${i}`, password_hash: 'x', created_at: now })))
        .execute();
      const first = (await superuser.get('/admin/users/?q=paged')).body;
      expect(first).toContain('>paged50</a>');
      expect(first).not.toContain('>paged0</a>');
      expect(first).toContain('href="/admin/users/?q=paged&amp;page=2"');
      const second = (await superuser.get('/admin/users/?q=paged&page=2')).body;
      expect(second).toContain('>paged0</a>');
      expect(second).not.toContain('>paged1</a>');
    });
  });

  describe('dashboard', () => {
    it('counts sign-ups, posts, comments, votes and flags per day, as the database holds them', async () => {
      const { app, clock, services, db } = t();
      // Activity on three days: the charts must tell them apart.
      const start = clock.time;
      clock.advance(-3 * DAY_MS);
      const a = await member(app, 'dashA');
      const postId = await startDiscussion(a);
      clock.advance(DAY_MS);
      const b = await member(app, 'dashB');
      await services.comments.add({ postId, author: await services.accounts.actor(await idOf(b.username)), text: 'hello' });
      await services.votes.apply('post', postId, await services.accounts.actor(await idOf(b.username)), 'upvote');
      await services.votes.apply('post', postId, await services.accounts.actor(await idOf(b.username)), 'flag', 'spam');
      clock.time = start;

      const activity = await services.admin.activity();
      expect(activity.days).toHaveLength(DASHBOARD_DAYS);
      expect(activity.days.at(-1)).toBe(Math.floor(start / DAY_MS));
      // The same counts, bucketed here from every row instead of grouped in SQL.
      const since = activity.days[0]! * DAY_MS;
      const perDay = (rows: { created_at: number }[]) => activity.days.map((day) => rows.filter((r) => r.created_at >= since && Math.floor(r.created_at / DAY_MS) === day).length);
      const k = db.kysely;
      const [users, posts, comments, postVotes, commentVotes] = await Promise.all([
        k.selectFrom('users').select('created_at').execute(),
        k.selectFrom('posts').select('created_at').execute(),
        k.selectFrom('comments').select('created_at').execute(),
        k.selectFrom('post_votes').selectAll().execute(),
        k.selectFrom('comment_votes').selectAll().execute(),
      ]);
      const reactions = [...postVotes, ...commentVotes];
      expect(activity.counts.signups).toEqual(perDay(users));
      expect(activity.counts.posts).toEqual(perDay(posts));
      expect(activity.counts.comments).toEqual(perDay(comments));
      expect(activity.counts.votes).toEqual(perDay(reactions.filter((r) => r.direction !== 0)));
      expect(activity.counts.flags).toEqual(perDay(reactions.filter((r) => r.flagged === 1)));
      const threeDaysAgo = activity.days.length - 4;
      expect(activity.counts.posts[threeDaysAgo]).toBeGreaterThanOrEqual(1);
      expect(activity.counts.flags[threeDaysAgo + 1]).toBe(1);

      const page = await superuser.get('/admin/');
      expect(page.statusCode).toBe(200);
      for (const series of ['signups', 'posts', 'comments', 'votes', 'flags'] as const) {
        expect(page.body).toContain(`aria-labelledby="chart-${series}-title chart-${series}-desc"`);
      }
      const day = new Date(activity.days[threeDaysAgo + 1]! * DAY_MS).toISOString().slice(0, 10);
      const flagsTable = /Flags per day: the numbers[\s\S]*?<\/table>/.exec(page.body)![0];
      expect(flagsTable).toContain(`<tr><td>${day}</td><td class="number">1</td></tr>`);
      const total = activity.counts.signups.reduce((s, n) => s + n, 0);
      expect(page.body).toContain(`${total} in ${DASHBOARD_DAYS} days`);
    });
  });
});
