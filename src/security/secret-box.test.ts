import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

const OLD = 'old-secret-key-that-is-long-enough-0000';
const NEW = 'new-secret-key-that-is-long-enough-1111';

describe('SecretBox', () => {
  it('opens what it sealed, for the same context only', () => {
    const box = new SecretBox([NEW], 'totp');
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'user:1');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed, 'user:1')).toEqual({ plain: 'JBSWY3DPEHPK3PXP', stale: false });
    expect(box.open(sealed, 'user:2')).toBeUndefined();
    // A fresh IV each time: the same secret never seals the same way twice.
    expect(box.seal('JBSWY3DPEHPK3PXP', 'user:1')).not.toBe(sealed);
  });

  it('refuses altered values, other purposes and unknown keys', () => {
    const box = new SecretBox([NEW], 'totp');
    const sealed = box.seal('secret', 'user:1');
    const body = sealed.slice(3);
    const flipped = `v1.${body.slice(0, 10)}${body[10] === 'A' ? 'B' : 'A'}${body.slice(11)}`;
    expect(box.open(flipped, 'user:1')).toBeUndefined();
    expect(box.open('v1.short', 'user:1')).toBeUndefined();
    expect(box.open('nonsense', 'user:1')).toBeUndefined();
    expect(new SecretBox([NEW], 'another-purpose').open(sealed, 'user:1')).toBeUndefined();
    expect(new SecretBox([OLD], 'totp').open(sealed, 'user:1')).toBeUndefined();
  });

  it('opens with a fallback key, says so, and seals with the current one', () => {
    const sealed = new SecretBox([OLD], 'totp').seal('secret', 'user:1');
    const rotated = new SecretBox([NEW, OLD], 'totp');
    expect(rotated.open(sealed, 'user:1')).toEqual({ plain: 'secret', stale: true });
    const resealed = rotated.seal('secret', 'user:1');
    expect(new SecretBox([NEW], 'totp').open(resealed, 'user:1')).toEqual({ plain: 'secret', stale: false });
  });
});
