// A person's phone and the codes texted to it: verifying the number (a code
// sent to it comes back), and sign-in codes as a second step (the `sms`
// factor). Codes are 6 digits, live 10 minutes, work once, allow 5 tries,
// and a new one voids the one before. Rate limits on sending are the
// routes' (security/rate-limits.ts, smsCodeAccount and smsCodePhone).
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type Clock, ValidationError } from '../../errors.js';
import {
  InvalidPhoneNumberError,
  mayReceiveTexts,
  normalizePhoneNumber,
  SmsBadInputError,
  SmsDeliveryUnknownError,
  SmsProviderUnavailableError,
  type SmsSender,
  checkDefaultCountry,
} from '../../sms/index.js';
import type { SecondFactor } from './factors.js';

export const SMS_CODE_TTL_MS = 10 * 60_000;
export const SMS_CODE_MAX_ATTEMPTS = 5;

type Purpose = 'verify-phone' | 'sign-in';

export interface Phone {
  number: string;
  verifiedAt: number;
  signInCodes: boolean;
}

/** What became of a code sent: `unavailable` when this forum sends no texts (production without a provider). */
export type SendOutcome = { kind: 'sent'; expiresAt: number } | { kind: 'bad-number' | 'try-later' | 'unavailable' };

/** What a typed code was: only `right` does anything. */
export type CodeCheck = 'right' | 'wrong' | 'expired' | 'too-many' | 'none';

export interface PhoneSettings {
  /** Whether codes may be texted: a provider is configured, or (outside production) the console provider logs them. */
  available: boolean;
  /** SMS_DEFAULT_COUNTRY: numbers typed without their country code belong to it. */
  defaultCountry: string;
  /** Keys the codes' HMAC. */
  secretKey: string;
}

