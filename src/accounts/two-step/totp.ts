// Authenticator apps (TOTP, RFC 6238: six digits, 30 seconds, SHA-1, which
// every app supports). Setting one up is two steps: a secret is made and
// shown (QR code and text), and only a code typed from the app turns it on,
// so nobody is locked out by an app that never got the secret. A code is
// accepted one step early or late (clocks drift), and a step once used is
// refused after: a code seen over someone's shoulder does not work again.
import { Secret, TOTP } from 'otpauth';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../errors.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { SecondFactor } from './factors.js';

const PERIOD_S = 30;
/** Steps either side of now that still count. */
const WINDOW = 1;

export interface TotpSetup {
  /** Base32, for typing into the app by hand. */
  secret: string;
  /** The otpauth:// URI the QR code holds. */
  uri: string;
}

export class TotpService implements SecondFactor {
  readonly kind = 'totp';

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: Clock,
    private readonly box: SecretBox,
    /** The name apps show beside the account. */
    private readonly issuer: string,
  ) {}

  async enrolled(userId: number): Promise<boolean> {
    const row = await this.db.selectFrom('totp_apps').select('user_id').where('user_id', '=', userId).where('confirmed_at', 'is not', null).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * The secret being set up (the same one while the person comes back to the
   * page, so a scanned code stays right), made now if there is none; undefined
   * once an app is on.
   */
  async setup(userId: number, accountName: string): Promise<TotpSetup | undefined> {
    const row = await this.db.selectFrom('totp_apps').select(['secret', 'confirmed_at']).where('user_id', '=', userId).executeTakeFirst();
    if (row?.confirmed_at != null) return undefined;
    let secret = row && this.box.open(row.secret, context(userId))?.plain;
    if (!secret) {
      secret = new Secret({ size: 20 }).base32;
      const sealed = this.box.seal(secret, context(userId));
      await this.db
        .insertInto('totp_apps')
        .values({ user_id: userId, secret: sealed, created_at: this.now(), confirmed_at: null, last_step: null })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ secret: sealed, created_at: this.now() }))
        .execute();
    }
    return { secret, uri: totp(secret, this.issuer, accountName).toString() };
  }

  /** A code from the app being set up: right, and the app is on. */
  async confirm(userId: number, code: string): Promise<boolean> {
    const step = await this.acceptedStep(userId, code, false);
    if (step === undefined) return false;
    const result = await this.db
      .updateTable('totp_apps')
      .set({ confirmed_at: this.now(), last_step: step })
      .where('user_id', '=', userId)
      .where('confirmed_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** A code at sign-in or when confirming it is you: right, and its step not used before. */
  async check(userId: number, code: string): Promise<boolean> {
    const step = await this.acceptedStep(userId, code, true);
    if (step === undefined) return false;
    // Conditional, so two requests with the same code cannot both pass.
    const result = await this.db
      .updateTable('totp_apps')
      .set({ last_step: step })
      .where('user_id', '=', userId)
      .where('confirmed_at', 'is not', null)
      .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async disable(userId: number): Promise<void> {
    await this.db.deleteFrom('totp_apps').where('user_id', '=', userId).execute();
  }

  /** The time step the code is right for, if any; re-seals a secret read with an old key. */
  private async acceptedStep(userId: number, code: string, confirmed: boolean): Promise<number | undefined> {
    if (!/^\d{6}$/.test(code)) return undefined;
    const row = await this.db.selectFrom('totp_apps').select(['secret', 'confirmed_at', 'last_step']).where('user_id', '=', userId).executeTakeFirst();
    if (!row || (row.confirmed_at !== null) !== confirmed) return undefined;
    const opened = this.box.open(row.secret, context(userId));
    // Sealed with a key no longer configured: only a recovery code helps now.
    if (!opened) return undefined;
    if (opened.stale) {
      await this.db.updateTable('totp_apps').set({ secret: this.box.seal(opened.plain, context(userId)) }).where('user_id', '=', userId).execute();
    }
    const timestamp = this.now();
    const delta = totp(opened.plain, this.issuer, '').validate({ token: code, timestamp, window: WINDOW });
    if (delta === null) return undefined;
    const step = TOTP.counter({ period: PERIOD_S, timestamp }) + delta;
    return row.last_step !== null && step <= Number(row.last_step) ? undefined : step;
  }
}

/** The sealed secret is bound to its owner: copied to another account's row, it does not open. */
const context = (userId: number) => `totp:${userId}`;

function totp(secret: string, issuer: string, label: string): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD_S, secret: Secret.fromBase32(secret) });
}
