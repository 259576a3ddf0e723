import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const base = { SECRET_KEY: 'x'.repeat(32), DATA_DIR: '/tmp/charcha-config-test' };

describe('TRUST_PROXY', () => {
  it('takes a boolean, a hop count, or the proxies’ addresses', () => {
    expect(loadConfig({ ...base }).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ ...base, TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ ...base, TRUST_PROXY: '10.0.0.1, 10.1.0.0/16' }).trustProxy).toBe('10.0.0.1, 10.1.0.0/16');
    expect(loadConfig({ ...base, TRUST_PROXY: '::1' }).trustProxy).toBe('::1');
    expect(() => loadConfig({ ...base, TRUST_PROXY: 'maybe' })).toThrow(ConfigError);
  });
});

describe('PASSWORD_HASH_COST', () => {
  it('is standard by default; low is for tests and refused in production', () => {
    expect(loadConfig({ ...base }).passwordHashCost).toBe('standard');
    expect(loadConfig({ ...base, PASSWORD_HASH_COST: 'low' }).passwordHashCost).toBe('low');
    expect(loadConfig({ ...base, NODE_ENV: 'production', PASSWORD_HASH_COST: 'standard' }).passwordHashCost).toBe('standard');
    expect(() => loadConfig({ ...base, NODE_ENV: 'production', PASSWORD_HASH_COST: 'low' })).toThrow(/refused when NODE_ENV=production/);
    expect(() => loadConfig({ ...base, PASSWORD_HASH_COST: 'cheap' })).toThrow(ConfigError);
  });
});
