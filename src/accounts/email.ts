// E-mail features of an account: verifying its address by a link, changing
// the address, and resetting a forgotten password by a link sent to a
// verified address. Links are signed tokens (signed-tokens.ts); the origin
// they point at is the caller's to give (BASE_URL in production).
import type { Kysely } from 'kysely';
import type { Database, User } from '../db/schema.js';
import { ValidationError, type Clock } from '../errors.js';
import type { Mailer } from '../mail/mailer.js';
import { EMAIL_TAKEN, emailProblem, type AccountService } from './service.js';
import type { SessionStore } from './sessions.js';
import type { SignedTokens } from './signed-tokens.js';

export const VERIFY_LINK_MS = 24 * 3_600_000;
export const RESET_LINK_MS = 3_600_000;

/** Why a link from a mail does nothing (shown on the page it opens). */
export type LinkProblem = { problem: string };

const INVALID = { problem: 'This link is not valid. Check that you copied all of it, or ask for a new one.' };
const EXPIRED_VERIFY = { problem: 'This link has expired. Send a new one from your e-mail settings.' };
const EXPIRED_RESET = { problem: 'This link has expired: reset links work for an hour. Ask for a new one.' };
const USED_RESET = { problem: 'This link no longer works: it has been used, or your password has changed since it was sent. Ask for a new one if you need it.' };

/** What a reset link must find unchanged: the password (a change voids it, so it works once) and the address it went to. */
const resetBound = (user: User) => JSON.stringify([user.password_hash, user.email, user.email_verified_at]);

