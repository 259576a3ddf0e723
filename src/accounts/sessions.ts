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
  /** For the header's count: read with the session, no query of its own. */
  unreadNotifications: number;
  /** Staff rights set aside until this session passes a second step (STAFF_TWO_STEP=required). */
  staffPaused?: true;
}

export interface CurrentSession extends SessionFacts {
  user: SessionUser;
}

export interface SessionLimits {
  idleMs: number;
  maxAgeMs: number;
  /** Staff (beyond a member's rights) act as members until the session passed a second step. */
  staffNeedSecondStep: boolean;
}

export interface SessionMeta {
  userAgent: string;
  ip: string;
  secondStep?: boolean;
}

/**
 * A new cookie value to send, when the store keeps the session in the cookie
 * itself (SESSION_STORE=cookie); undefined when the cookie stays as it is.
 */
export type Reissued = string | undefined;

/** SESSION_STORE: where signed-in sessions live (docs/decisions.md, "Sessions: three stores"). */
export type SessionStoreKind = 'db' | 'redis' | 'cookie';

/**
 * Where sessions live. The cookie holds an opaque token (db, redis) or the
 * sealed session itself (cookie); session-hooks.ts sets and reads it.
 */
export interface SessionStore {
  readonly kind: SessionStoreKind;
  /** Whether the store knows a person's other sessions, to list them (the cookie store does not). */
  readonly listsSessions: boolean;
  /** How long a session may live at most: its cookie lives as long. */
  readonly maxAgeSeconds: number;
  /** A new session with a fresh id, returning the cookie's value: called at login, never reused (no fixation). */
  create(userId: number, meta: SessionMeta): Promise<string>;
  /**
   * The session, its user and the user's permissions, or null when unknown,
   * altered, expired, ended, or the account is switched off or banned. The
   * user's row is read afresh on every request (one query), so a grant or a
   * ban takes effect on the next one.
   */
  lookup(token: string): Promise<CurrentSession | null>;
  /** "Last seen", written at most once a minute (LAST_SEEN_RESOLUTION_MS), so reading pages stays read-only. */
  touch(session: CurrentSession): Promise<Reissued>;
  /** The person proved who they are again (the 10-minute window of recent-auth.ts); a second step also counts for the session. */
  confirm(session: CurrentSession, secondStep: boolean): Promise<Reissued>;
  /** This session is replaced by a fresh one (login, privilege change): its id is retired where the store can. */
  retire(session: CurrentSession): Promise<void>;
  /** Logout: after it, a copy of this session's cookie signs no one in. The cookie store can only end them all. */
  signOut(session: CurrentSession): Promise<void>;
  /** Signs the user out everywhere but `keep` (everywhere when it is undefined). */
  destroyOthers(userId: number, keep?: CurrentSession): Promise<Reissued>;
  /** The user's live sessions, most recently seen first; empty when the store cannot list them. */
  listForUser(userId: number): Promise<SessionSummary[]>;
  close(): Promise<void>;
}

/** "Last seen" is written at most this often, so reading pages stays read-only. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
export const newSecret = (): string => randomBytes(32).toString('base64url');

const USER_COLUMNS = [
  'users.id as user_id',
  'users.username',
  'users.score',
  'users.created_at as user_created_at',
  'users.is_active',
  'users.is_staff',
  'users.is_superuser',
  'users.banned_at',
  'users.banned_until',
  'users.session_epoch',
  'users.unread_notifications',
] as const;

type UserColumns = {
  user_id: number;
  username: string;
  score: number;
  user_created_at: number;
  is_active: number;
  is_staff: number;
  is_superuser: number;
  banned_at: number | null;
  banned_until: number | null;
  session_epoch: number;
  unread_notifications: number;
  permissions: string | null;
};

/** What every store knows of a session, whoever keeps it. */
export interface SessionFacts {
  /** SHA-256 of the cookie's token, as stored (db, redis); the random id sealed inside the cookie (cookie). */
  id: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  /** When the person last proved who they are (sign-in or confirming again). */
  authenticatedAt: number;
  /** Whether this session passed a second step. */
  secondStep: boolean;
}

/**
 * Session rules shared by the stores: lifetimes, the user's row, and who the
 * session's user acts as. `epoch`: the users.session_epoch the session began
 * with, for the stores outside the sessions table.
 */
