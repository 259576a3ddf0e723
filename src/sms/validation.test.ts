import { describe, expect, it } from 'vitest';
import { InvalidMessageError, InvalidPhoneNumberError, SmsSettingsError } from './errors.js';
import { checkMessage } from './message.js';
import { checkDefaultCountry, mayReceiveTexts, normalizePhoneNumber } from './phone.js';
import type { SmsSender } from './sender.js';
import { withValidation } from './validation.js';

describe('normalizePhoneNumber', () => {
  it('reads spaces, dashes, dots and parentheses between digits', () => {
    expect(normalizePhoneNumber('+91 98765-43210', 'IN')).toBe('+919876543210');
    expect(normalizePhoneNumber('+1 (415) 555-2671', 'IN')).toBe('+14155552671');
    expect(normalizePhoneNumber(' +44 7911 123456 ', 'IN')).toBe('+447911123456');
    expect(normalizePhoneNumber('+33 6.12.34.56.78', 'IN')).toBe('+33612345678');
  });

  it("reads a number without its country code as one of the default country, in that country's own writing", () => {
    expect(normalizePhoneNumber('98765 43210', 'IN')).toBe('+919876543210');
    expect(normalizePhoneNumber('09876543210', 'IN')).toBe('+919876543210'); // India's trunk prefix 0
    expect(normalizePhoneNumber('415-555-2671', 'US')).toBe('+14155552671');
    expect(normalizePhoneNumber('07911 123456', 'GB')).toBe('+447911123456');
    expect(normalizePhoneNumber('06 12 34 56 78', 'FR')).toBe('+33612345678');
  });

  it('accepts any country written internationally, whatever the default', () => {
    expect(normalizePhoneNumber('+49 1512 3456789', 'US')).toBe('+4915123456789');
    expect(normalizePhoneNumber('+55 11 91234-5678', 'IN')).toBe('+5511912345678');
  });

  it.each(['', '   ', ' - . ( ) '])('rejects an empty number: %j', (raw) => {
    expect(() => normalizePhoneNumber(raw, 'IN')).toThrow(new InvalidPhoneNumberError('Phone number is empty'));
  });

  it.each([
    '+12345678', // 8 digits: the old pattern's minimum, no country's plan
    '+123456789012345', // 15 digits: the old maximum, no country's plan
    '+1234567890123456', // too long
    '+91 98765 43210 12345',
    '+91 98765 4321', // nine digits after India's code
    '12345', // too short for India
    '+0123456789', // country codes do not start with 0
    '+999 123456789', // no such country code
    '+91 98765 4321O', // a letter O
    'call +91 98765 43210 now',
    '98765+43210',
    '++919876543210',
  ])('rejects a number no numbering plan allows: %s', (raw) => {
    expect(() => normalizePhoneNumber(raw, 'IN')).toThrow(InvalidPhoneNumberError);
    expect(() => normalizePhoneNumber(raw, 'IN')).toThrow(/not valid/);
  });

  it('reads national numbers by the default country only', () => {
    // A British mobile written nationally is no American number, an Indian one no British number.
    expect(() => normalizePhoneNumber('07911 123456', 'US')).toThrow(InvalidPhoneNumberError);
    expect(() => normalizePhoneNumber('98765 43210', 'GB')).toThrow(InvalidPhoneNumberError);
  });
});

describe('mayReceiveTexts', () => {
  it('is false for landlines and toll-free lines, true for mobiles and numbers that may be either', () => {
    expect(mayReceiveTexts('+919876543210')).toBe(true);
    expect(mayReceiveTexts('+14155552671')).toBe(true); // North American numbers do not say
    expect(mayReceiveTexts('+442079460958')).toBe(false); // a London landline
    expect(mayReceiveTexts('+18005550100')).toBe(false); // toll-free
  });
});

describe('checkDefaultCountry', () => {
  it('takes any ISO 3166 alpha-2 code libphonenumber knows, in any case', () => {
    expect(checkDefaultCountry('IN')).toBe('IN');
    expect(checkDefaultCountry('de')).toBe('DE');
  });

  it('refuses a code it does not know, naming the variable', () => {
    expect(() => checkDefaultCountry('XX')).toThrow(SmsSettingsError);
    expect(() => checkDefaultCountry('XX')).toThrow(/^SMS_DEFAULT_COUNTRY/);
  });
});

describe('checkMessage', () => {
  it('rejects an empty or blank message', () => {
    expect(() => checkMessage('', 140)).toThrow(new InvalidMessageError('Message is empty'));
    expect(() => checkMessage(' \n\t', 140)).toThrow(InvalidMessageError);
  });

  it('counts Unicode code points, not UTF-16 units', () => {
    const emoji = '😀'; // two UTF-16 units, one code point
    expect(() => checkMessage(emoji.repeat(140), 140)).not.toThrow();
    expect(() => checkMessage(emoji.repeat(141), 140)).toThrow(InvalidMessageError);
    expect(() => checkMessage(emoji.repeat(141), 140)).toThrow(/141 characters, at most 140/);
  });

  it('applies the configured limit', () => {
    expect(() => checkMessage('abcde', 5)).not.toThrow();
    expect(() => checkMessage('abcdef', 5)).toThrow(/too long/);
  });
});

describe('withValidation', () => {
  function recorder() {
    const calls: unknown[][] = [];
    const sender: SmsSender = {
      async send(...args) {
        calls.push(args);
        return { provider: 'fake', messageId: 'm-1' };
      },
    };
    return { sender, calls };
  }

  it('passes the number in E.164 form, the message and the options on', async () => {
    const { sender, calls } = recorder();
    const validated = withValidation(sender, { defaultCountry: 'IN', maxLength: 140 });
    const receipt = await validated.send('98765 43210', 'hello', { priority: 'high' });
    expect(receipt).toEqual({ provider: 'fake', messageId: 'm-1' });
    expect(calls).toEqual([['+919876543210', 'hello', { priority: 'high' }]]);
  });

  it('rejects bad input without calling the sender', async () => {
    const { sender, calls } = recorder();
    const validated = withValidation(sender, { defaultCountry: 'US', maxLength: 3 });
    await expect(validated.send('12', 'hi')).rejects.toThrow(InvalidPhoneNumberError);
    await expect(validated.send('4155552671', 'hello')).rejects.toThrow(InvalidMessageError);
    expect(calls).toEqual([]);
  });

  it('refuses an unknown default country when built', () => {
    const { sender } = recorder();
    expect(() => withValidation(sender, { defaultCountry: 'ZZ', maxLength: 140 })).toThrow(SmsSettingsError);
  });
});
