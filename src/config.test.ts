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

describe('LOG_FORMAT', () => {
  it('is readable lines in development and JSON in production, unless chosen', () => {
    expect(loadConfig({ ...base }).logFormat).toBe('pretty');
    expect(loadConfig({ ...base, NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(loadConfig({ ...base, NODE_ENV: 'production', LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadConfig({ ...base, LOG_FORMAT: 'JSON' }).logFormat).toBe('json');
    expect(() => loadConfig({ ...base, LOG_FORMAT: 'xml' })).toThrow(ConfigError);
  });
});
