import { describe, expect, it } from 'vitest';
import { InvalidMessageError, InvalidPhoneNumberError, SmsSettingsError } from './errors.js';
import { checkMessage } from './message.js';
import { callingCode, normalizePhoneNumber } from './phone.js';
import type { SmsSender } from './sender.js';
import { withValidation } from './validation.js';

describe('normalizePhoneNumber', () => {
  it('drops spaces, dashes, dots and parentheses', () => {
    expect(normalizePhoneNumber('+91 98765-43210', '91')).toBe('+919876543210');
    expect(normalizePhoneNumber('(+1) 415.555.0100', '91')).toBe('+14155550100');
    expect(normalizePhoneNumber(' +44 7911 123456 ', '91')).toBe('+447911123456');
  });

  it("gives a bare ten-digit national number the default country's code", () => {
    expect(normalizePhoneNumber('98765 43210', '91')).toBe('+919876543210');
    expect(normalizePhoneNumber('415-555-0100', '1')).toBe('+14155550100');
  });

  it('accepts 8 to 15 digits after the plus', () => {
    expect(normalizePhoneNumber('+12345678', '91')).toBe('+12345678');
    expect(normalizePhoneNumber('+123456789012345', '91')).toBe('+123456789012345');
  });

  it.each(['', '   ', ' - . ( ) '])('rejects an empty number: %j', (raw) => {
    expect(() => normalizePhoneNumber(raw, '91')).toThrow(new InvalidPhoneNumberError('Phone number is empty'));
  });

  it.each(['+1234567890123456', '12345678901234567', '+91 98765 43210 12345'])('rejects a too-long number: %s', (raw) => {
    expect(() => normalizePhoneNumber(raw, '91')).toThrow(/too long/);
  });

  it.each([
    '+1234567', // too short
    '12345', // too short, no country code
    '09876543210', // 11 digits without +: not national, not international
    '919876543210', // international without the +
    '+0123456789', // country codes do not start with 0
    '+91 98765 4321O', // a letter O
    '98765+43210',
    '+91/9876543210',
    '++919876543210',
  ])('rejects a malformed number: %s', (raw) => {
    expect(() => normalizePhoneNumber(raw, '91')).toThrow(InvalidPhoneNumberError);
    expect(() => normalizePhoneNumber(raw, '91')).toThrow(/malformed/);
  });
});

describe('callingCode', () => {
  it('knows India (the default) and a few others, in any case', () => {
    expect(callingCode('IN')).toBe('91');
    expect(callingCode('us')).toBe('1');
  });

  it('refuses a country it does not know, naming the variable', () => {
    expect(() => callingCode('XX')).toThrow(SmsSettingsError);
    expect(() => callingCode('XX')).toThrow(/^SMS_DEFAULT_COUNTRY/);
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
    await expect(validated.send('4155550100', 'hello')).rejects.toThrow(InvalidMessageError);
    expect(calls).toEqual([]);
  });

  it('refuses an unknown default country when built', () => {
    const { sender } = recorder();
    expect(() => withValidation(sender, { defaultCountry: 'ZZ', maxLength: 140 })).toThrow(SmsSettingsError);
  });
});
