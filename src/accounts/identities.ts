// Accounts and the provider identities bound to them. The rule that keeps
// accounts safe: a provider never takes over an account. An identity signs
// in only to the account it is linked to, and it is linked only by someone
// signed in to that account; an e-mail address in common is not enough.
import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../db/database.js';
import type { Database, Identity, User } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { NotFoundError, ValidationError, type Clock } from '../errors.js';
import { USERNAME_RE, type AccountService } from './service.js';
import type { ProviderProfile } from './sign-in-providers.js';
import { countWaysIn, lockedWaysIn } from './ways-in.js';

export type IdentitySignIn =
  /** A known identity, or one that just made its account. */
  | { kind: 'user'; user: User }
  /** An account has this verified address: its owner must log in and link the identity. */
  | { kind: 'email-in-use' }
  /** New, and the proposed username cannot be had: the person chooses one. */
  | { kind: 'choose-username'; suggestion: string };

/** A username proposed from the profile, cleaned to what USERNAME_RE accepts, or '' when nothing usable is left. */
export function proposeUsername(profile: Pick<ProviderProfile, 'username' | 'email'>): string {
  for (const source of [profile.username, profile.email?.split('@')[0]]) {
    const cleaned = (source ?? '')
      .replace(/[^A-Za-z0-9_-]+/g, '_')
      .replace(/^[_-]+|[_-]+$/g, '')
      .slice(0, 30);
    if (USERNAME_RE.test(cleaned)) return cleaned;
  }
  return '';
}

export class IdentityService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly now: Clock,
    private readonly accounts: AccountService,
  ) {}

  /** What a provider's sign-in leads to: the account, or the step the person must take first. */
  async signIn(profile: ProviderProfile): Promise<IdentitySignIn> {
    const known = await this.userOf(profile);
    if (known) return { kind: 'user', user: known };
    if (profile.email && profile.emailVerified && (await this.emailInUse(profile.email))) return { kind: 'email-in-use' };
    const suggestion = proposeUsername(profile);
    if (suggestion && !(await this.accounts.usernameProblem(suggestion))) {
      try {
        return { kind: 'user', user: await this.createAccount(profile, suggestion) };
      } catch (error) {
        // Taken a moment ago: the person chooses.
        if (!(error instanceof ValidationError)) throw error;
      }
    }
    return { kind: 'choose-username', suggestion };
  }

  /** A new member account, without a password, signing in with this identity. */
  async createAccount(profile: ProviderProfile, username: string): Promise<User> {
    username = username.trim();
    const problem = await this.accounts.usernameProblem(username);
    if (problem) throw new ValidationError({ username: problem });
    // The address only when the provider vouches for it, and no account has it already.
    const email = profile.email && profile.emailVerified && !(await this.emailInUse(profile.email)) ? profile.email : null;
    return this.accounts.createMember({ username, email, passwordHash: null }, async (trx, user) => {
      await trx.insertInto('identities').values(this.#row(profile, user.id)).execute();
    });
  }

  /** Binds the identity to the signed-in person's account; refused when another account has it. */
  async link(userId: number, profile: ProviderProfile): Promise<void> {
    const linkedElsewhere = new ValidationError({ identity: 'That account is already linked to another account here.' });
    const owner = await this.#find(profile);
    if (owner?.user_id === userId) return;
    if (owner) throw linkedElsewhere;
    try {
      await this.db.insertInto('identities').values(this.#row(profile, userId)).execute();
    } catch (error) {
      // Linked a moment ago: the unique (provider, subject) index decides.
      const winner = await this.#find(profile);
      if (!winner) throw error;
      if (winner.user_id !== userId) throw linkedElsewhere;
    }
  }

  async listForUser(userId: number): Promise<Identity[]> {
    return this.db.selectFrom('identities').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
  }

  /** Removes one of the person's identities, unless it is their last way to sign in. */
  async unlink(userId: number, identityId: number): Promise<Identity> {
    return inTransaction(this.db, async (trx) => {
      const ways = await lockedWaysIn(trx, this.dialect, userId);
      if (!ways.identityIds.includes(identityId)) throw new NotFoundError('No such sign-in method on your account');
      if (countWaysIn(ways) === 1) throw new ValidationError({ identity: 'This is your only way to sign in. Link another provider, add a passkey or set a password first.' });
      const identity = await trx.deleteFrom('identities').where('id', '=', identityId).returningAll().executeTakeFirstOrThrow();
      return identity;
    });
  }

  async userOf(profile: ProviderProfile): Promise<User | undefined> {
    const identity = await this.#find(profile);
    if (!identity) return undefined;
    if (identity.email !== profile.email) await this.db.updateTable('identities').set({ email: profile.email }).where('id', '=', identity.id).execute();
    return this.db.selectFrom('users').selectAll().where('id', '=', identity.user_id).executeTakeFirst();
  }

  async emailInUse(email: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('users')
      .select('id')
      .where(sql<string>`lower(email)`, '=', email.toLowerCase())
      .executeTakeFirst();
    return row !== undefined;
  }

  #find(profile: ProviderProfile): Promise<Identity | undefined> {
    return this.db.selectFrom('identities').selectAll().where('provider', '=', profile.provider).where('subject', '=', profile.subject).executeTakeFirst();
  }

  #row(profile: ProviderProfile, userId: number) {
    return { provider: profile.provider, subject: profile.subject, user_id: userId, email: profile.email, created_at: this.now() };
  }
}