export class EmailService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: Clock,
    private readonly accounts: AccountService,
    private readonly sessions: SessionStore,
    private readonly mailer: Mailer,
    private readonly tokens: SignedTokens,
  ) {}

  /** Whether this forum sends mail at all (else no mail-based feature is offered). */
  get available(): boolean {
    return this.mailer.available;
  }

  private userById(id: number): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The user's address and when it was verified. */
  async addressOf(userId: number): Promise<Pick<User, 'email' | 'email_verified_at'>> {
    return this.db.selectFrom('users').select(['email', 'email_verified_at']).where('id', '=', userId).executeTakeFirstOrThrow();
  }

  /** Mails `user` a link that verifies their address; nothing when there is none or it is verified. */
  sendVerification(user: Pick<User, 'id' | 'username' | 'email' | 'email_verified_at'>, origin: string): void {
    const email = user.email;
    if (!email || user.email_verified_at !== null) return;
    const link = `${origin}/verify-email/${this.tokens.make('verify-email', user.id, this.now() + VERIFY_LINK_MS, email)}/`;
    this.mailer.sendLater(async () => ({
      to: email,
      subject: 'Confirm your e-mail address',
      text: `Hello ${user.username},

This address was given for the account "${user.username}" at ${origin}. To confirm that it is yours, open this link within 24 hours:

${link}

If that was not you, ignore this message: the address stays unconfirmed.
`,
    }));
  }

  /** Sends the signed-in user's address a new link; false when there is nothing to verify. */
  async resendVerification(userId: number, origin: string): Promise<boolean> {
    const user = await this.userById(userId);
    if (!user?.email || user.email_verified_at !== null) return false;
    this.sendVerification(user, origin);
    return true;
  }

  /** Follows a verification link: the address it verified, or why it did nothing. */
  async verify(token: string): Promise<{ email: string } | LinkProblem> {
    const parsed = this.tokens.parse(token);
    const user = parsed && (await this.userById(parsed.userId));
    if (!parsed || !user?.email) return INVALID;
    const email = user.email;
    const check = this.tokens.check(parsed, 'verify-email', email, this.now());
    if (check !== 'ok') return check === 'expired' ? EXPIRED_VERIFY : INVALID;
    if (user.email_verified_at !== null) return { problem: `This link has been used: ${email} is verified already.` };
    try {
      await this.db
        .updateTable('users')
        .set({ email_verified_at: this.now() })
        .where('id', '=', user.id)
        .where('email', '=', email)
        .where('email_verified_at', 'is', null)
        .execute();
    } catch (error) {
      // The unique index: another account verified the same address first.
      if ((await this.accounts.verifiedOwnerOf(email)) !== undefined) return { problem: EMAIL_TAKEN };
      throw error;
    }
    return { email };
  }

  /**
   * Sets (or, given '', removes) the user's address; a new address is
   * unverified and is sent a link. The caller has had the session confirmed
   * recently (recent-auth.ts): that, not a password, proves the person.
   */
  async changeAddress(userId: number, input: { email: string }, origin: string): Promise<void> {
    const user = await this.userById(userId);
    if (!user) throw new ValidationError({ email: 'This account no longer exists.' });
    const email = input.email.trim() || null;
    // The same address again: only a new link, if it still needs one.
    if (email === user.email) return this.sendVerification(user, origin);
    if (email !== null) {
      const owner = await this.accounts.verifiedOwnerOf(email);
      const problem = emailProblem(email) ?? (owner !== undefined && owner !== userId ? EMAIL_TAKEN : null);
      if (problem) throw new ValidationError({ email: problem });
    }
    await this.db.updateTable('users').set({ email, email_verified_at: null }).where('id', '=', userId).execute();
    this.sendVerification({ ...user, email, email_verified_at: null }, origin);
  }

  /**
   * "Forgot password": mails a reset link to the verified address of the
   * account named by `login` (a username or a verified address). Returns at
   * once, before the lookup: the caller's answer is the same, and as fast,
   * whether such an account exists or not.
   */
  requestPasswordReset(login: string, origin: string): void {
    this.mailer.sendLater(async () => {
      const user = await this.resetRecipient(login.trim());
      if (!user?.email) return null;
      const link = this.passwordResetLink(user, origin);
      return {
        to: user.email,
        subject: 'Reset your password',
        text: `Hello ${user.username},

Someone asked to reset the password of the account "${user.username}" at ${origin}. To choose a new password, open this link within an hour:

${link}

The link works once, and signs out every device signed in to your account. If you did not ask, ignore this message: your password stays as it is.
`,
      };
    });
  }

  /** A reset link for `user`, good for an hour from now while their password and address stay as they are. */
  passwordResetLink(user: User, origin: string): string {
    return `${origin}/password-reset/${this.tokens.make('password-reset', user.id, this.now() + RESET_LINK_MS, resetBound(user))}/`;
  }

  /** The account with a verified address that `login` names: a username, or the address itself. */
  private async resetRecipient(login: string): Promise<User | undefined> {
    // Usernames hold no "@".
    const user = login.includes('@')
      ? await this.userById((await this.accounts.verifiedOwnerOf(login)) ?? 0)
      : await this.accounts.findByUsername(login);
    return user?.email && user.email_verified_at !== null ? user : undefined;
  }

  /** The account a reset link is for, or why it does nothing. */
  async resetTarget(token: string): Promise<{ user: User } | LinkProblem> {
    const parsed = this.tokens.parse(token);
    const user = parsed && (await this.userById(parsed.userId));
    // A deleted account's link is void whatever it was bound to.
    if (!parsed || !user || user.deleted_at !== null) return INVALID;
    const check = this.tokens.check(parsed, 'password-reset', resetBound(user), this.now());
    // A valid MAC over an older password cannot be told from a forged one: both say "used or changed".
    if (check === 'invalid') return USED_RESET;
    return check === 'expired' ? EXPIRED_RESET : { user };
  }

  /**
   * Sets a new password through a reset link, then signs the account out
   * everywhere. Throws ValidationError for a weak password (the link stays good).
   */
  async resetPassword(token: string, newPassword: string): Promise<{ userId: number; username: string } | LinkProblem> {
    const target = await this.resetTarget(token);
    if ('problem' in target) return target;
    const { user } = target;
    // A link sets a password over the one it was made for: an account without one (provider sign-in) sets its first in settings.
    if (user.password_hash === null) return USED_RESET;
    // Only over the hash the link was made for: of two uses at once, one wins.
    if (!(await this.accounts.replacePassword(user, newPassword))) return USED_RESET;
    await this.sessions.destroyOthers(user.id);
    return { userId: user.id, username: user.username };
  }
}
