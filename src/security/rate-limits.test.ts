import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { RATE_LIMIT_RULES, scaledRules } from './rate-limits.js';
import { waitInWords } from './too-many-requests.js';

const env = { SECRET_KEY: 'x'.repeat(32), DATA_DIR: '/nonexistent' };

describe('rate-limit configuration', () => {
  it('is strict and per process by default', () => {
    const config = loadConfig(env);
    expect(config.rateLimitScale).toBe(1);
    expect(config.redisUrl).toBeUndefined();
  });

  it('reads RATE_LIMIT_SCALE and REDIS_URL, refusing bad values', () => {
    expect(loadConfig({ ...env, RATE_LIMIT_SCALE: '1000', REDIS_URL: 'redis://cache:6379/2' })).toMatchObject({ rateLimitScale: 1000, redisUrl: 'redis://cache:6379/2' });
    for (const scale of ['0', '-5', '1.5', 'relaxed']) expect(() => loadConfig({ ...env, RATE_LIMIT_SCALE: scale })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, REDIS_URL: 'http://:secret@cache' })).toThrow(/REDIS_URL must start with redis:\/\//);
    expect(() => loadConfig({ ...env, REDIS_URL: 'http://:secret@cache' })).not.toThrow(/secret/);
  });

  it('multiplies every allowance by the scale and keeps every duration', () => {
    const scaled = scaledRules(1000);
    for (const [name, rule] of Object.entries(RATE_LIMIT_RULES)) {
      expect(scaled[name as keyof typeof RATE_LIMIT_RULES]).toEqual({ ...rule, limit: rule.limit * 1000 });
    }
  });
});

describe('waitInWords', () => {
  it('rounds up to the unit a person would use', () => {
    expect(waitInWords(1)).toBe('1 second');
    expect(waitInWords(45_000)).toBe('45 seconds');
    expect(waitInWords(60_000)).toBe('1 minute');
    expect(waitInWords(61_000)).toBe('2 minutes');
    expect(waitInWords(3_600_000)).toBe('1 hour');
    expect(waitInWords(3_900_000)).toBe('1 hour 5 minutes');
  });
});
