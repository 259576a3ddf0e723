import { describe, expect, it } from 'vitest';
import { plural } from './plural.js';

describe('plural', () => {
  it('follows English plural rules, negative counts included', () => {
    expect(plural(1, 'point')).toBe('1 point');
    expect(plural(-1, 'point')).toBe('-1 point');
    expect(plural(0, 'point')).toBe('0 points');
    expect(plural(-2, 'point')).toBe('-2 points');
    expect(plural(2, 'reply', 'replies')).toBe('2 replies');
  });
});
