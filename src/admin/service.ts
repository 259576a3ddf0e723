// What the admin screens read and change: activity per day, users and their
// groups, the group × permission matrix, who holds each permission. Knows
// nothing of HTTP; the routes decide who may call what (the policy).
import { sql, type Expression, type Kysely } from 'kysely';
import { joinedValues } from '../access/grants.js';
import { isPermission } from '../access/permissions.js';
import type { Actor, Policy } from '../access/policy.js';
import type { DialectName } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { ForbiddenError, NotFoundError, ValidationError, type Clock } from '../errors.js';
import { isBanned } from '../accounts/sessions.js';

export const DAY_MS = 24 * 3_600_000;
const BEYOND_OWN = 'You can only grant or take away permissions you hold yourself.';
/** 2 to 40 characters: letters, digits, spaces, "-" and "_", a letter or digit at each end (the CLI's `grant` names it too). */
const GROUP_NAME = /^[\p{L}\p{N}][\p{L}\p{N} _-]{0,38}[\p{L}\p{N}]$/u;
export const DASHBOARD_DAYS = 30;
export const USERS_PER_PAGE = 50;

export const ACTIVITY_SERIES = ['signups', 'posts', 'comments', 'votes', 'flags'] as const;
export type ActivitySeries = (typeof ACTIVITY_SERIES)[number];

export interface Activity {
  /** Epoch days (days since 1970-01-01 UTC), oldest first; today last. */
  days: number[];
  /** For each series, one count per day of `days`. */
  counts: Record<ActivitySeries, number[]>;
}

export interface UserRow {
  id: number;
  username: string;
  score: number;
  createdAt: number;
  isStaff: boolean;
  isSuperuser: boolean;
  banned: boolean;
  groups: string[];
}

export interface UserDetail extends UserRow {
  email: string | null;
  isActive: boolean;
  bannedAt: number | null;
  bannedUntil: number | null;
  banReason: string | null;
  groupIds: number[];
  /** Granted to the user directly, not through a group. */
  directPermissions: string[];
}

export interface Group {
  id: number;
  name: string;
  members: number;
}

export interface PermissionRow {
  id: number;
  codename: string;
  name: string;
}

export interface Holders {
  permissions: (PermissionRow & { groups: Group[]; users: { id: number; username: string }[] })[];
  superusers: { id: number; username: string }[];
}

type Row = { id: number; username: string; score: number; created_at: number; is_staff: number; is_superuser: number; banned_at: number | null; banned_until: number | null; groups: string | null };

