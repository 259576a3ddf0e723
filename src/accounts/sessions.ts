import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../errors.js';

export interface SessionUser {
  id: number;
  username: string;
  score: number;
}

export interface CurrentSession {
  /** SHA-256 of the cookie token, as stored. */
  id: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  user: SessionUser;
}

export interface SessionLimits {
  idleMs: number;
  maxAgeMs: number;
}

/** "Last seen" is written at most this often, so reading pages stays read-only. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const newSecret = () => randomBytes(32).toString('base64url');

export class SessionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: Clock,
    private readonly limits: SessionLimits,
  ) {}

  /** How long a session may live at most: its cookie lives as long. */
  get maxAgeSeconds(): number {
    return Math.floor(this.limits.maxAgeMs / 1000);
  }

  /** A new session with a fresh id: called at login, never reused (no fixation). */
  async create(userId: number, meta: { userAgent: string; ip: string }): Promise<string> {
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
        user_agent: meta.userAgent.slice(0, 300),
        ip: meta.ip,
      })
      .execute();
    return token;
  }

  /** One query: the session and its user, or null when unknown or expired. */
  async lookup(token: string): Promise<CurrentSession | null> {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.id',
        'sessions.csrf_token',
        'sessions.created_at',
        'sessions.last_seen_at',
        'users.id as user_id',
        'users.username',
        'users.score',
      ])
      .where('sessions.id', '=', hashToken(token))
      .executeTakeFirst();
    if (!row) return null;
    const now = this.now();
    if (now - row.last_seen_at > this.limits.idleMs || now - row.created_at > this.limits.maxAgeMs) {
      await this.db.deleteFrom('sessions').where('id', '=', row.id).execute();
      return null;
    }
    return {
      id: row.id,
      csrfToken: row.csrf_token,
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
      user: { id: row.user_id, username: row.username, score: row.score },
    };
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

export interface SessionSummary {
  id: string;
  createdAt: number;
  lastSeenAt: number;
  userAgent: string;
  ip: string;
}
