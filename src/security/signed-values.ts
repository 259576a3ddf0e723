// Small values a browser keeps for us between two requests (the provider
// sign-in checks, an identity waiting for its username): JSON, signed with
// SECRET_KEY for one purpose, with an expiry inside the signature. Readable
// by whoever holds the cookie (it is HttpOnly); not forgeable, not reusable
// for another purpose, and worthless once expired. Signed with SECRET_KEY;
// values signed with a key in SECRET_KEY_FALLBACKS still verify (a rotation
// does not break a sign-in under way).
import { createHmac } from 'node:crypto';
import type { Clock } from '../errors.js';
import { secretsEqual } from './csrf.js';

export class SignedValues {
  constructor(
    private readonly secret: string,
    private readonly now: Clock,
    private readonly fallbacks: readonly string[] = [],
  ) {}

  sign(purpose: string, value: unknown, maxAgeMs: number): string {
    const payload = Buffer.from(JSON.stringify({ v: value, exp: this.now() + maxAgeMs })).toString('base64url');
    return `${payload}.${this.#mac(this.secret, purpose, payload)}`;
  }

  /** The value, or undefined when missing, altered, signed for another purpose, or expired. */
  verify(purpose: string, signed: string | undefined): unknown {
    if (!signed) return undefined;
    const [payload, mac, extra] = signed.split('.');
    if (!payload || !mac || extra !== undefined) return undefined;
    if (![this.secret, ...this.fallbacks].some((key) => secretsEqual(mac, this.#mac(key, purpose, payload)))) return undefined;
    try {
      const { v, exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { v: unknown; exp: unknown };
      return typeof exp === 'number' && exp > this.now() ? v : undefined;
    } catch {
      return undefined;
    }
  }

  #mac(key: string, purpose: string, payload: string): string {
    return createHmac('sha256', key).update(`signed-value:${purpose}:${payload}`).digest('base64url');
  }
}