export class PhoneService {
  /** The `sms` second factor: on when the phone is verified and sign-in codes are on. */
  readonly factor: SecondFactor;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: Clock,
    private readonly sms: SmsSender,
    private readonly settings: PhoneSettings,
  ) {
    this.factor = {
      kind: 'sms',
      enrolled: async (userId) => (await this.phoneOf(userId))?.signInCodes === true,
      check: async (userId, code) => (await this.consume(userId, 'sign-in', code)).result === 'right',
    };
  }

  get available(): boolean {
    return this.settings.available;
  }

  /** The country of numbers typed without their country code (ISO 3166 alpha-2). */
  get defaultCountry(): string {
    return this.settings.defaultCountry;
  }

  async phoneOf(userId: number): Promise<Phone | undefined> {
    const row = await this.db.selectFrom('phones').select(['number', 'verified_at', 'sign_in_codes']).where('user_id', '=', userId).executeTakeFirst();
    return row && { number: row.number, verifiedAt: Number(row.verified_at), signInCodes: row.sign_in_codes === 1 };
  }

  /** The number waiting for its verification code, while that code can still be used. */
  async pendingNumber(userId: number): Promise<{ number: string; expiresAt: number } | undefined> {
    const row = await this.liveCode(userId, 'verify-phone');
    return row && { number: row.phone, expiresAt: Number(row.expires_at) };
  }

  /** The typed number in E.164 form, or a ValidationError on `phone` saying what is wrong with it. */
  parse(typed: string): string {
    let number: string;
    try {
      number = normalizePhoneNumber(typed, checkDefaultCountry(this.settings.defaultCountry));
    } catch (error) {
      if (!(error instanceof InvalidPhoneNumberError)) throw error;
      throw new ValidationError({
        phone: typed.trim() === '' ? 'Enter your mobile number.' : 'That is not a phone number we can text. Check it, or write it with its country code, e.g. +91 98765 43210.',
      });
    }
    if (!mayReceiveTexts(number)) throw new ValidationError({ phone: 'That looks like a landline or service number. Enter a mobile number: it gets text messages.' });
    return number;
  }

  /** Texts a code that proves the person holds `number` (already parsed). */
  sendVerificationCode(userId: number, number: string): Promise<SendOutcome> {
    return this.sendCode(userId, 'verify-phone', number, (code) => `Your Charcha code to verify this phone: ${code}. It expires in 10 minutes.`);
  }

  /** Texts a sign-in code to `number`, the person's verified phone (phoneOf). */
  sendSignInCode(userId: number, number: string): Promise<SendOutcome> {
    return this.sendCode(userId, 'sign-in', number, (code) => `Your Charcha sign-in code: ${code}. It expires in 10 minutes. Never give it to anyone.`);
  }

  /**
   * A right verification code makes its number the person's phone
   * (replacing any other), with sign-in codes on or off as asked.
   */
  async verify(userId: number, code: string, signInCodes: boolean): Promise<CodeCheck> {
    const { result, phone } = await this.consume(userId, 'verify-phone', code.replace(/[\s-]/g, ''));
    if (result !== 'right' || phone === undefined) return result;
    const row = { number: phone, verified_at: this.now(), sign_in_codes: signInCodes ? 1 : 0 };
    await this.db
      .insertInto('phones')
      .values({ user_id: userId, ...row })
      .onConflict((oc) => oc.column('user_id').doUpdateSet(row))
      .execute();
    // A sign-in code sent to the old number is no good any more.
    await this.db.deleteFrom('sms_codes').where('user_id', '=', userId).where('purpose', '=', 'sign-in').execute();
    return 'right';
  }

  /** Turns sign-in codes on or off; false when the person has no verified phone. */
  async setSignInCodes(userId: number, on: boolean): Promise<boolean> {
    const result = await this.db.updateTable('phones').set({ sign_in_codes: on ? 1 : 0 }).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Forgets the phone and every code sent to it, or waiting to verify another. */
  async remove(userId: number): Promise<void> {
    await this.db.deleteFrom('sms_codes').where('user_id', '=', userId).execute();
    await this.db.deleteFrom('phones').where('user_id', '=', userId).execute();
  }

  private async sendCode(userId: number, purpose: Purpose, phone: string, message: (code: string) => string): Promise<SendOutcome> {
    if (!this.settings.available) return { kind: 'unavailable' };
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const createdAt = this.now();
    const row = { phone, code_hash: this.hash(userId, purpose, code), created_at: createdAt, expires_at: createdAt + SMS_CODE_TTL_MS, attempts: 0, used_at: null };
    // One row per person and purpose: the new code replaces (voids) the old one.
    await this.db
      .insertInto('sms_codes')
      .values({ user_id: userId, purpose, ...row })
      .onConflict((oc) => oc.columns(['user_id', 'purpose']).doUpdateSet(row))
      .execute();
    try {
      // high: a person is waiting; critical: better twice than never.
      await this.sms.send(phone, message(code), { priority: 'high', critical: true });
    } catch (error) {
      if (error instanceof InvalidPhoneNumberError || error instanceof SmsBadInputError) return { kind: 'bad-number' };
      if (error instanceof SmsProviderUnavailableError) return { kind: 'try-later' };
      // It may have arrived: the person can ask for another.
      if (!(error instanceof SmsDeliveryUnknownError)) throw error;
    }
    return { kind: 'sent', expiresAt: row.expires_at };
  }

  private async liveCode(userId: number, purpose: Purpose) {
    const row = await this.db.selectFrom('sms_codes').selectAll().where('user_id', '=', userId).where('purpose', '=', purpose).executeTakeFirst();
    if (!row || row.used_at !== null || this.now() >= Number(row.expires_at) || row.attempts >= SMS_CODE_MAX_ATTEMPTS) return undefined;
    return row;
  }

  /**
   * Checks a code and, when right, uses it up. Each try is counted before the
   * comparison, by an update that only succeeds under the limit, so guesses
   * sent at once cannot get past 5; marking it used is conditional too, so a
   * code works once even when sent twice at the same moment.
   */
  private async consume(userId: number, purpose: Purpose, code: string): Promise<{ result: CodeCheck; phone?: string }> {
    const row = await this.db.selectFrom('sms_codes').selectAll().where('user_id', '=', userId).where('purpose', '=', purpose).executeTakeFirst();
    if (!row || row.used_at !== null) return { result: 'none' };
    if (this.now() >= Number(row.expires_at)) return { result: 'expired' };
    const thisCode = this.db
      .updateTable('sms_codes')
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .where('created_at', '=', row.created_at)
      .where('code_hash', '=', row.code_hash)
      .where('used_at', 'is', null);
    const counted = await thisCode
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('attempts', '<', SMS_CODE_MAX_ATTEMPTS)
      .executeTakeFirst();
    if (Number(counted.numUpdatedRows) === 0) return { result: 'too-many' };
    if (!this.matches(row.code_hash, userId, purpose, code)) return { result: 'wrong' };
    const used = await thisCode.set({ used_at: this.now() }).executeTakeFirst();
    return Number(used.numUpdatedRows) === 1 ? { result: 'right', phone: row.phone } : { result: 'none' };
  }

  private hash(userId: number, purpose: Purpose, code: string): string {
    return createHmac('sha256', this.settings.secretKey).update(`${userId}:${purpose}:${code}`).digest('hex');
  }

  private matches(stored: string, userId: number, purpose: Purpose, code: string): boolean {
    return timingSafeEqual(Buffer.from(stored, 'hex'), Buffer.from(this.hash(userId, purpose, code), 'hex'));
  }
}
