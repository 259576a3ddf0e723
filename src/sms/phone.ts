import { InvalidPhoneNumberError, SmsSettingsError } from './errors.js';

// Calling codes of countries whose mobile numbers are written as ten national
// digits, the only form we complete on the caller's behalf. Add a country
// here when Charcha needs it.
const CALLING_CODES: Readonly<Record<string, string>> = {
  BD: '880',
  CA: '1',
  GB: '44',
  IN: '91',
  JP: '81',
  MX: '52',
  NG: '234',
  NP: '977',
  PH: '63',
  PK: '92',
  RU: '7',
  TR: '90',
  US: '1',
};

/** The calling code for an ISO country code; throws when we do not know it. */
export function callingCode(country: string): string {
  const code = CALLING_CODES[country.toUpperCase()];
  if (code === undefined) {
    throw new SmsSettingsError(
      'SMS_DEFAULT_COUNTRY',
      `must be one of ${Object.keys(CALLING_CODES).join(', ')}`,
    );
  }
  return code;
}

const SEPARATORS = /[\s\-.()]/g;
const E164 = /^\+[1-9]\d{7,14}$/;

/**
 * Returns the number in E.164 form (`+919876543210`), the only form providers
 * are given. People write numbers with spaces, dashes, dots and parentheses,
 * so those are dropped; a bare ten-digit number is taken as national.
 */
export function normalizePhoneNumber(raw: string, defaultCallingCode: string): string {
  const compact = typeof raw === 'string' ? raw.replace(SEPARATORS, '') : '';
  if (compact === '') {
    throw new InvalidPhoneNumberError('Phone number is empty');
  }
  if (/^\+?\d{16,}$/.test(compact)) {
    throw new InvalidPhoneNumberError('Phone number is too long');
  }
  const international = /^\d{10}$/.test(compact) ? `+${defaultCallingCode}${compact}` : compact;
  if (!E164.test(international)) {
    throw new InvalidPhoneNumberError(
      'Phone number is malformed: use the international form, e.g. +919876543210',
    );
  }
  return international;
}
