// Tokens for links sent by mail: `<user id>.<expiry ms>.<HMAC>`, nothing
// stored. The HMAC (SHA-256, keyed by SECRET_KEY) covers the purpose, the
// user, the expiry and `bound`: the account state the link must find
// unchanged (an address, a password hash). Once the action changes that
// state, the link is void: single-use without a table. Links made with a key
// now in SECRET_KEY_FALLBACKS still work until they expire.
import { createHmac } from 'node:crypto';
import { secretsEqual } from '../security/csrf.js';

export type TokenPurpose = 'verify-email' | 'password-reset' | 'unsubscribe';

export interface ParsedToken {
  userId: number;
  expiresAt: number;
  mac: string;
}

export class SignedTokens {
  constructor(
    private readonly secret: string,
    private readonly fallbacks: readonly string[] = [],
  ) {}

  private mac(purpose: TokenPurpose, userId: number, expiresAt: number, bound: string, key = this.secret): string {
    return createHmac('sha256', key).update(JSON.stringify([purpose, userId, expiresAt, bound])).digest('base64url');
  }

  make(purpose: TokenPurpose, userId: number, expiresAt: number, bound: string): string {
    return `${userId}.${expiresAt}.${this.mac(purpose, userId, expiresAt, bound)}`;
  }

  /** The token's parts (whom to look up), or null when it is not one of ours in shape. */
  parse(token: string): ParsedToken | null {
    const match = /^(\d{1,15})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return null;
    return { userId: Number(match[1]), expiresAt: Number(match[2]), mac: match[3]! };
  }

  /** Whether the token was made for this purpose and state ('invalid' if not), and whether it is still in time. */
  check(token: ParsedToken, purpose: TokenPurpose, bound: string, now: number): 'ok' | 'expired' | 'invalid' {
    const made = (key: string) => secretsEqual(token.mac, this.mac(purpose, token.userId, token.expiresAt, bound, key));
    if (![this.secret, ...this.fallbacks].some(made)) return 'invalid';
    return now < token.expiresAt ? 'ok' : 'expired';
  }
}
