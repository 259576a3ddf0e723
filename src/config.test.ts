import { createECDH } from 'node:crypto';
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

  it('is required by FORCE_HTTPS: the server speaks plain HTTP, so without the proxy’s word every request would redirect forever', () => {
    expect(() => loadConfig({ ...base, FORCE_HTTPS: 'true' })).toThrow(/FORCE_HTTPS needs TRUST_PROXY/);
    expect(() => loadConfig({ ...base, FORCE_HTTPS: 'true', TRUST_PROXY: '0' })).toThrow(/FORCE_HTTPS needs TRUST_PROXY/);
    expect(loadConfig({ ...base, FORCE_HTTPS: 'true', TRUST_PROXY: '1' }).forceHttps).toBe(true);
  });
});

describe('database limits', () => {
  it('default to a 5 s connect and 10 s query timeout on PostgreSQL and a 2 s busy wait on SQLite', () => {
    expect(loadConfig({ ...base }).database).toEqual({ connectTimeoutMs: 5_000, queryTimeoutMs: 10_000, sqliteBusyTimeoutMs: 2_000 });
    const tuned = loadConfig({ ...base, DB_CONNECT_TIMEOUT_MS: '1000', DB_QUERY_TIMEOUT_MS: '3000', SQLITE_BUSY_TIMEOUT_MS: '0' });
    expect(tuned.database).toEqual({ connectTimeoutMs: 1_000, queryTimeoutMs: 3_000, sqliteBusyTimeoutMs: 0 });
    expect(() => loadConfig({ ...base, DB_QUERY_TIMEOUT_MS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, DB_CONNECT_TIMEOUT_MS: '5s' })).toThrow(ConfigError);
  });
});

