import type { Kysely } from 'kysely';
import type { Database, User } from '../db/schema.js';
import { NotFoundError, ValidationError, type Clock } from '../errors.js';
import { passwordProblem, type PasswordHasher } from './passwords.js';

export const USERNAME_RE = /^[A-Za-z0-9_-]{3,30}$/;
// A deliberately loose check: the only proof an address works is a mail that arrives.
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface SignupInput {
  username: string;
  password: string;
  email?: string | undefined;
}

export class AccountService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: Clock,
    private readonly passwords: PasswordHasher,
  ) {}

  async signup(input: SignupInput): Promise<User> {
    const username = input.username.trim();
    const email = input.email?.trim() || null;
    const errors: Record<string, string> = {};
    if (!USERNAME_RE.test(username)) {
      errors.username = 'Use 3 to 30 letters, digits, underscores or dashes.';
    }
    const problem = passwordProblem(input.password, username);
    if (problem) errors.password = problem;
    if (email !== null && (email.length > 254 || !EMAIL_RE.test(email))) errors.email = 'Enter a valid email address, or leave it empty.';
    if (!errors.username && (await this.findByUsername(username))) errors.username = 'This username is taken.';
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);

    const passwordHash = await this.passwords.hash(input.password);
    try {
      return await this.db
        .insertInto('users')
        .values({ username, username_key: username.toLowerCase(), email, password_hash: passwordHash, created_at: this.now() })
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (error) {
      // Two signups for one name at the same moment: the unique index decides.
      if (await this.findByUsername(username)) throw new ValidationError({ username: 'This username is taken.' });
      throw error;
    }
  }

  /** The user, or null for an unknown name or a wrong password (same answer, same time). */
  async authenticate(username: string, password: string): Promise<User | null> {
    const user = await this.findByUsername(username.trim());
    if (!user) {
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

  /** Needs the current password; the caller then signs out every other session. */
  async changePassword(userId: number, currentPassword: string, newPassword: string): Promise<void> {
    const user = await this.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
    if (!(await this.passwords.verify(user.password_hash, currentPassword))) {
      throw new ValidationError({ current_password: 'That is not your current password.' });
    }
    const problem = passwordProblem(newPassword, user.username);
    if (problem) throw new ValidationError({ new_password: problem });
    const passwordHash = await this.passwords.hash(newPassword);
    await this.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
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
