import { sql, type Kysely } from 'kysely';
import { actorOf, permissionsColumn } from '../access/grants.js';
import { MEMBER_GROUP } from '../access/permissions.js';
import type { Actor } from '../access/policy.js';
import type { DialectName } from '../db/database.js';
import type { Database, User } from '../db/schema.js';
import type { Changes } from '../cache/changes.js';
import { inTransaction } from '../db/transaction.js';
import { ForbiddenError, NotFoundError, ValidationError, type Clock } from '../errors.js';
import { DELETED_USER, PER_USER_TABLES, reservedUsernameKey } from './deletion.js';
import { passwordProblem, type PasswordHasher } from './passwords.js';
import { isBanned } from './sessions.js';

export const USERNAME_RE = /^[A-Za-z0-9_-]{3,30}$/;
// A deliberately loose check: the only proof an address works is a mail that arrives.
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const EMAIL_TAKEN = 'Another account has verified this address. Use another one, or reset that account\'s password.';

/** Why `email` is not an address we can use, or null. */
export function emailProblem(email: string): string | null {
  return email.length > 254 || !EMAIL_RE.test(email) ? 'Enter a valid email address, or leave it empty.' : null;
}

export interface SignupInput {
  username: string;
  password: string;
  email?: string | undefined;
}

/** Why a user with the right password still may not sign in, or null. */
export function signInRefusal(user: Pick<User, 'is_active' | 'banned_at' | 'banned_until' | 'ban_reason' | 'deleted_at'>, now: number): string | null {
  if (user.deleted_at !== null) return 'This account was deleted.';
  if (!user.is_active) return 'This account is switched off.';
  if (!isBanned(user, now)) return null;
  const until = user.banned_until === null ? '' : ` until ${new Date(user.banned_until).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `This account is banned${until}${user.ban_reason ? `: ${user.ban_reason}` : '.'}`;
}

export class AccountService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly now: Clock,
    private readonly passwords: PasswordHasher,
    private readonly changes: Changes,
  ) {}

  async signup(input: SignupInput): Promise<User> {
    const username = input.username.trim();
    const email = input.email?.trim() || null;
    const errors: Record<string, string> = {};
    const usernameError = await this.usernameProblem(username);
    if (usernameError) errors.username = usernameError;
    const problem = passwordProblem(input.password, username);
    if (problem) errors.password = problem;
    if (email !== null) {
      const problem = emailProblem(email) ?? ((await this.verifiedOwnerOf(email)) !== undefined ? EMAIL_TAKEN : null);
      if (problem) errors.email = problem;
    }
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);
    return this.createMember({ username, email, passwordHash: await this.passwords.hash(input.password) });
  }

  /** Why a new account may not take this name, or null. */
  async usernameProblem(username: string): Promise<string | null> {
    if (!USERNAME_RE.test(username)) return 'Use 3 to 30 letters, digits, underscores or dashes.';
    if (await this.findByUsername(username)) return 'This username is taken.';
    if (await this.db.selectFrom('users').select('id').where('username_key', '=', reservedUsernameKey(username)).executeTakeFirst()) {
      return 'This username belonged to an account that was deleted: it stays unused.';
    }
    return null;
  }

  /**
   * Every new account is made here, as a member (it may read, post, comment,
   * vote and flag); `andThen` adds to it in the same transaction (a provider
   * identity). No password hash: the account signs in only through identities.
   */
  async createMember(
    fields: { username: string; email: string | null; passwordHash: string | null },
    andThen?: (trx: Kysely<Database>, user: User) => Promise<void>,
  ): Promise<User> {
    const { username, email, passwordHash } = fields;
    try {
      return await inTransaction(this.db, async (trx) => {
        const user = await trx
          .insertInto('users')
          .values({ username, username_key: username.toLowerCase(), email, password_hash: passwordHash, created_at: this.now() })
          .returningAll()
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('user_groups')
          .columns(['user_id', 'group_id'])
          .expression((eb) => eb.selectFrom('groups').select([eb.val(user.id).as('user_id'), 'id']).where('name', '=', MEMBER_GROUP))
          .execute();
        await andThen?.(trx, user);
        return user;
      });
    } catch (error) {
      // Two signups for one name at the same moment: the unique index decides.
      if (await this.findByUsername(username)) throw new ValidationError({ username: 'This username is taken.' });
      throw error;
    }
  }

  /** The user, or null for an unknown name or a wrong password (same answer, same time). */
  async authenticate(username: string, password: string): Promise<User | null> {
    const user = await this.findByUsername(username.trim());
    // An account without a password (provider sign-in only) answers as an unknown name does.
    if (!user || user.password_hash === null) {
      await this.passwords.verify(await this.passwords.dummyHash(), password);
      return null;
    }
    if (!(await this.passwords.verify(user.password_hash, password))) return null;
    if (this.passwords.needsRehash(user.password_hash)) {
      const upgraded = await this.passwords.hash(password);
      await this.db.updateTable('users').set({ password_hash: upgraded }).where('id', '=', user.id).execute();
    }
    return user;
  }

  /**
   * Changes the password, given the current one; an account without one
   * (provider sign-in only) sets its first without it: the caller has had the
   * session confirmed recently (recent-auth.ts). The caller then signs out
   * every other session.
   */
  async changePassword(userId: number, currentPassword: string | undefined, newPassword: string): Promise<void> {
    const user = await this.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
    if (user.password_hash !== null && !(await this.passwords.verify(user.password_hash, currentPassword ?? ''))) {
      throw new ValidationError({ current_password: 'That is not your current password.' });
    }
    // Only over the hash checked above: a password set meanwhile (another tab) is not overwritten unasked.
    if (!(await this.replacePassword(user, newPassword))) {
      throw new ValidationError({ current_password: 'Your password was changed meanwhile. Enter the new one as your current password.' });
    }
  }

  /**
   * Sets `newPassword` (ValidationError on `new_password` when too weak) only
   * over the hash `user` was read with: false when another change came first.
   */
  async replacePassword(user: Pick<User, 'id' | 'username' | 'password_hash'>, newPassword: string): Promise<boolean> {
    const problem = passwordProblem(newPassword, user.username);
    if (problem) throw new ValidationError({ new_password: problem });
    const passwordHash = await this.passwords.hash(newPassword);
    const result = await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash })
      .where('id', '=', user.id)
      .where((eb) => (user.password_hash === null ? eb('password_hash', 'is', null) : eb('password_hash', '=', user.password_hash)))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Deletes the account: its sessions, sign-in methods, groups and personal
   * data go; the row stays, named DELETED_USER, for the posts, comments and
   * votes that stay. The last superuser cannot go (the forum would have
   * nobody to run it).
   */
  async deleteAccount(userId: number): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      // Superusers' rows locked (SQLite: the one connection): two of the last two deleting at once cannot both go.
      const superusers = await trx
        .selectFrom('users')
        .select('id')
        .where('is_superuser', '=', 1)
        .where('deleted_at', 'is', null)
        .$if(this.dialect === 'postgres', (q) => q.forUpdate())
        .execute();
      if (superusers.length === 1 && superusers[0]!.id === userId) {
        throw new ForbiddenError('You are the only superuser: make someone else a superuser first, or the forum has nobody to run it.');
      }
      const user = await trx.selectFrom('users').select(['username', 'deleted_at']).where('id', '=', userId).executeTakeFirst();
      if (!user || user.deleted_at !== null) throw new NotFoundError('No such user');
      for (const table of PER_USER_TABLES) await trx.deleteFrom(table).where('user_id', '=', userId).execute();
      await trx
        .updateTable('users')
        .set({
          username: DELETED_USER,
          username_key: reservedUsernameKey(user.username),
          email: null,
          email_verified_at: null,
          password_hash: null,
          is_active: 0,
          is_staff: 0,
          is_superuser: 0,
          banned_at: null,
          banned_until: null,
          ban_reason: null,
          deleted_at: this.now(),
          // Sessions kept outside the sessions table (cookie, Redis) end too, even were the row switched on again.
          session_epoch: sql<number>`session_epoch + 1`,
        })
        .where('id', '=', userId)
        .execute();
      // The public log named them when banned or unbanned.
      await trx.updateTable('moderation_log').set({ subject: DELETED_USER }).where('target_type', '=', 'user').where('target_id', '=', userId).execute();
    });
    // Their name showed on every page they wrote on.
    await this.changes.announceAll();
  }

  /** Whether the account has a password (provider- or passkey-only accounts have none). */
  async hasPassword(userId: number): Promise<boolean> {
    const row = await this.db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirst();
    return row?.password_hash != null;
  }

  /** The user as the policy sees them (what a session lookup reads), for work done outside a request. */
  async actor(userId: number): Promise<Actor> {
    const row = await this.db
      .selectFrom('users')
      .select(['id', 'score', 'created_at', 'is_staff', 'is_superuser'])
      .select(permissionsColumn(this.dialect).as('permissions'))
      .where('id', '=', userId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('No such user');
    return actorOf(row);
  }

  /** The id of the account that has verified `email` (case-insensitively), if any. */
  async verifiedOwnerOf(email: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('users')
      .select('id')
      .where(sql<string>`lower(email)`, '=', sql<string>`lower(${email})`)
      .where('email_verified_at', 'is not', null)
      .executeTakeFirst();
    return row?.id;
  }

  async findByUsername(username: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('username_key', '=', username.toLowerCase()).executeTakeFirst();
  }

  async requireByUsername(username: string): Promise<User> {
    const user = await this.findByUsername(username);
    if (!user) throw new NotFoundError('No such user');
    return user;
  }
}
