// SECRET_KEY_FALLBACKS for the other things SECRET_KEY signs: mail links and
// the sign-in forms' token keep working across a rotation, as Django's do.
import { describe, expect, it } from 'vitest';
import { SignedTokens } from '../accounts/signed-tokens.js';
import { PresessionTokens } from './csrf.js';

const OLD = 'the-old-secret-of-thirty-two-characters';
const NEW = 'the-new-secret-of-thirty-two-characters';

describe('a rotated SECRET_KEY', () => {
  it('still accepts a mail link made with a fallback key, and only with it configured', () => {
    const link = new SignedTokens(OLD).make('password-reset', 7, 5_000, 'hash');
    const parsed = new SignedTokens(NEW).parse(link)!;
    expect(new SignedTokens(NEW, [OLD]).check(parsed, 'password-reset', 'hash', 1_000)).toBe('ok');
    expect(new SignedTokens(NEW, [OLD]).check(parsed, 'verify-email', 'hash', 1_000)).toBe('invalid');
    expect(new SignedTokens(NEW).check(parsed, 'password-reset', 'hash', 1_000)).toBe('invalid');
    // New links use the current key.
    expect(new SignedTokens(NEW, [OLD]).make('password-reset', 7, 5_000, 'hash')).toBe(new SignedTokens(NEW).make('password-reset', 7, 5_000, 'hash'));
  });

  it('still accepts a sign-in form served before the rotation', () => {
    const before = new PresessionTokens(OLD);
    const cookie = before.newCookieValue();
    const token = before.tokenFor(cookie);
    expect(new PresessionTokens(NEW, [OLD]).verify(cookie, token)).toBe(true);
    expect(new PresessionTokens(NEW).verify(cookie, token)).toBe(false);
    expect(new PresessionTokens(NEW, [OLD]).verify('another-cookie', token)).toBe(false);
  });
});
