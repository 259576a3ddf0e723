// Phone numbers are parsed and checked with libphonenumber-js and its `max`
// metadata (every country's numbering plan, number types included), not with
// a rule of our own: lengths and prefixes differ from country to country.
import { type CountryCode, isSupportedCountry, isValidPhoneNumber, parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { InvalidPhoneNumberError, SmsSettingsError } from './errors.js';

/** The ISO 3166 alpha-2 code, upper-cased, of a country libphonenumber knows; throws naming SMS_DEFAULT_COUNTRY otherwise. */
export function checkDefaultCountry(country: string): CountryCode {
  const code = country.toUpperCase();
  if (!isSupportedCountry(code)) {
    throw new SmsSettingsError('SMS_DEFAULT_COUNTRY', 'must be a two-letter ISO 3166 country code, e.g. IN, US or GB');
  }
  return code;
}

const MALFORMED = 'Phone number is not valid: check it, or write it with its country code, e.g. +919876543210';

/**
 * Returns the number in E.164 form (`+919876543210`), the only form providers
 * are given. Any country's number written with `+` and its country code is
 * accepted; one written without is read as a number of `defaultCountry`
 * (`98765 43210` in India, `020 7946 0958` in Britain). The whole text must
 * be the number: spaces, dashes, dots, slashes and parentheses may separate
 * digits, nothing else may surround them.
 */
export function normalizePhoneNumber(raw: string, defaultCountry: CountryCode): string {
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text.replace(/[\s\-.()/]/g, '') === '') throw new InvalidPhoneNumberError('Phone number is empty');
  // isValidPhoneNumber wants the whole text to be the number (no "call +91 … now").
  if (!isValidPhoneNumber(text, defaultCountry)) throw new InvalidPhoneNumberError(MALFORMED);
  return parsePhoneNumberWithError(text, defaultCountry).number;
}

/** Number types that cannot take a text message: landlines, toll-free and premium-rate lines. */
const NOT_FOR_TEXTS = new Set(['FIXED_LINE', 'TOLL_FREE', 'PREMIUM_RATE', 'SHARED_COST', 'VOICEMAIL', 'UAN', 'PAGER']);

/** False for a valid E.164 number whose numbering plan says it is not a mobile (or possibly mobile) line. */
export function mayReceiveTexts(e164: string): boolean {
  const type = parsePhoneNumberWithError(e164).getType();
  return type === undefined || !NOT_FOR_TEXTS.has(type);
}

/** An E.164 number as people read it: `+91 98765 43210`. */
export function formatPhoneNumber(e164: string): string {
  return parsePhoneNumberWithError(e164).formatInternational();
}
