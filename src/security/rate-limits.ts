// The rate limits and their numbers (why these: docs/decisions.md, "Rate limits").
import type { Clock } from '../errors.js';
import type { LimitRule, LimitStore } from './limit-store.js';
import { LoginThrottle } from './login-throttle.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const LOGIN_LOCK = { baseMs: MINUTE, maxMs: HOUR };

export const RATE_LIMIT_RULES = {
  /** Sign-up attempts per client address. */
  signup: { limit: 10, windowMs: HOUR },
  /** Discussions started per member. */
  post: { limit: 5, windowMs: HOUR },
  /** Comments and replies together, per member. */
  comment: { limit: 10, windowMs: 10 * MINUTE },
  /** Admin changes (a user's groups, the permission matrix), per staff member: room for a busy session, not for a script gone wrong. */
  admin: { limit: 60, windowMs: 10 * MINUTE },
  /** Moderators' acts (hide, lock, pin, dismiss, ban), per member: room for a spam wave, not for a runaway script. */
  moderate: { limit: 60, windowMs: 10 * MINUTE },
  /** Failed log-ins per username: the 5th locks it for 1 min, each further one doubles that, up to 1 h. */
  loginAccount: { limit: 5, windowMs: 15 * MINUTE, lock: LOGIN_LOCK },
  /** Failed or refused log-ins per client address, across usernames (password spraying). */
  loginAddress: { limit: 20, windowMs: 15 * MINUTE, lock: LOGIN_LOCK },
  /** Tries at a locked username from an address with no other recent failure: its owner's, most likely. */
  loginLockedTry: { limit: 1, windowMs: HOUR },
  /** "Forgot password" requests per client address. */
  passwordReset: { limit: 10, windowMs: HOUR },
  /** "Forgot password" requests per username or e-mail address asked about (a mailbox is not flooded). */
  passwordResetAccount: { limit: 3, windowMs: HOUR },
  /** Answers from a passkey (signing in, the second step) per client address: a person needs a few; a script replaying answers gets little. */
  passkey: { limit: 30, windowMs: 10 * MINUTE },
  /** Address changes and re-sent verification links per member: each mails an address the member typed. */
  emailChange: { limit: 5, windowMs: HOUR },
  /** Web push subscribes and unsubscribes per member: a browser needs one now and then; a script filling the table gets little. */
  pushDevices: { limit: 30, windowMs: 10 * MINUTE },
  /** Codes texted per person (verifying a phone, signing in, confirming): each costs money and buzzes a phone. */
  smsCodeAccount: { limit: 5, windowMs: HOUR },
  /** Codes texted per phone number, whoever asks: no one's phone is flooded from many accounts. */
  smsCodePhone: { limit: 10, windowMs: 24 * HOUR },
} as const satisfies Record<string, LimitRule>;

export type SpeedLimited = 'signup' | 'post' | 'comment' | 'admin' | 'moderate' | 'passwordReset' | 'emailChange' | 'passkey' | 'pushDevices';
/** Counted by the route itself, with a key of its choosing. */
type Counted = SpeedLimited | 'passwordResetAccount' | 'smsCodeAccount' | 'smsCodePhone';
type Rules = { [K in keyof typeof RATE_LIMIT_RULES]: LimitRule };

/** The rules with every allowance multiplied by `scale` (RATE_LIMIT_SCALE; durations stay). */
export function scaledRules(scale: number): Rules {
  const entries = Object.entries(RATE_LIMIT_RULES).map(([name, rule]) => [name, { ...rule, limit: rule.limit * scale }]);
  return Object.fromEntries(entries) as Rules;
}

export class RateLimits {
  readonly login: LoginThrottle;
  private readonly rules: Rules;

  constructor(
    private readonly store: LimitStore,
    private readonly now: Clock,
    scale: number,
  ) {
    this.rules = scaledRules(scale);
    const { loginAccount: account, loginAddress: address, loginLockedTry: lockedTry } = this.rules;
    this.login = new LoginThrottle(store, { account, address, lockedTry }, now);
  }

  /** Counts one attempt at `action` by `who`: 0 when it may go ahead, else milliseconds to wait. */
  async speed(action: Counted, who: string): Promise<number> {
    const now = this.now();
    const hit = await this.store.hit(`${action}:${who}`, this.rules[action], now);
    return hit.admitted ? 0 : hit.blockedUntil - now;
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