export class SessionRules {
  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: DialectName,
    readonly now: Clock,
    readonly limits: SessionLimits,
  ) {}

  get maxAgeSeconds(): number {
    return Math.floor(this.limits.maxAgeMs / 1000);
  }

  expired(facts: Pick<SessionFacts, 'createdAt' | 'lastSeenAt'>, now = this.now()): boolean {
    return now - facts.lastSeenAt > this.limits.idleMs || now - facts.createdAt > this.limits.maxAgeMs;
  }

  /** Milliseconds until the session ends by itself (idle or absolute), counted from `now`. */
  remainingMs(facts: Pick<SessionFacts, 'createdAt' | 'lastSeenAt'>, now = this.now()): number {
    return Math.min(facts.lastSeenAt + this.limits.idleMs, facts.createdAt + this.limits.maxAgeMs) - now;
  }

  /** The user's row and permissions: the one query of a lookup. */
  userQuery() {
    return this.db.selectFrom('users').select(USER_COLUMNS).select(permissionsColumn(this.dialect).as('permissions'));
  }

  async epochOf(userId: number): Promise<number> {
    const row = await this.db.selectFrom('users').select('session_epoch').where('id', '=', userId).executeTakeFirstOrThrow();
    return row.session_epoch;
  }

  /** Raises the user's epoch, returning the new one: every session carrying an older one is over. */
  raiseEpoch(userId: number): Promise<number> {
    return raiseSessionEpoch(this.db, userId);
  }

  /** The current session, or null when its user may not be signed in (or, with `epoch`, the session was ended since). */
  sessionOf(facts: SessionFacts, row: UserColumns | undefined, epoch?: number): CurrentSession | null {
    if (!row || !row.is_active || isBanned(row, this.now())) return null;
    if (epoch !== undefined && epoch !== row.session_epoch) return null;
    const actor = actorOf({ ...row, id: row.user_id, created_at: row.user_created_at });
    const user = this.limits.staffNeedSecondStep && !facts.secondStep && isStaff(actor) ? asMember(actor) : actor;
    return { ...facts, user: { ...user, username: row.username, unreadNotifications: row.unread_notifications } };
  }
}

/**
 * Ends every session of a user in any store, inside the caller's transaction
 * (a ban, account deletion): the sessions table's rows go, and the epoch the
 * cookie and Redis stores check is raised.
 */
export async function endAllSessions(db: Kysely<Database>, userId: number): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  await raiseSessionEpoch(db, userId);
}

async function raiseSessionEpoch(db: Kysely<Database>, userId: number): Promise<number> {
  const row = await db
    .updateTable('users')
    .set((eb) => ({ session_epoch: eb('session_epoch', '+', 1) }))
    .where('id', '=', userId)
    .returning('session_epoch')
    .executeTakeFirstOrThrow();
  return row.session_epoch;
}

/** SESSION_STORE=db (the default): a row per session; the lookup joins the user's row, one query. */
export class DbSessionStore implements SessionStore {
  readonly kind = 'db';
  readonly listsSessions = true;

  constructor(private readonly rules: SessionRules) {}

  get maxAgeSeconds(): number {
    return this.rules.maxAgeSeconds;
  }

  private get db(): Kysely<Database> {
    return this.rules.db;
  }

  async create(userId: number, meta: SessionMeta): Promise<string> {
    const token = newSecret();
    const now = this.rules.now();
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

  async lookup(token: string): Promise<CurrentSession | null> {
    const row = await this.rules
      .userQuery()
      .innerJoin('sessions', 'users.id', 'sessions.user_id')
      .select(['sessions.id', 'sessions.csrf_token', 'sessions.created_at', 'sessions.last_seen_at', 'sessions.authenticated_at', 'sessions.second_step'])
      .where('sessions.id', '=', hashToken(token))
      .executeTakeFirst();
    if (!row) return null;
    const facts: SessionFacts = {
      id: row.id,
      csrfToken: row.csrf_token,
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
      authenticatedAt: row.authenticated_at,
      secondStep: row.second_step === 1,
    };
    const session = this.rules.expired(facts) ? null : this.rules.sessionOf(facts, row);
    if (!session) await this.db.deleteFrom('sessions').where('id', '=', row.id).execute();
    return session;
  }

  async confirm(session: CurrentSession, secondStep: boolean): Promise<Reissued> {
    await this.db
      .updateTable('sessions')
      .set({ authenticated_at: this.rules.now() })
      .$if(secondStep, (q) => q.set({ second_step: 1 }))
      .where('id', '=', session.id)
      .execute();
    return undefined;
  }

  async touch(session: CurrentSession): Promise<Reissued> {
    const now = this.rules.now();
    if (now - session.lastSeenAt < LAST_SEEN_RESOLUTION_MS) return undefined;
    await this.db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', session.id).execute();
    return undefined;
  }

  async retire(session: CurrentSession): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', session.id).execute();
  }

  /** Deleting the row makes a copied cookie worthless, and other devices stay signed in. */
  signOut(session: CurrentSession): Promise<void> {
    return this.retire(session);
  }

  async destroyOthers(userId: number, keep?: CurrentSession): Promise<Reissued> {
    await this.db
      .deleteFrom('sessions')
      .where('user_id', '=', userId)
      .$if(keep !== undefined, (q) => q.where('id', '!=', keep!.id))
      .execute();
    return undefined;
  }

  async listForUser(userId: number): Promise<SessionSummary[]> {
    const now = this.rules.now();
    const rows = await this.db
      .selectFrom('sessions')
      .select(['id', 'created_at', 'last_seen_at', 'user_agent', 'ip'])
      .where('user_id', '=', userId)
      .where('last_seen_at', '>=', now - this.rules.limits.idleMs)
      .where('created_at', '>=', now - this.rules.limits.maxAgeMs)
      .orderBy('last_seen_at', 'desc')
      .execute();
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at, lastSeenAt: r.last_seen_at, userAgent: r.user_agent, ip: r.ip }));
  }

  async close(): Promise<void> {}
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
