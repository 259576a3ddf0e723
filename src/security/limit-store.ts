// Counters behind every rate limit: one interface, an in-memory backend (one
// process) and a Redis backend (shared by every app process). Times come from
// the caller's clock, so both backends follow the app's (and a test's) clock.

/** How many hits a key takes in a window, and what reaching that number does. */
export interface LimitRule {
  /** Hits in one window; the hit that reaches this number starts the block. */
  limit: number;
  /** The window opens at the key's first hit. */
  windowMs: number;
  /**
   * Absent: blocked until the window closes (a speed limit).
   * Present: blocked for `baseMs`, doubled by each further hit, at most
   * `maxMs`; the count is forgotten `windowMs` after the block ends.
   */
  lock?: { baseMs: number; maxMs: number };
}

export interface Hit {
  /** False when the key was blocked as the hit arrived; such a hit changes nothing. */
  admitted: boolean;
  /** Admitted hits in the current window, this one included. */
  count: number;
  /** Epoch ms until which the key is blocked; in the past (or 0) when it is not. */
  blockedUntil: number;
}

export interface LimitStore {
  /**
   * Counts one hit, atomically: of many hits at once, only as many are
   * admitted as the limit allows, whichever process they reach.
   */
  hit(key: string, rule: LimitRule, now: number): Promise<Hit>;
  /**
   * Takes back an admitted hit and the block it started (a log-in attempt
   * that turned out right). Exact: while that block stood no hit was admitted.
   */
  undoHit(key: string): Promise<void>;
  /** Forgets the key. */
  clear(key: string): Promise<void>;
  close(): Promise<void>;
}

/** What a backend keeps per key. */
export interface LimitRecord {
  count: number;
  blockedUntil: number;
  /** When the count is forgotten. */
  resetAt: number;
}

/**
 * One hit applied to a record. The Redis backend runs the same steps in Lua
 * (redis-limit-store.ts); limit-stores.test.ts holds both to one behaviour.
 */
export function afterHit(stored: LimitRecord | undefined, rule: LimitRule, now: number): { record: LimitRecord; admitted: boolean } {
  const record: LimitRecord = !stored || now >= stored.resetAt ? { count: 0, blockedUntil: 0, resetAt: now + rule.windowMs } : { ...stored };
  if (record.blockedUntil > now) return { record, admitted: false };
  record.count += 1;
  if (record.count >= rule.limit) {
    if (rule.lock) {
      record.blockedUntil = now + Math.min(rule.lock.baseMs * 2 ** (record.count - rule.limit), rule.lock.maxMs);
      record.resetAt = record.blockedUntil + rule.windowMs;
    } else {
      record.blockedUntil = record.resetAt;
    }
  }
  return { record, admitted: true };
}
