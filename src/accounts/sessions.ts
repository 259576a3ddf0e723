import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { actorOf, permissionsColumn } from '../access/grants.js';
import { MEMBER_PERMISSIONS } from '../access/permissions.js';
import type { Actor } from '../access/policy.js';
import type { DialectName } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { Clock } from '../errors.js';

export interface SessionUser extends Actor {
  username: string;
  /** Staff rights set aside until this session passes a second step (STAFF_TWO_STEP=required). */
  staffPaused?: true;
}

export interface CurrentSession {
  /** SHA-256 of the cookie token, as stored. */
  id: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  /** When the person last proved who they are (sign-in or confirming again). */
  authenticatedAt: number;
  /** Whether this session passed a second step. */
  secondStep: boolean;
  user: SessionUser;
}

export interface SessionLimits {
  idleMs: number;
  maxAgeMs: number;
  /** Staff (beyond a member's rights) act as members until the session passed a second step. */
  staffNeedSecondStep: boolean;
}

/** "Last seen" is written at most this often, so reading pages stays read-only. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const newSecret = () => randomBytes(32).toString('base64url');

export class SessionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly now: Clock,
    private readonly limits: SessionLimits,
  ) {}

  /** How long a session may live at most: its cookie lives as long. */
  get maxAgeSeconds(): number {
    return Math.floor(this.limits.maxAgeMs / 1000);
  }

  /** A new session with a fresh id: called at login, never reused (no fixation). */
  async create(userId: number, meta: { userAgent: string; ip: string; secondStep?: boolean }): Promise<string> {
    const token = newSecret();
    const now = this.now();
    await this.db
      .insertInto('sessions')
      .values({
        id: hashToken(token),
        user_id: userId,
        csrf_token: newSecret(),
        created_at: now,
        last_seen_at: now,
        authenticated_at: now,
        second_step: meta.secondStep ? 1 : 0,
        user_agent: meta.userAgent.slice(0, 300),
        ip: meta.ip,
      })
      .execute();
    return token;
  }

  /**
   * One query: the session, its user and the user's permissions (through
   * groups and direct grants), or null when unknown, expired, or the account
   * is switched off or banned. Permissions are read afresh on every request,
   * so a grant or a ban takes effect on the next one.
   */
  async lookup(token: string): Promise<CurrentSession | null> {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.id',
        'sessions.csrf_token',
        'sessions.created_at',
        'sessions.last_seen_at',
        'sessions.authenticated_at',
        'sessions.second_step',
        'users.id as user_id',
        'users.username',
        'users.score',
        'users.created_at as user_created_at',
        'users.is_active',
        'users.is_staff',
        'users.is_superuser',
        'users.banned_at',
        'users.banned_until',
      ])
      .select(permissionsColumn(this.dialect).as('permissions'))
      .where('sessions.id', '=', hashToken(token))
      .executeTakeFirst();
    if (!row) return null;
    const now = this.now();
    const expired = now - row.last_seen_at > this.limits.idleMs || now - row.created_at > this.limits.maxAgeMs;
    if (expired || !row.is_active || isBanned(row, now)) {
      await this.db.deleteFrom('sessions').where('id', '=', row.id).execute();
      return null;
    }
    const actor = actorOf({ ...row, id: row.user_id, created_at: row.user_created_at });
    const secondStep = row.second_step === 1;
    return {
      id: row.id,
      csrfToken: row.csrf_token,
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
      authenticatedAt: row.authenticated_at,
      secondStep,
      user: { ...(this.limits.staffNeedSecondStep && !secondStep && isStaff(actor) ? asMember(actor) : actor), username: row.username },
    };
  }

  /** The person proved who they are again (the 10-minute window of recent-auth.ts); a second step also counts for the session. */
  async confirm(sessionId: string, secondStep: boolean): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ authenticated_at: this.now() })
      .$if(secondStep, (q) => q.set({ second_step: 1 }))
      .where('id', '=', sessionId)
      .execute();
  }

  async touch(session: CurrentSession): Promise<void> {
    const now = this.now();
    if (now - session.lastSeenAt < LAST_SEEN_RESOLUTION_MS) return;
    await this.db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', session.id).execute();
  }

  async destroy(sessionId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', sessionId).execute();
  }

  /** Signs the user out everywhere but `keepId` (everywhere when it is undefined). */
  async destroyOthers(userId: number, keepId?: string): Promise<void> {
    await this.db
      .deleteFrom('sessions')
      .where('user_id', '=', userId)
      .$if(keepId !== undefined, (q) => q.where('id', '!=', keepId!))
      .execute();
  }

  /** The user's live sessions, most recently seen first. */
  async listForUser(userId: number): Promise<SessionSummary[]> {
    const now = this.now();
    const rows = await this.db
      .selectFrom('sessions')
      .select(['id', 'created_at', 'last_seen_at', 'user_agent', 'ip'])
      .where('user_id', '=', userId)
      .where('last_seen_at', '>=', now - this.limits.idleMs)
      .where('created_at', '>=', now - this.limits.maxAgeMs)
      .orderBy('last_seen_at', 'desc')
      .execute();
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at, lastSeenAt: r.last_seen_at, userAgent: r.user_agent, ip: r.ip }));
  }
}

/** Staff for STAFF_TWO_STEP: the admin flags, or any right beyond a member's (moderators). */
function isStaff(actor: Actor): boolean {
  return actor.isStaff || actor.isSuperuser || [...actor.permissions].some((p) => !MEMBER_PERMISSIONS.includes(p));
}

function asMember(actor: Actor): Actor & { staffPaused: true } {
  const permissions = new Set([...actor.permissions].filter((p) => MEMBER_PERMISSIONS.includes(p)));
  return { ...actor, isStaff: false, isSuperuser: false, permissions, staffPaused: true };
}

/** Whether a user row is banned at `now` (a ban without an end lasts until lifted). */
export function isBanned(user: { banned_at: number | null; banned_until: number | null }, now: number): boolean {
  return user.banned_at !== null && (user.banned_until === null || user.banned_until > now);
}

export interface SessionSummary {
  id: string;
  createdAt: number;
  lastSeenAt: number;
  userAgent: string;
  ip: string;
}
