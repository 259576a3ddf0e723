import type { Clock } from '../errors.js';
import { clientAddressKey } from './client-address.js';
import type { Hit, LimitRule, LimitStore } from './limit-store.js';

export type LoginOutcome<User> = { kind: 'signed-in'; user: User } | { kind: 'wrong' } | { kind: 'locked'; retryAfterMs: number };

export interface LoginRules {
  /** Failures per username. */
  account: LimitRule;
  /** Failed or refused attempts per client address, whatever the username. */
  address: LimitRule;
  /** Tries at a locked username per client address (see ownerMayTry). */
  lockedTry: LimitRule;
}

/**
 * Brute-force protection for the log-in form: failures are counted per
 * username and per client address, and each count locks for a time that
 * grows with further failures.
 *
 * An attempt is counted before its password is checked and taken back if it
 * was right, so a burst of parallel guesses gets no more tries than a
 * sequence. A refused attempt never reaches the password check: its answer
 * cannot tell whether the password was right.
 */
export class LoginThrottle {
  constructor(
    private readonly store: LimitStore,
    private readonly rules: LoginRules,
    private readonly now: Clock,
  ) {}

  /** One log-in attempt from `ip`; `verify` checks the password. */
  async attempt<User>(ip: string, username: string, verify: () => Promise<User | null>): Promise<LoginOutcome<User>> {
    const now = this.now();
    const address = clientAddressKey(ip);
    const account = username.trim().toLowerCase();
    const keys = { address: `login:address:${address}`, account: `login:account:${account}`, lockedTry: `login:locked-try:${account}:${address}` };

    const byAddress = await this.store.hit(keys.address, this.rules.address, now);
    if (!byAddress.admitted) return { kind: 'locked', retryAfterMs: byAddress.blockedUntil - now };
    const byAccount = await this.store.hit(keys.account, this.rules.account, now);
    if (!byAccount.admitted && !(await this.ownerMayTry(byAddress, keys.lockedTry, now))) {
      return { kind: 'locked', retryAfterMs: byAccount.blockedUntil - now };
    }

    const user = await verify();
    if (user) {
      await Promise.all([this.store.clear(keys.account), this.store.clear(keys.lockedTry), this.store.undoHit(keys.address)]);
      return { kind: 'signed-in', user };
    }
    const blockedUntil = Math.max(byAddress.blockedUntil, byAccount.blockedUntil);
    return blockedUntil > now ? { kind: 'locked', retryAfterMs: blockedUntil - now } : { kind: 'wrong' };
  }

  /**
   * Whoever locked an account must not lock its owner out: an address with no
   * other recent failure (this attempt is its only one) still gets a try at a
   * locked account, once per `lockedTry` window. The attacker's own addresses
   * have been failing, so they wait out the lock.
   */
  private async ownerMayTry(byAddress: Hit, lockedTryKey: string, now: number): Promise<boolean> {
    if (byAddress.count > 1) return false;
    return (await this.store.hit(lockedTryKey, this.rules.lockedTry, now)).admitted;
  }
}