export class AdminService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly policy: Policy,
    private readonly now: Clock,
  ) {}

  private holds(actor: Actor, codename: string): boolean {
    return isPermission(codename) && this.policy.has(actor, codename);
  }

  /** Sign-ups, posts, comments, votes and flags per UTC day over the last DASHBOARD_DAYS days: one query each. */
  async activity(): Promise<Activity> {
    const today = Math.floor(this.now() / DAY_MS);
    const first = today - DASHBOARD_DAYS + 1;
    const since = first * DAY_MS;
    const days = Array.from({ length: DASHBOARD_DAYS }, (_, i) => first + i);
    const db = this.db;
    // Votes and flags live in two tables each: one query over both.
    const reactions = (kind: 'votes' | 'flags') => {
      const rows = (table: 'post_votes' | 'comment_votes') => {
        const query = db.selectFrom(table).select('created_at').where('created_at', '>=', since);
        return kind === 'votes' ? query.where('direction', '!=', 0) : query.where('flagged', '=', 1);
      };
      return rows('post_votes').unionAll(rows('comment_votes'));
    };
    const sources: Record<ActivitySeries, Expression<{ created_at: number }>> = {
      signups: db.selectFrom('users').select('created_at').where('created_at', '>=', since),
      posts: db.selectFrom('posts').select('created_at').where('created_at', '>=', since),
      comments: db.selectFrom('comments').select('created_at').where('created_at', '>=', since),
      votes: reactions('votes'),
      flags: reactions('flags'),
    };
    const counts = {} as Record<ActivitySeries, number[]>;
    for (const series of ACTIVITY_SERIES) {
      const perDay = await this.countPerDay(sources[series]);
      counts[series] = days.map((day) => perDay.get(day) ?? 0);
    }
    return { days, counts };
  }

  /** Rows grouped by UTC day in SQL: epoch milliseconds divided by a day's, as integers on both databases. */
  private async countPerDay(source: Expression<{ created_at: number }>): Promise<Map<number, number>> {
    const day = sql<number>`created_at / ${sql.lit(DAY_MS)}`;
    const rows = await this.db
      .selectFrom(sql<{ created_at: number }>`(${source})`.as('activity'))
      .select([day.as('day'), (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(day)
      .execute();
    return new Map(rows.map((r) => [Number(r.day), Number(r.n)]));
  }

  /** A page of users, newest first; `search` matches anywhere in the username, case-insensitively; `group` (a name) keeps its members. */
  async listUsers(filter: { search: string; group: string }, page: number): Promise<{ users: UserRow[]; hasMore: boolean }> {
    let query = this.userColumns();
    const term = filter.search.trim().toLowerCase();
    if (term) {
      const pattern = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where(sql<boolean>`users.username_key like ${pattern} escape '\\'`);
    }
    if (filter.group) {
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('user_groups')
            .innerJoin('groups', 'groups.id', 'user_groups.group_id')
            .select('user_groups.user_id')
            .whereRef('user_groups.user_id', '=', 'users.id')
            .where('groups.name', '=', filter.group),
        ),
      );
    }
    const rows = await query
      .orderBy('users.id', 'desc')
      .limit(USERS_PER_PAGE + 1)
      .offset((page - 1) * USERS_PER_PAGE)
      .execute();
    return { users: rows.slice(0, USERS_PER_PAGE).map((r) => this.toUserRow(r)), hasMore: rows.length > USERS_PER_PAGE };
  }

  async user(id: number): Promise<UserDetail> {
    const row = await this.userColumns().select(['users.email', 'users.is_active', 'users.ban_reason']).where('users.id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('No such user');
    const [groups, direct] = await Promise.all([
      this.db.selectFrom('user_groups').select('group_id').where('user_id', '=', id).execute(),
      this.db
        .selectFrom('user_permissions')
        .innerJoin('permissions', 'permissions.id', 'user_permissions.permission_id')
        .select('permissions.codename')
        .where('user_permissions.user_id', '=', id)
        .orderBy('permissions.id')
        .execute(),
    ]);
    return {
      ...this.toUserRow(row),
      email: row.email,
      isActive: row.is_active === 1,
      bannedAt: row.banned_at,
      bannedUntil: row.banned_until,
      banReason: row.ban_reason,
      groupIds: groups.map((g) => g.group_id),
      directPermissions: direct.map((p) => p.codename),
    };
  }

  /**
   * Sets the user's groups (unknown group ids are ignored) and, when given,
   * whether they are staff, which only the policy's `user.set_staff` allows.
   * The user's next request reads the new permissions with its session.
   */
  async updateUser(actor: Actor, id: number, change: { groupIds: number[]; isStaff?: boolean | undefined }): Promise<void> {
    if (change.isStaff !== undefined && !this.policy.can(actor, 'user.set_staff')) throw new ForbiddenError('Only a superuser may change who is staff.');
    await inTransaction(this.db, async (trx) => {
      // A deleted account takes no groups or rights: nobody can sign in to it, and it would come back in staff lists.
      const found = await trx.selectFrom('users').select('id').where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
      if (!found) throw new NotFoundError('No such user');
      // No one hands out more than they hold: every group joined or left must carry only permissions the actor has.
      const current = (await trx.selectFrom('user_groups').select('group_id').where('user_id', '=', id).execute()).map((g) => g.group_id);
      const changed = [...change.groupIds.filter((g) => !current.includes(g)), ...current.filter((g) => !change.groupIds.includes(g))];
      if (changed.length > 0 && !actor.isSuperuser) {
        const codenames = await trx
          .selectFrom('group_permissions')
          .innerJoin('permissions', 'permissions.id', 'group_permissions.permission_id')
          .select('permissions.codename')
          .where('group_permissions.group_id', 'in', changed)
          .execute();
        if (codenames.some((c) => !this.holds(actor, c.codename))) throw new ForbiddenError(BEYOND_OWN);
      }
      await trx.deleteFrom('user_groups').where('user_id', '=', id).execute();
      if (change.groupIds.length > 0) {
        await trx
          .insertInto('user_groups')
          .columns(['user_id', 'group_id'])
          .expression((eb) => eb.selectFrom('groups').select([eb.val(id).as('user_id'), 'id']).where('id', 'in', change.groupIds))
          .execute();
      }
      if (change.isStaff !== undefined) await trx.updateTable('users').set({ is_staff: change.isStaff ? 1 : 0 }).where('id', '=', id).execute();
    });
  }

  async groups(): Promise<Group[]> {
    const rows = await this.db
      .selectFrom('groups')
      .leftJoin('user_groups', 'user_groups.group_id', 'groups.id')
      .select(['groups.id', 'groups.name', (eb) => eb.fn.count<number>('user_groups.user_id').as('members')])
      .groupBy(['groups.id', 'groups.name'])
      .orderBy('groups.id')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, members: Number(r.members) }));
  }

  /** A new group, with no members and no permissions (the matrix gives it some); names are unique whatever their case. */
  async createGroup(name: string): Promise<Group> {
    const wanted = name.trim().replace(/\s+/g, ' ');
    if (!GROUP_NAME.test(wanted)) {
      throw new ValidationError({ name: 'A group’s name is 2 to 40 letters, digits, spaces, “-” or “_”, with a letter or digit at each end.' });
    }
    const taken = () => this.db.selectFrom('groups').select('id').where(sql<boolean>`lower(name) = lower(${wanted})`).executeTakeFirst();
    const takenError = () => new ValidationError({ name: `There is already a group called “${wanted}”.` });
    if (await taken()) throw takenError();
    try {
      const { id } = await this.db.insertInto('groups').values({ name: wanted }).returning('id').executeTakeFirstOrThrow();
      return { id, name: wanted, members: 0 };
    } catch (error) {
      // Made at the same moment by someone else: the unique name refused this one.
      if (await taken()) throw takenError();
      throw error;
    }
  }

  async permissions(): Promise<PermissionRow[]> {
    return this.db.selectFrom('permissions').select(['id', 'codename', 'name']).orderBy('id').execute();
  }

  /** The matrix: each group's permissions, as "groupId:permissionId" keys. */
  async groupGrants(): Promise<Set<string>> {
    const rows = await this.db.selectFrom('group_permissions').select(['group_id', 'permission_id']).execute();
    return new Set(rows.map((r) => grantKey(r.group_id, r.permission_id)));
  }

  /** Replaces the whole matrix with the pairs given (pairs naming no group or permission are ignored). */
  async saveGroupGrants(actor: Actor, pairs: [groupId: number, permissionId: number][]): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      const [groups, permissions, before] = await Promise.all([
        trx.selectFrom('groups').select('id').execute(),
        trx.selectFrom('permissions').select(['id', 'codename']).execute(),
        trx.selectFrom('group_permissions').select(['group_id', 'permission_id']).execute(),
      ]);
      const groupIds = new Set(groups.map((g) => g.id));
      const codenameOf = new Map(permissions.map((p) => [p.id, p.codename]));
      const unique = new Map(pairs.filter(([g, p]) => groupIds.has(g) && codenameOf.has(p)).map(([g, p]) => [grantKey(g, p), { group_id: g, permission_id: p }]));
      // No one hands out (or takes away) a permission they do not hold themselves.
      const held = new Set(before.map((r) => grantKey(r.group_id, r.permission_id)));
      const touched = [...[...unique.values()].filter((r) => !held.has(grantKey(r.group_id, r.permission_id))), ...before.filter((r) => !unique.has(grantKey(r.group_id, r.permission_id)))];
      if (touched.some((r) => !this.holds(actor, codenameOf.get(r.permission_id)!))) throw new ForbiddenError(BEYOND_OWN);
      await trx.deleteFrom('group_permissions').execute();
      if (unique.size > 0) await trx.insertInto('group_permissions').values([...unique.values()]).execute();
    });
  }

  /** Per permission, the groups (with member counts) and the users granted it directly; and the superusers, who hold all. */
  async holders(): Promise<Holders> {
    const [permissions, groups, groupGrants, direct, superusers] = await Promise.all([
      this.permissions(),
      this.groups(),
      this.db.selectFrom('group_permissions').select(['group_id', 'permission_id']).execute(),
      this.db
        .selectFrom('user_permissions')
        .innerJoin('users', 'users.id', 'user_permissions.user_id')
        .select(['user_permissions.permission_id', 'users.id', 'users.username'])
        .orderBy('users.username_key')
        .execute(),
      this.db.selectFrom('users').select(['id', 'username']).where('is_superuser', '=', 1).orderBy('username_key').execute(),
    ]);
    const groupById = new Map(groups.map((g) => [g.id, g]));
    return {
      permissions: permissions.map((p) => ({
        ...p,
        groups: groupGrants.filter((g) => g.permission_id === p.id).flatMap((g) => groupById.get(g.group_id) ?? []),
        users: direct.filter((d) => d.permission_id === p.id).map((d) => ({ id: d.id, username: d.username })),
      })),
      superusers,
    };
  }

  /** Makes the user staff and superuser, and a member of the admin group (so the grant shows in the admin too). */
  async makeSuperuser(userId: number): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      await trx.updateTable('users').set({ is_staff: 1, is_superuser: 1 }).where('id', '=', userId).execute();
      await this.addToGroup(trx, userId, ADMIN_GROUP);
    });
  }

  /** Adds the user to the group; false when they were already in it. */
  async grant(username: string, groupName: string): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      const user = await trx.selectFrom('users').select('id').where('username_key', '=', username.toLowerCase()).executeTakeFirst();
      if (!user) throw new NotFoundError(`No user is called "${username}".`);
      return this.addToGroup(trx, user.id, groupName);
    });
  }

  private async addToGroup(trx: Kysely<Database>, userId: number, groupName: string): Promise<boolean> {
    const group = await trx.selectFrom('groups').select('id').where('name', '=', groupName).executeTakeFirst();
    if (!group) {
      const names = await trx.selectFrom('groups').select('name').orderBy('id').execute();
      throw new NotFoundError(`No group is called "${groupName}" (groups: ${names.map((g) => g.name).join(', ')}).`);
    }
    const held = await trx.selectFrom('user_groups').select('user_id').where('user_id', '=', userId).where('group_id', '=', group.id).executeTakeFirst();
    if (held) return false;
    await trx.insertInto('user_groups').values({ user_id: userId, group_id: group.id }).execute();
    return true;
  }

  private userColumns() {
    const joined = joinedValues(this.dialect, sql.ref('groups.name'), ',');
    return this.db
      .selectFrom('users')
      .select(['users.id', 'users.username', 'users.score', 'users.created_at', 'users.is_staff', 'users.is_superuser', 'users.banned_at', 'users.banned_until'])
      .select(sql<string | null>`(select ${joined} from user_groups join groups on groups.id = user_groups.group_id where user_groups.user_id = users.id)`.as('groups'));
  }

  private toUserRow(r: Row): UserRow {
    return {
      id: r.id,
      username: r.username,
      score: r.score,
      createdAt: r.created_at,
      isStaff: r.is_staff === 1,
      isSuperuser: r.is_superuser === 1,
      banned: isBanned(r, this.now()),
      groups: (r.groups ?? '').split(',').filter(Boolean).sort(),
    };
  }
}

export const ADMIN_GROUP = 'admin';

export const grantKey = (groupId: number, permissionId: number) => `${groupId}:${permissionId}`;
