import { hash, type Options, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';

// Argon2id at OWASP's Password Storage Cheat Sheet minimum (m=19 MiB, t=2,
// p=1), or at a low cost for tests only (config.ts refuses it in production):
// the same algorithm and code path, about thirty times faster.
// Stored hashes carry their parameters; others are re-hashed at next login.
export type PasswordHashCost = 'standard' | 'low';
const COSTS: Record<PasswordHashCost, { memoryCost: number; timeCost: number }> = {
  standard: { memoryCost: 19456, timeCost: 2 },
  low: { memoryCost: 1024, timeCost: 1 },
};

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;

// zxcvbn's list of the most common leaked passwords; shorter ones fail the length rule anyway.
const commonPasswords = new Set(
  dictionary.passwords.filter((p) => p.length >= MIN_PASSWORD_LENGTH).map((p) => p.toLowerCase()),
);

/** Why a password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, username: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  const lower = password.toLowerCase();
  if (username && lower === username.toLowerCase()) return 'Your password cannot be your username.';
  if (commonPasswords.has(lower)) return 'This password is too common; choose another.';
  return null;
}

export class PasswordHasher {
  // `Algorithm` is a const enum the package does not export at run time: 2 is Argon2id.
  readonly #params: Options;
  readonly #marker: string;
  #dummyHash: Promise<string> | undefined;

  constructor(cost: PasswordHashCost) {
    const { memoryCost, timeCost } = COSTS[cost];
    this.#params = { algorithm: 2, memoryCost, timeCost, parallelism: 1 };
    this.#marker = `$argon2id$v=19$m=${memoryCost},t=${timeCost},p=1$`;
  }

  hash(password: string): Promise<string> {
    return hash(password, this.#params);
  }

  async verify(storedHash: string, password: string): Promise<boolean> {
    try {
      return await verify(storedHash, password);
    } catch {
      return false;
    }
  }

  /** Made with other parameters than the current ones (raised since, say). */
  needsRehash(storedHash: string): boolean {
    return !storedHash.startsWith(this.#marker);
  }

  /**
   * A fixed hash to verify against when the username is unknown, so that the
   * answer takes as long as for a real account (no user enumeration by timing).
   */
  dummyHash(): Promise<string> {
    this.#dummyHash ??= this.hash('not-a-real-password-' + Math.random());
    return this.#dummyHash;
  }
}
