import { describe, expect, it } from 'vitest';
import { relativeTime } from './relative-times.js';

const NOW = Date.UTC(2026, 10, 25, 12);
const MINUTE = 60_000;

describe('relativeTime', () => {
  it('says past moments as "… ago" and future ones as "in …", in the largest whole unit', () => {
    expect(relativeTime(NOW - 30_000, NOW)).toBe('just now');
    expect(relativeTime(NOW - MINUTE, NOW)).toBe('1 minute ago');
    expect(relativeTime(NOW - 3 * 60 * MINUTE - 5 * MINUTE, NOW)).toBe('3 hours ago');
    expect(relativeTime(NOW - 400 * 24 * 60 * MINUTE, NOW)).toBe('1 year ago');
    expect(relativeTime(NOW + 2 * 24 * 60 * MINUTE, NOW)).toBe('in 2 days');
  });
});
