import { describe, expect, it } from 'vitest';
import { SignedValues } from './signed-values.js';

describe('SignedValues', () => {
  let time = 1_000;
  const values = new SignedValues('a-secret-of-at-least-thirty-two-chars', () => time);

  it('give back what was signed, for its purpose, until it expires', () => {
    const signed = values.sign('flow', { state: 's' }, 600_000);
    expect(values.verify('flow', signed)).toEqual({ state: 's' });
    expect(values.verify('pending', signed)).toBeUndefined();
    time += 600_000;
    expect(values.verify('flow', signed)).toBeUndefined();
  });

  it('refuse an altered value, another key’s signature, and garbage', () => {
    const signed = values.sign('flow', { state: 's' }, 600_000);
    const [, mac] = signed.split('.');
    const forged = `${Buffer.from(JSON.stringify({ v: { state: 'evil' }, exp: time + 1e9 })).toString('base64url')}.${mac}`;
    expect(values.verify('flow', forged)).toBeUndefined();
    expect(new SignedValues('another-secret-of-thirty-two-characters', () => time).verify('flow', signed)).toBeUndefined();
    for (const junk of [undefined, '', 'x', 'x.y', `${signed}.z`]) expect(values.verify('flow', junk)).toBeUndefined();
  });
});

describe('SignedValues after a key rotation (SECRET_KEY_FALLBACKS)', () => {
  const OLD = 'the-old-secret-of-thirty-two-characters';
  const NEW = 'the-new-secret-of-thirty-two-characters';
  const now = () => 1_000;

  it('verify what an old key signed while it is a fallback, and sign with the current key only', () => {
    const before = new SignedValues(OLD, now).sign('flow', { state: 's' }, 600_000);
    expect(new SignedValues(NEW, now, [OLD]).verify('flow', before)).toEqual({ state: 's' });
    expect(new SignedValues(NEW, now).verify('flow', before)).toBeUndefined();
    const after = new SignedValues(NEW, now, [OLD]).sign('flow', { state: 's' }, 600_000);
    expect(new SignedValues(OLD, now).verify('flow', after)).toBeUndefined();
    expect(new SignedValues(NEW, now).verify('flow', after)).toEqual({ state: 's' });
  });
});
