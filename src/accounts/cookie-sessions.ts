// SESSION_STORE=cookie: the seed's signed cookie session, sealed (AES-256-GCM
// under SECRET_KEY, security/secret-box.ts) so it is both confidential and
// tamper-proof. No session query per request: the user's row, read anyway,
// carries users.session_epoch, and a cookie with an older epoch is over.
// Nothing server-side names one cookie, so ending one session means ending
// them all (raising the epoch): see docs/decisions.md, "Sessions: three stores".
import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../security/secret-box.js';
import {
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

/** Sealed with this context: a value sealed for anything else does not open as a session. */
export const COOKIE_CONTEXT = 'session cookie v1';

/** What the cookie holds, with short names: it travels with every request. */
interface Payload {
  /** User id, and the users.session_epoch the session began with (or was carried to). */
  u: number;
  e: number;
  /** The session's own random id (for "this device"), and its CSRF token. */
  i: string;
  c: string;
  /** Created, last seen, last authenticated (ms); second step passed (1). */
  ca: number;
  ls: number;
  aa: number;
  ss: 0 | 1;
}

function isPayload(value: unknown): value is Payload {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  const whole = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n);
  return whole(p.u) && whole(p.e) && whole(p.ca) && whole(p.ls) && whole(p.aa) && typeof p.i === 'string' && typeof p.c === 'string' && (p.ss === 0 || p.ss === 1);
}

export class CookieSessionStore implements SessionStore {
  readonly kind = 'cookie';
  readonly listsSessions = false;
  /** Each looked-up session's payload and whether an old key opened it, to seal it again. */
  private readonly opened = new WeakMap<CurrentSession, { payload: Payload; stale: boolean }>();

  constructor(
    private readonly rules: SessionRules,
    private readonly box: SecretBox,
  ) {}

  get maxAgeSeconds(): number {
    return this.rules.maxAgeSeconds;
  }

  async create(userId: number, meta: SessionMeta): Promise<string> {
    const now = this.rules.now();
    const epoch = await this.rules.epochOf(userId);
    return this.#seal({ u: userId, e: epoch, i: randomBytes(16).toString('base64url'), c: newSecret(), ca: now, ls: now, aa: now, ss: meta.secondStep ? 1 : 0 });
  }

  async lookup(token: string): Promise<CurrentSession | null> {
    const opened = this.box.open(token, COOKIE_CONTEXT);
    if (!opened) return null;
    let payload: unknown;
    try {
      payload = JSON.parse(opened.plain);
    } catch {
      return null;
    }
    if (!isPayload(payload)) return null;
    const facts: SessionFacts = { id: payload.i, csrfToken: payload.c, createdAt: payload.ca, lastSeenAt: payload.ls, authenticatedAt: payload.aa, secondStep: payload.ss === 1 };
    if (this.rules.expired(facts)) return null;
    const row = await this.rules.userQuery().where('users.id', '=', payload.u).executeTakeFirst();
    const session = this.rules.sessionOf(facts, row, payload.e);
    if (session) this.opened.set(session, { payload, stale: opened.stale });
    return session;
  }

  /** "Last seen" lives in the cookie: a new one at most once a minute (or at once when an old key sealed it). */
  async touch(session: CurrentSession): Promise<Reissued> {
    const now = this.rules.now();
    const { payload, stale } = this.#payload(session);
    if (now - session.lastSeenAt < LAST_SEEN_RESOLUTION_MS && !stale) return undefined;
    return this.#seal({ ...payload, ls: now });
  }

  async confirm(session: CurrentSession, secondStep: boolean): Promise<Reissued> {
    const { payload } = this.#payload(session);
    return this.#seal({ ...payload, aa: this.rules.now(), ss: secondStep ? 1 : payload.ss });
  }

  /** The new cookie replaces this one in the browser; a copy of it stays valid as long as it would have (same person, no more rights). */
  async retire(): Promise<void> {}

  /** A copied cookie must die with logout, and nothing names one cookie: every session of the person ends. */
  async signOut(session: CurrentSession): Promise<void> {
    await this.rules.raiseEpoch(session.user.id);
  }

  /** Raises the epoch; `keep` carries on under a new cookie with the new epoch. */
  async destroyOthers(userId: number, keep?: CurrentSession): Promise<Reissued> {
    const epoch = await this.rules.raiseEpoch(userId);
    return keep ? this.#seal({ ...this.#payload(keep).payload, e: epoch }) : undefined;
  }

  /** Other devices' cookies are known only to them. */
  async listForUser(): Promise<SessionSummary[]> {
    return [];
  }

  async close(): Promise<void> {}

  #payload(session: CurrentSession): { payload: Payload; stale: boolean } {
    const opened = this.opened.get(session);
    if (!opened) throw new Error('CookieSessionStore: a session it did not look up');
    return opened;
  }

  #seal(payload: Payload): string {
    return this.box.seal(JSON.stringify(payload), COOKIE_CONTEXT);
  }
}