describe('HTTP limits', () => {
  it('default to values for serving the internet directly, and take positive milliseconds', () => {
    expect(loadConfig({ ...base }).http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      idleTimeoutMs: 60_000,
      maxConnections: 1_000,
    });
    expect(loadConfig({ ...base, HTTP_REQUEST_TIMEOUT_MS: '60000', MAX_CONNECTIONS: '5000' }).http).toMatchObject({ requestTimeoutMs: 60_000, maxConnections: 5_000 });
    // 0 would mean "no limit" to Node: not a value these settings take.
    for (const name of ['HTTP_HEADERS_TIMEOUT_MS', 'HTTP_REQUEST_TIMEOUT_MS', 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 'HTTP_IDLE_TIMEOUT_MS', 'MAX_CONNECTIONS']) {
      for (const bad of ['0', '-1', '1.5', 'soon']) expect(() => loadConfig({ ...base, [name]: bad }), `${name}=${bad}`).toThrow(ConfigError);
    }
    expect(() => loadConfig({ ...base, HTTP_HEADERS_TIMEOUT_MS: '40000' })).toThrow(/must not exceed HTTP_REQUEST_TIMEOUT_MS/);
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

describe('PASSWORD_HASH_COST', () => {
  it('is standard by default; low is for tests and refused in production', () => {
    expect(loadConfig({ ...base }).passwordHashCost).toBe('standard');
    expect(loadConfig({ ...base, PASSWORD_HASH_COST: 'low' }).passwordHashCost).toBe('low');
    expect(loadConfig({ ...base, NODE_ENV: 'production', PASSWORD_HASH_COST: 'standard' }).passwordHashCost).toBe('standard');
    expect(() => loadConfig({ ...base, NODE_ENV: 'production', PASSWORD_HASH_COST: 'low' })).toThrow(/refused when NODE_ENV=production/);
    expect(() => loadConfig({ ...base, PASSWORD_HASH_COST: 'cheap' })).toThrow(ConfigError);
  });
});

describe('mail', () => {
  it('reads SMTP_URL and MAIL_FROM; From defaults to noreply at BASE_URL’s host', () => {
    expect(loadConfig({ ...base }).mail).toEqual({ smtpUrl: undefined, from: 'Charcha <noreply@localhost>' });
    expect(loadConfig({ ...base, SMTP_URL: 'smtps://u:p@mail.example.org:465', BASE_URL: 'https://forum.example.org' }).mail).toEqual({
      smtpUrl: 'smtps://u:p@mail.example.org:465',
      from: 'Charcha <noreply@forum.example.org>',
    });
    expect(loadConfig({ ...base, MAIL_FROM: 'Forum <forum@example.org>' }).mail.from).toBe('Forum <forum@example.org>');
  });

  it('refuses a URL that is not smtp:// or smtps://, without echoing it (it may hold a password)', () => {
    for (const url of ['http://u:secret@host', 'smtp:host', 'mail.example.org:587']) {
      expect(() => loadConfig({ ...base, SMTP_URL: url })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, SMTP_URL: url })).not.toThrow(/secret/);
    }
    expect(() => loadConfig({ ...base, MAIL_FROM: 'a@b.org\r\nBcc: x@y.org' })).toThrow(ConfigError);
  });

  it('needs BASE_URL with SMTP_URL in production: links are never built from a request', () => {
    const production = { ...base, NODE_ENV: 'production', SMTP_URL: 'smtp://mail.example.org:587' };
    expect(() => loadConfig(production)).toThrow(/SMTP_URL needs BASE_URL in production/);
    expect(loadConfig({ ...production, BASE_URL: 'https://forum.example.org' }).mail.smtpUrl).toBe('smtp://mail.example.org:587');
    // Outside production, links follow the site's origin rule (BASE_URL, else the request's).
    expect(loadConfig({ ...base, SMTP_URL: 'smtp://mail.example.org:587' }).baseUrl).toBeUndefined();
  });

  it('needs BASE_URL with SMS_PROVIDERS in production: notification texts carry a link', () => {
    const watertel = { SMS_PROVIDERS: 'watertel:1', WATERTEL_URL: 'https://api.watertel.example/v2/', WATERTEL_USERNAME: 'forum', WATERTEL_PASSWORD: 'pw' };
    const production = { ...base, NODE_ENV: 'production', ...watertel };
    expect(() => loadConfig(production)).toThrow(/SMS_PROVIDERS needs BASE_URL in production/);
    expect(loadConfig({ ...production, BASE_URL: 'https://forum.example.org' }).sms.providers).toHaveLength(1);
    expect(loadConfig({ ...base, ...watertel }).sms.providers).toHaveLength(1);
    // Without providers production sends no texts, so needs no BASE_URL for them.
    expect(loadConfig({ ...base, NODE_ENV: 'production' }).sms.providers).toHaveLength(0);
  });
});

describe('AUTH_PROVIDERS', () => {
  const google = { AUTH_PROVIDERS: 'google', GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 'secret' };

  it('is empty by default; Google, GitHub and any OpenID issuer are read in the listed order', () => {
    expect(loadConfig({ ...base }).authProviders).toEqual([]);
    const config = loadConfig({
      ...base,
      AUTH_PROVIDERS: 'Google, github,corp',
      GOOGLE_CLIENT_ID: 'g-id',
      GOOGLE_CLIENT_SECRET: 'g-secret',
      GITHUB_CLIENT_ID: 'gh-id',
      GITHUB_CLIENT_SECRET: 'gh-secret',
      OIDC_CORP_ISSUER: 'https://login.corp.example/realms/staff',
      OIDC_CORP_CLIENT_ID: 'c-id',
      OIDC_CORP_CLIENT_SECRET: 'c-secret',
      OIDC_CORP_LABEL: 'Corp SSO',
    });
    expect(config.authProviders).toEqual([
      { kind: 'oidc', name: 'google', label: 'Google', clientId: 'g-id', clientSecret: 'g-secret', issuer: 'https://accounts.google.com' },
      { kind: 'github', name: 'github', label: 'GitHub', clientId: 'gh-id', clientSecret: 'gh-secret', oauthUrl: 'https://github.com', apiUrl: 'https://api.github.com' },
      { kind: 'oidc', name: 'corp', label: 'Corp SSO', clientId: 'c-id', clientSecret: 'c-secret', issuer: 'https://login.corp.example/realms/staff' },
    ]);
  });

  it('says which variable is missing or wrong', () => {
    expect(() => loadConfig({ ...base, AUTH_PROVIDERS: 'google', GOOGLE_CLIENT_ID: 'id' })).toThrow(/GOOGLE_CLIENT_SECRET is required/);
    expect(() => loadConfig({ ...base, AUTH_PROVIDERS: 'corp' })).toThrow(/OIDC_CORP_ISSUER is required/);
    expect(() => loadConfig({ ...base, AUTH_PROVIDERS: 'my-idp' })).toThrow(/letters and digits/);
    expect(() => loadConfig({ ...base, ...google, AUTH_PROVIDERS: 'google,google' })).toThrow(/twice/);
    expect(() => loadConfig({ ...base, ...google, GOOGLE_ISSUER: 'not a url' })).toThrow(ConfigError);
  });

  it('takes plain-HTTP issuers only on loopback and only outside production; production needs BASE_URL', () => {
    expect(loadConfig({ ...base, ...google, GOOGLE_ISSUER: 'http://127.0.0.1:4000' }).authProviders[0]).toMatchObject({ issuer: 'http://127.0.0.1:4000' });
    expect(() => loadConfig({ ...base, ...google, GOOGLE_ISSUER: 'http://idp.example' })).toThrow(/plain http:\/\/ only on localhost/);
    const production = { ...base, ...google, NODE_ENV: 'production', BASE_URL: 'https://forum.example' };
    expect(() => loadConfig({ ...production, GOOGLE_ISSUER: 'http://127.0.0.1:4000' })).toThrow(/https:\/\/ URL in production/);
    expect(loadConfig(production).authProviders).toHaveLength(1);
    expect(() => loadConfig({ ...production, BASE_URL: '' })).toThrow(/needs BASE_URL in production/);
  });
});

describe('SECRET_KEY_FALLBACKS', () => {
  it('lists old keys in order, each at least 32 characters', () => {
    expect(loadConfig({ ...base }).secretKeyFallbacks).toEqual([]);
    const old = ['a'.repeat(32), 'b'.repeat(40)];
    expect(loadConfig({ ...base, SECRET_KEY_FALLBACKS: ` ${old[0]}, ${old[1]} ,` }).secretKeyFallbacks).toEqual(old);
    expect(() => loadConfig({ ...base, SECRET_KEY_FALLBACKS: `${old[0]},short` })).toThrow(ConfigError);
  });
});

describe('CACHE_URL', () => {
  it('chooses the backend: memory by default, Redis, memcached or the database', () => {
    expect(loadConfig({ ...base }).cache).toEqual({ backend: 'memory', maxBytes: 64 * 1024 * 1024 });
    expect(loadConfig({ ...base, CACHE_URL: 'memory://?max_mb=8' }).cache).toEqual({ backend: 'memory', maxBytes: 8 * 1024 * 1024 });
    expect(loadConfig({ ...base, CACHE_URL: 'redis://:pw@cache:6379/2' }).cache).toEqual({ backend: 'redis', url: 'redis://:pw@cache:6379/2' });
    expect(loadConfig({ ...base, CACHE_URL: 'memcached://a:11211,b:11211/' }).cache).toEqual({ backend: 'memcached', servers: 'a:11211,b:11211' });
    expect(loadConfig({ ...base, CACHE_URL: 'db://' }).cache).toEqual({ backend: 'db', maxEntries: 5_000 });
    expect(loadConfig({ ...base, CACHE_URL: 'db://?max_entries=100' }).cache).toEqual({ backend: 'db', maxEntries: 100 });
  });

  it('refuses other schemes and options without echoing the URL (it may hold a password)', () => {
    for (const bad of ['http://user:secret@x', 'memcached://', 'memory://?max_mb=0', 'memory://?size=1', 'db://host', 'secret']) {
      expect(() => loadConfig({ ...base, CACHE_URL: bad }), bad).toThrow(ConfigError);
    }
    expect(() => loadConfig({ ...base, CACHE_URL: 'http://user:secret@x' })).toThrow(/^(?!.*secret)/);
  });
});

describe('SESSION_STORE', () => {
  it('is db by default, and REDIS_URL alone (for rate limits or the cache) does not move sessions', () => {
    expect(loadConfig({ ...base }).sessionStore).toBe('db');
    expect(loadConfig({ ...base, REDIS_URL: 'redis://127.0.0.1:6379' }).sessionStore).toBe('db');
    expect(loadConfig({ ...base, REDIS_URL: 'redis://127.0.0.1:6379', CACHE_URL: 'redis://127.0.0.1:6379' }).sessionStore).toBe('db');
    expect(loadConfig({ ...base, SESSION_STORE: 'cookie' }).sessionStore).toBe('cookie');
    expect(loadConfig({ ...base, SESSION_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:6379' }).sessionStore).toBe('redis');
  });

  it('refuses an unknown store, and redis without REDIS_URL', () => {
    expect(() => loadConfig({ ...base, SESSION_STORE: 'memcached' })).toThrow(/SESSION_STORE must be one of db, redis, cookie, got "memcached"/);
    expect(() => loadConfig({ ...base, SESSION_STORE: 'redis' })).toThrow(/SESSION_STORE=redis needs REDIS_URL/);
    // The cache's Redis is not the sessions' one: CACHE_URL does not stand in for REDIS_URL.
    expect(() => loadConfig({ ...base, SESSION_STORE: 'redis', CACHE_URL: 'redis://127.0.0.1:6379' })).toThrow(ConfigError);
  });
});

describe('the outbox worker', () => {
  it('polls each second, runs four jobs at once, takes a job for lost after 30 s, tries eight times from 10 s, and keeps finished jobs 7 days (failed ones 90)', () => {
    expect(loadConfig({ ...base }).outbox).toEqual({
      pollMs: 1_000,
      concurrency: 4,
      leaseMs: 30_000,
      maxAttempts: 8,
      baseDelayMs: 10_000,
      maxDelayMs: 3_600_000,
      retention: { doneDays: 7, failedDays: 90 },
    });
    const tuned = loadConfig({ ...base, OUTBOX_POLL_MS: '100', OUTBOX_CONCURRENCY: '16', OUTBOX_LEASE_MS: '5000', OUTBOX_MAX_ATTEMPTS: '3', OUTBOX_RETRY_BASE_MS: '500' });
    expect(tuned.outbox).toMatchObject({ pollMs: 100, concurrency: 16, leaseMs: 5_000, maxAttempts: 3, baseDelayMs: 500 });
    expect(() => loadConfig({ ...base, OUTBOX_CONCURRENCY: '0' })).toThrow(/OUTBOX_CONCURRENCY/);
    expect(() => loadConfig({ ...base, OUTBOX_LEASE_MS: '100' })).toThrow(/OUTBOX_LEASE_MS/);
  });

  it('keeps failed jobs at least as long as done ones', () => {
    expect(loadConfig({ ...base, OUTBOX_KEEP_DAYS: '1', OUTBOX_KEEP_FAILED_DAYS: '1' }).outbox.retention).toEqual({ doneDays: 1, failedDays: 1 });
    expect(() => loadConfig({ ...base, OUTBOX_KEEP_DAYS: '30', OUTBOX_KEEP_FAILED_DAYS: '14' })).toThrow(/OUTBOX_KEEP_FAILED_DAYS must be at least OUTBOX_KEEP_DAYS/);
    expect(() => loadConfig({ ...base, OUTBOX_KEEP_DAYS: '0' })).toThrow(/OUTBOX_KEEP_DAYS/);
  });
});

describe('VAPID keys (web push)', () => {
  const pair = () => {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    return { VAPID_PUBLIC_KEY: ecdh.getPublicKey().toString('base64url'), VAPID_PRIVATE_KEY: ecdh.getPrivateKey().toString('base64url') };
  };

  it('are optional: without them the forum offers no push', () => {
    expect(loadConfig({ ...base }).push).toBeUndefined();
  });

  it('take a matching pair and a mailto: or https: subject (BASE_URL when it is https)', () => {
    const keys = pair();
    expect(loadConfig({ ...base, ...keys, VAPID_SUBJECT: 'mailto:admin@forum.example' }).push).toEqual({ publicKey: keys.VAPID_PUBLIC_KEY, privateKey: keys.VAPID_PRIVATE_KEY, subject: 'mailto:admin@forum.example' });
    expect(loadConfig({ ...base, ...keys, BASE_URL: 'https://forum.example' }).push?.subject).toBe('https://forum.example');
    expect(() => loadConfig({ ...base, ...keys })).toThrow(/VAPID_SUBJECT is required/);
    expect(() => loadConfig({ ...base, ...keys, VAPID_SUBJECT: 'admin@forum.example' })).toThrow(/mailto: or https:/);
    expect(() => loadConfig({ ...base, ...keys, VAPID_SUBJECT: 'http://forum.example' })).toThrow(/mailto: or https:/);
  });

  it('refuse to start with one key alone, a malformed key, or keys that are not a pair, without echoing the private key', () => {
    const keys = pair();
    const subject = { VAPID_SUBJECT: 'mailto:a@b.example' };
    expect(() => loadConfig({ ...base, ...subject, VAPID_PUBLIC_KEY: keys.VAPID_PUBLIC_KEY })).toThrow(/VAPID_PUBLIC_KEY is set without its pair/);
    expect(() => loadConfig({ ...base, ...subject, VAPID_PRIVATE_KEY: keys.VAPID_PRIVATE_KEY })).toThrow(/VAPID_PRIVATE_KEY is set without its pair/);
    expect(() => loadConfig({ ...base, ...subject, ...keys, VAPID_PUBLIC_KEY: keys.VAPID_PUBLIC_KEY.slice(2) })).toThrow(/VAPID_PUBLIC_KEY must be base64url of 65 bytes/);
    const badPrivate = `${keys.VAPID_PRIVATE_KEY.slice(0, -1)}+`;
    expect(() => loadConfig({ ...base, ...subject, ...keys, VAPID_PRIVATE_KEY: badPrivate })).toThrow(/VAPID_PRIVATE_KEY must be base64url of 32 bytes/);
    expect(() => loadConfig({ ...base, ...subject, ...keys, VAPID_PRIVATE_KEY: pair().VAPID_PRIVATE_KEY })).toThrow(/are not a pair/);
    try {
      loadConfig({ ...base, ...subject, ...keys, VAPID_PRIVATE_KEY: badPrivate });
    } catch (error) {
      expect((error as Error).message).not.toContain(badPrivate);
    }
    expect(() => loadConfig({ ...base, VAPID_SUBJECT: 'mailto:a@b.example' })).toThrow(/VAPID_SUBJECT is set without/);
  });
});
