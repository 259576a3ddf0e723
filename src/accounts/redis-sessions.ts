// SESSION_STORE=redis: each session a Redis hash that expires by itself
// (idle or absolute, whichever comes first), and a set per user naming their
// sessions, to list them and sign the others out. The user's row is still
// read on every request (permissions, bans, users.session_epoch), one query.
import { Redis } from 'ioredis';
import { DependencyUnavailableError } from '../errors.js';
import {
  hashToken,
  LAST_SEEN_RESOLUTION_MS,
  newSecret,
  type CurrentSession,
  type Reissued,
  type SessionFacts,
  type SessionMeta,
  type SessionRules,
  type SessionStore,
  type SessionSummary,
} from './sessions.js';

// Only a session that still exists is updated: one signed out meanwhile is not brought back without its fields.
const UPDATE_IF_EXISTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

const sessionKey = (id: string) => `s:${id}`;
const userKey = (userId: number) => `u:${userId}`;

interface Stored extends SessionFacts {
  userId: number;
  epoch: number;
  userAgent: string;
  ip: string;
}

function parse(id: string, hash: Record<string, string>): Stored | undefined {
  const numbers = [hash.u, hash.e, hash.ca, hash.ls, hash.aa].map(Number);
  if (numbers.some((n) => !Number.isSafeInteger(n)) || hash.c === undefined) return undefined;
  const [userId, epoch, createdAt, lastSeenAt, authenticatedAt] = numbers as [number, number, number, number, number];
  return { id, userId, epoch, createdAt, lastSeenAt, authenticatedAt, csrfToken: hash.c, secondStep: hash.ss === '1', userAgent: hash.ua ?? '', ip: hash.ip ?? '' };
}

export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis';
  readonly listsSessions = true;
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly rules: SessionRules,
    onError: (error: Error) => void,
  ) {
    this.redis = new Redis(url, {
      lazyConnect: true,
      keyPrefix: 'charcha:session:',
      // A request fails within seconds (503) instead of queueing while Redis is away.
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: 2_000,
    });
    this.redis.on('error', onError);
  }

  get maxAgeSeconds(): number {
    return this.rules.maxAgeSeconds;
  }

  async create(userId: number, meta: SessionMeta): Promise<string> {
    const token = newSecret();
    const id = hashToken(token);
    const now = this.rules.now();
    const epoch = await this.rules.epochOf(userId);
    const { idleMs, maxAgeMs } = this.rules.limits;
    const fields = { u: userId, e: epoch, c: newSecret(), ca: now, ls: now, aa: now, ss: meta.secondStep ? 1 : 0, ua: meta.userAgent.slice(0, 300), ip: meta.ip };
    await this.#command(() =>
      this.redis
        .multi()
        .hset(sessionKey(id), fields)
        .pexpire(sessionKey(id), Math.min(idleMs, maxAgeMs))
        .sadd(userKey(userId), id)
        // Outlives every session it names: each begins at most maxAge before it.
        .pexpire(userKey(userId), maxAgeMs)
        .exec(),
    );
    return token;
  }

  async lookup(token: string): Promise<CurrentSession | null> {
    const id = hashToken(token);
    const stored = parse(id, await this.#command(() => this.redis.hgetall(sessionKey(id))));
    if (!stored) return null;
    const row = this.rules.expired(stored) ? undefined : await this.rules.userQuery().where('users.id', '=', stored.userId).executeTakeFirst();
    const session = row ? this.rules.sessionOf(stored, row, stored.epoch) : null;
    if (!session) await this.#forget(stored.userId, [id]);
    return session;
  }

  async touch(session: CurrentSession): Promise<Reissued> {
    const now = this.rules.now();
    if (now - session.lastSeenAt < LAST_SEEN_RESOLUTION_MS) return undefined;
    await this.#update(session, now, { ls: now });
    return undefined;
  }

  async confirm(session: CurrentSession, secondStep: boolean): Promise<Reissued> {
    await this.#update(session, session.lastSeenAt, secondStep ? { aa: this.rules.now(), ss: 1 } : { aa: this.rules.now() });
    return undefined;
  }

  retire(session: CurrentSession): Promise<void> {
    return this.#forget(session.user.id, [session.id]);
  }

  /** Deleting the key makes a copied cookie worthless, and other devices stay signed in. */
  signOut(session: CurrentSession): Promise<void> {
    return this.retire(session);
  }

  async destroyOthers(userId: number, keep?: CurrentSession): Promise<Reissued> {
    const ids = await this.#command(() => this.redis.smembers(userKey(userId)));
    await this.#forget(
      userId,
      ids.filter((id) => id !== keep?.id),
    );
    return undefined;
  }

  async listForUser(userId: number): Promise<SessionSummary[]> {
    const ids = await this.#command(() => this.redis.smembers(userKey(userId)));
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(sessionKey(id));
    const replies = ids.length === 0 ? [] : ((await this.#command(() => pipeline.exec())) ?? []);
    const live: Stored[] = [];
    const dead: string[] = [];
    ids.forEach((id, index) => {
      const stored = parse(id, (replies[index]?.[1] ?? {}) as Record<string, string>);
      if (stored && !this.rules.expired(stored)) live.push(stored);
      else dead.push(id);
    });
    if (dead.length > 0) await this.#command(() => this.redis.srem(userKey(userId), ...dead));
    return live
      .sort((a, b) => b.lastSeenAt - a.lastSeenAt)
      .map((s) => ({ id: s.id, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, userAgent: s.userAgent, ip: s.ip }));
  }

  async close(): Promise<void> {
    // Never connected (lazyConnect): nothing to say goodbye to.
    if (this.redis.status === 'wait') this.redis.disconnect();
    else await this.redis.quit();
  }

  /** Sets fields of a live session and moves its expiry to match `lastSeenAt`. */
  async #update(session: CurrentSession, lastSeenAt: number, fields: Record<string, number>): Promise<void> {
    const ttl = Math.max(1, this.rules.remainingMs({ createdAt: session.createdAt, lastSeenAt }));
    const args = Object.entries(fields).flat();
    await this.#command(() => this.redis.eval(UPDATE_IF_EXISTS, 1, sessionKey(session.id), ttl, ...args));
  }

  async #forget(userId: number, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#command(() =>
      this.redis
        .multi()
        .del(...ids.map(sessionKey))
        .srem(userKey(userId), ...ids)
        .exec(),
    );
  }

  /** Redis's failures, told as what they mean to a caller: the session store is away for now (503). */
  async #command<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new DependencyUnavailableError('the session store (Redis)', { cause: error });
    }
  }
}
