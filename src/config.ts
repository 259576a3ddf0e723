// The only module that reads process.env. Everything else receives a Config.
import { createECDH, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { PolicySettings } from './access/policy.js';
import type { PasswordHashCost } from './accounts/passwords.js';
import type { SessionStoreKind } from './accounts/sessions.js';
import type { Retention } from './outbox/queue.js';
import { readSmsConfig, SmsSettingsError, type SmsConfig } from './sms/index.js';

export interface Config {
  /** Where the server listens. */
  host: string;
  port: number;
  /** `sqlite:<file>` (default, embedded) or a `postgres://` URL. */
  databaseUrl: string;
  /** Client-side database limits, so a down or frozen database costs a request seconds, not forever. */
  database: {
    connectTimeoutMs: number;
    queryTimeoutMs: number;
    sqliteBusyTimeoutMs: number;
  };
  /** Signs the session-less CSRF token of the login/signup forms, and seals secrets at rest (security/secret-box.ts). */
  secretKey: string;
  /** SECRET_KEY_FALLBACKS: earlier keys, tried in order after secretKey, so a key can be rotated without locking anyone out. */
  secretKeyFallbacks: string[];
  /** Public origin (scheme://host[:port]); when unset, taken from the request. */
  baseUrl: string | undefined;
  /** Believe X-Forwarded-* from the proxy in front (scheme, client address). */
  trustProxy: boolean | number | string;
  /** Redirect plain HTTP to HTTPS (then cookies are Secure and __Host- prefixed). */
  forceHttps: boolean;
  /** Other origins whose pages may post to this site (CSRF Origin check). */
  trustedOrigins: string[];
  /** Origins whose pages may frame the embeddable discussion view; any site when empty. */
  embedOrigins: string[];
  /** Adds Server-Timing (query count, DB time) to every response. */
  debugQueries: boolean;
  /** Session lifetimes. */
  sessionIdleMinutes: number;
  sessionMaxDays: number;
  /** SESSION_STORE: where sessions live; `db` by default, REDIS_URL alone never moves them (docs/operations.md, "Sessions"). */
  sessionStore: SessionStoreKind;
  /** Pino log level; "silent" in tests. */
  logLevel: string;
  /** `json` (pino's lines, for collectors) or `pretty` (one readable line each, for a terminal). */
  logFormat: 'json' | 'pretty';
  /** Serve static files with far-future caching (production build). */
  isProduction: boolean;
  dataDir: string;
  /** SMS providers, weights, retries (see docs/sms.md). */
  sms: SmsConfig;
  /** SMS_DAILY_CAP: notification texts one person gets per UTC day, at most (sign-in codes are not counted). */
  smsDailyCap: number;
  /** CACHE_URL: where cached pages live (docs/operations.md, "Cache"). */
  cache: CacheSettings;
  /** PAGE_CACHE_SECONDS: how long a visitor's page is kept (and a reverse proxy's s-maxage); 0 turns it off. */
  pageCacheSeconds: number;
  /** PURGE_URL: reverse proxies (Varnish) told to ban what a write changed; empty when none. */
  purgeUrls: string[];
  /** Redis shared by all app processes (rate limits); unset: each process keeps its own in memory. */
  redisUrl: string | undefined;
  /** WEB_CONCURRENCY: how many processes `charcha serve` runs (node:cluster) when --workers is not given. */
  webConcurrency: number;
  /** Multiplies every rate-limit allowance; 1 in production, large for a scanner's audit run. */
  rateLimitScale: number;
  /** Argon2id cost of new password hashes: `standard` (OWASP), or `low` for tests only. */
  passwordHashCost: PasswordHashCost;
  /** What the HTTP server allows each connection (docs/operations.md, "Timeouts and limits"). */
  http: HttpLimits;
  /** Every page but the way in needs forum.view_post (signed in, with the permission). */
  forumPrivate: boolean;
  /** Edit window, karma privileges, new-account marking (access/policy.ts). */
  policy: PolicySettings;
  /** Unreviewed flags that take an item off the front page until a moderator looks. */
  flagHideThreshold: number;
  /** CHARCHA_SUPERUSER_PASSWORD: the password `charcha createsuperuser --noinput` gives the new account. */
  superuserPassword: string | undefined;
  /** Outgoing mail (docs/operations.md, "E-mail"). */
  mail: MailSettings;
  /** "Sign in with …" providers, in AUTH_PROVIDERS order (docs/operations.md, "Sign in with a provider"). */
  authProviders: AuthProvider[];
  /** STAFF_TWO_STEP=required: staff and moderators act as members until their session passed a second step. */
  staffNeedSecondStep: boolean;
  /** The outbox and its worker (docs/operations.md, "The worker"). */
  outbox: OutboxSettings;
  /** Web push (VAPID_*); undefined: the forum offers no push notifications. */
  push: PushSettings | undefined;
}

export interface PushSettings {
  /** VAPID_PUBLIC_KEY: base64url, an uncompressed P-256 point (65 bytes); browsers get it as applicationServerKey. */
  publicKey: string;
  /** VAPID_PRIVATE_KEY: base64url, the 32-byte P-256 scalar that signs each send. */
  privateKey: string;
  /** VAPID_SUBJECT: a mailto: or https: address push services can reach the operator at. */
  subject: string;
}

export interface OutboxSettings {
  /** OUTBOX_POLL_MS: wait between polls when idle. */
  pollMs: number;
  /** OUTBOX_CONCURRENCY: jobs one worker runs at once. */
  concurrency: number;
  /** OUTBOX_LEASE_MS: a running job not renewed for this long lost its worker. */
  leaseMs: number;
  /** OUTBOX_MAX_ATTEMPTS: tries before a job is failed for good. */
  maxAttempts: number;
  /** OUTBOX_RETRY_BASE_MS: wait after the first failure, doubled after each further one (with jitter), up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** OUTBOX_KEEP_DAYS, OUTBOX_KEEP_FAILED_DAYS: how long finished jobs are kept. */
  retention: Retention;
}

/** The cache backend and its bound; a URL may hold a password, so it is never logged. */
export type CacheSettings =
  | { backend: 'memory'; maxBytes: number }
  | { backend: 'redis'; url: string }
  | { backend: 'memcached'; servers: string }
  | { backend: 'db'; maxEntries: number };

export interface MailSettings {
  /** `smtp://user:pass@host:587` (STARTTLS) or `smtps://…:465` (TLS). Unset: mail is logged in development, not offered in production. */
  smtpUrl: string | undefined;
  /** The From of every message. */
  from: string;
}

interface ProviderBase {
  /** Lower-case name: the URL path (/auth/<name>/login) and the identities' provider column. */
  name: string;
  /** Shown on the button: "Sign in with <label>". */
  label: string;
  clientId: string;
  clientSecret: string;
}

/** An OpenID Connect issuer (Google is one), found by discovery. */
export interface OidcProvider extends ProviderBase {
  kind: 'oidc';
  issuer: string;
}

/** GitHub: OAuth 2 without OpenID Connect; its endpoints move only for tests. */
export interface GithubProvider extends ProviderBase {
  kind: 'github';
  /** Origin of /login/oauth/authorize and /login/oauth/access_token. */
  oauthUrl: string;
  /** Origin of the REST API (/user, /user/emails). */
  apiUrl: string;
}

export type AuthProvider = OidcProvider | GithubProvider;

export interface HttpLimits {
  /** From connecting (or the previous answer) until the last request header arrives. */
  headersTimeoutMs: number;
  /** From connecting until the whole request, body included, has arrived. */
  requestTimeoutMs: number;
  /** How long an idle kept-alive connection waits for its next request. */
  keepAliveTimeoutMs: number;
  /** A connection with no traffic either way this long is closed (a client that stopped reading). */
  idleTimeoutMs: number;
  /** Open connections at most; further ones are closed at once. */
  maxConnections: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

/** A day at most: longer, and an edit missed by a purge would show for too long. */
function pageCacheSeconds(env: Env): number {
  const seconds = int(env, 'PAGE_CACHE_SECONDS', 300, 0);
  if (seconds > 86_400) throw new ConfigError(`PAGE_CACHE_SECONDS must be at most 86400 (a day), got "${env.PAGE_CACHE_SECONDS}"`);
  return seconds;
}

/** Comma-separated http(s) URLs of the reverse proxies a write bans pages from (src/cache/purge.ts). */
function purgeUrls(env: Env): string[] {
  const urls = (env.PURGE_URL ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  for (const url of urls) {
    if (!/^https?:\/\/[^/?#]+/.test(url)) throw new ConfigError(`PURGE_URL must hold http(s) URLs such as http://127.0.0.1:6081/, separated by commas, got "${url}"`);
  }
  return urls;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function oneOf<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  throw new ConfigError(`${name} must be one of ${choices.join(', ')}, got "${env[name]}"`);
}

function origin(url: string, name: string): string {
  try {
    const parsed = new URL(url);
    // A plain host name only: origins also go into headers (CSP frame-ancestors), where ";" or "'" would break out.
    const plainHost = /^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/.test(parsed.hostname);
    if ((parsed.protocol === 'http:' || parsed.protocol === 'https:') && plainHost) return parsed.origin;
  } catch {
    // reported below
  }
  throw new ConfigError(`${name} must hold absolute http(s) URLs such as https://forum.example.com, got "${url}"`);
}

/** A comma-separated list of origins. */
function origins(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => origin(o, name));
}

/** A secret that survives restarts without configuration: generated once into the data dir. */
function secretFrom(env: Env, dataDir: string, isProduction: boolean): string {
  const given = env.SECRET_KEY;
  if (given) {
    if (given.length < 32) throw new ConfigError('SECRET_KEY must be at least 32 characters');
    return given;
  }
  const file = resolve(dataDir, 'secret_key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  if (isProduction && env.DATABASE_URL?.startsWith('postgres')) {
    // Several app servers share one database: they must share the secret too.
    throw new ConfigError('SECRET_KEY is required in production with PostgreSQL');
  }
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

/** Old keys after a rotation: comma-separated, each as long as SECRET_KEY must be. */
function secretKeyFallbacks(env: Env): string[] {
  const keys = (env.SECRET_KEY_FALLBACKS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (keys.some((k) => k.length < 32)) throw new ConfigError('SECRET_KEY_FALLBACKS must hold keys of at least 32 characters each, separated by commas');
  return keys;
}

function smsConfig(env: Env, isProduction: boolean, baseUrl: string | undefined): SmsConfig {
  let sms: SmsConfig;
  try {
    sms = readSmsConfig(env);
  } catch (error) {
    if (error instanceof SmsSettingsError) throw new ConfigError(error.message);
    throw error;
  }
  // Notification texts end in a link to the comment.
  if (sms.providers.length > 0 && isProduction && !baseUrl) {
    throw new ConfigError("SMS_PROVIDERS needs BASE_URL in production: links sent by text are built from BASE_URL, never from a request's Host header");
  }
  return sms;
}

function outboxRetention(env: Env): Retention {
  const doneDays = int(env, 'OUTBOX_KEEP_DAYS', 7, 1);
  const failedDays = int(env, 'OUTBOX_KEEP_FAILED_DAYS', 90, 1);
  if (failedDays < doneDays) throw new ConfigError('OUTBOX_KEEP_FAILED_DAYS must be at least OUTBOX_KEEP_DAYS: failed jobs are the ones worth looking into');
  return { doneDays, failedDays };
}

/**
 * Which X-Forwarded-* hops to believe: `true` believes every hop, which lets a
 * client choose its own address (and dodge per-address limits) unless the
 * proxy overwrites the header; a hop count or the proxies' addresses do not.
 */
function trustProxy(env: Env): boolean | number | string {
  const raw = env.TRUST_PROXY?.trim() ?? '';
  if (/^\d+$/.test(raw)) return Number(raw);
  if (/^[0-9a-fA-F.:/,\s]+$/.test(raw) && /[.:]/.test(raw)) return raw;
  return bool(env, 'TRUST_PROXY', false);
}

function sessionStore(env: Env, redisUrl: string | undefined): SessionStoreKind {
  const store = oneOf(env, 'SESSION_STORE', ['db', 'redis', 'cookie'] as const, 'db');
  if (store === 'redis' && !redisUrl) throw new ConfigError('SESSION_STORE=redis needs REDIS_URL (redis://host:6379): the sessions would have nowhere to live');
  return store;
}

function redisUrl(env: Env): string | undefined {
  const url = env.REDIS_URL || undefined;
  if (url && !/^rediss?:\/\//.test(url)) throw new ConfigError('REDIS_URL must start with redis:// or rediss://'); // the URL may hold a password: not echoed
  return url;
}

const CACHE_URL_FORMS = 'memory://[?max_mb=64], redis://host:6379, rediss://…, memcached://host:11211[,host2:11211] or db://[?max_entries=5000]';

/** The one whole-number option a memory:// or db:// CACHE_URL takes in its query. */
function cacheOption(raw: string, name: string, fallback: number): number {
  const url = new URL(raw);
  const unknown = [...url.searchParams.keys()].filter((key) => key !== name);
  if (url.host !== '' || !['', '/'].includes(url.pathname) || unknown.length > 0) {
    throw new ConfigError(`CACHE_URL ${url.protocol}// takes only ?${name}=N (forms: ${CACHE_URL_FORMS})`);
  }
  const given = url.searchParams.get(name);
  if (given === null) return fallback;
  const value = Number(given);
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`CACHE_URL's ${name} must be a whole number ≥ 1, got "${given}"`);
  return value;
}

function cacheSettings(env: Env): CacheSettings {
  const raw = env.CACHE_URL || 'memory://';
  // Not echoed in errors: the URL may hold a password.
  const scheme = /^([a-z]+):\/\//.exec(raw)?.[1];
  switch (scheme) {
    case 'memory':
      return { backend: 'memory', maxBytes: cacheOption(raw, 'max_mb', 64) * 1024 * 1024 };
    case 'db':
      return { backend: 'db', maxEntries: cacheOption(raw, 'max_entries', 5_000) };
    case 'redis':
    case 'rediss':
      return { backend: 'redis', url: raw };
    case 'memcached': {
      // memjs's own list (not a URL's one host): [user:password@]host:port, comma-separated.
      const servers = raw.slice('memcached://'.length).replace(/\/$/, '');
      if (!servers) throw new ConfigError(`CACHE_URL must name the memcached server(s): ${CACHE_URL_FORMS}`);
      return { backend: 'memcached', servers };
    }
    default:
      throw new ConfigError(`CACHE_URL must be one of ${CACHE_URL_FORMS}`);
  }
}

function httpLimits(env: Env): HttpLimits {
  const limits = {
    headersTimeoutMs: int(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 1),
    requestTimeoutMs: int(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 1),
    keepAliveTimeoutMs: int(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000, 1),
    idleTimeoutMs: int(env, 'HTTP_IDLE_TIMEOUT_MS', 60_000, 1),
    maxConnections: int(env, 'MAX_CONNECTIONS', 1_000, 1),
  };
  // Node refuses this pair (the headers are part of the request).
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) throw new ConfigError('HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS');
  return limits;
}

function passwordHashCost(env: Env, isProduction: boolean): PasswordHashCost {
  const raw = env.PASSWORD_HASH_COST || 'standard';
  if (raw !== 'standard' && raw !== 'low') throw new ConfigError(`PASSWORD_HASH_COST must be standard or low, got "${raw}"`);
  if (raw === 'low' && isProduction) throw new ConfigError('PASSWORD_HASH_COST=low is for tests: it is refused when NODE_ENV=production');
  return raw;
}

function mailSettings(env: Env, isProduction: boolean, baseUrl: string | undefined): MailSettings {
  const smtpUrl = env.SMTP_URL || undefined;
  // Not echoed: the URL may hold a password.
  if (smtpUrl && !/^smtps?:\/\/[^/?#]+/.test(smtpUrl)) throw new ConfigError('SMTP_URL must look like smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465 (TLS)');
  if (smtpUrl && isProduction && !baseUrl) {
    throw new ConfigError("SMTP_URL needs BASE_URL in production: links sent by mail are built from BASE_URL, never from a request's Host header");
  }
  const from = env.MAIL_FROM || `Charcha <noreply@${baseUrl ? new URL(baseUrl).hostname : 'localhost'}>`;
  if (/[\r\n]/.test(from)) throw new ConfigError('MAIL_FROM must be one line');
  return { smtpUrl, from };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An issuer or endpoint URL: HTTPS, or in development plain HTTP on loopback (tests, local trials). */
function providerUrl(env: Env, name: string, fallback: string, isProduction: boolean): string {
  const raw = env[name] || fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute https:// URL, got "${raw}"`);
  }
  if (url.protocol === 'https:') return raw;
  if (url.protocol === 'http:' && !isProduction && LOOPBACK_HOSTS.has(url.hostname)) return raw;
  throw new ConfigError(
    isProduction
      ? `${name} must be an https:// URL in production, got "${raw}"`
      : `${name} must be an https:// URL (plain http:// only on localhost or 127.0.0.1), got "${raw}"`,
  );
}

function required(env: Env, name: string, provider: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is required when AUTH_PROVIDERS lists ${provider}`);
  return value;
}

function authProviders(env: Env, isProduction: boolean, baseUrl: string | undefined): AuthProvider[] {
  const names = (env.AUTH_PROVIDERS ?? '')
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter(Boolean);
  if (names.length === 0) return [];
  // Redirect URIs are registered with the provider; one built from a request's Host header could be anyone's.
  if (isProduction && !baseUrl) throw new ConfigError('AUTH_PROVIDERS needs BASE_URL in production (the redirect URIs are <BASE_URL>/auth/<name>/callback)');
  const seen = new Set<string>();
  return names.map((name): AuthProvider => {
    if (!/^[a-z][a-z0-9]{0,29}$/.test(name)) throw new ConfigError(`AUTH_PROVIDERS names are letters and digits, starting with a letter, got "${name}"`);
    if (seen.has(name)) throw new ConfigError(`AUTH_PROVIDERS lists ${name} twice`);
    seen.add(name);
    if (name === 'github') {
      return {
        kind: 'github',
        name,
        label: 'GitHub',
        clientId: required(env, 'GITHUB_CLIENT_ID', name),
        clientSecret: required(env, 'GITHUB_CLIENT_SECRET', name),
        oauthUrl: providerUrl(env, 'GITHUB_OAUTH_URL', 'https://github.com', isProduction),
        apiUrl: providerUrl(env, 'GITHUB_API_URL', 'https://api.github.com', isProduction),
      };
    }
    if (name === 'google') {
      return {
        kind: 'oidc',
        name,
        label: 'Google',
        clientId: required(env, 'GOOGLE_CLIENT_ID', name),
        clientSecret: required(env, 'GOOGLE_CLIENT_SECRET', name),
        issuer: providerUrl(env, 'GOOGLE_ISSUER', 'https://accounts.google.com', isProduction),
      };
    }
    const prefix = `OIDC_${name.toUpperCase()}_`;
    if (!env[`${prefix}ISSUER`]) throw new ConfigError(`${prefix}ISSUER is required when AUTH_PROVIDERS lists ${name}`);
    return {
      kind: 'oidc',
      name,
      label: env[`${prefix}LABEL`]?.trim() || name.charAt(0).toUpperCase() + name.slice(1),
      clientId: required(env, `${prefix}CLIENT_ID`, name),
      clientSecret: required(env, `${prefix}CLIENT_SECRET`, name),
      issuer: providerUrl(env, `${prefix}ISSUER`, '', isProduction),
    };
  });
}

/** Decodes a VAPID key, or says what is wrong with it (never echoing the private one). */
function vapidKey(env: Env, name: string, bytes: number): Buffer {
  const raw = env[name]!.trim();
  const key = Buffer.from(raw, 'base64url');
  if (!/^[A-Za-z0-9_-]+=*$/.test(raw) || key.length !== bytes) {
    throw new ConfigError(`${name} must be base64url of ${bytes} bytes, as \`charcha vapid-keys\` prints; it is not`);
  }
  return key;
}

/** VAPID_*: both keys or neither; a key that is malformed, or a pair that does not match, refuses to start. */
function pushSettings(env: Env, baseUrl: string | undefined): PushSettings | undefined {
  const given = ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY'].filter((name) => env[name]?.trim());
  if (given.length === 0) {
    if (env.VAPID_SUBJECT) throw new ConfigError('VAPID_SUBJECT is set without VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY; `charcha vapid-keys` prints a pair');
    return undefined;
  }
  if (given.length === 1) throw new ConfigError(`${given[0]} is set without its pair: set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY (\`charcha vapid-keys\` prints a pair), or neither`);
  const publicKey = vapidKey(env, 'VAPID_PUBLIC_KEY', 65);
  const privateKey = vapidKey(env, 'VAPID_PRIVATE_KEY', 32);
  let derived: Buffer;
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(privateKey);
    derived = ecdh.getPublicKey();
  } catch {
    throw new ConfigError('VAPID_PRIVATE_KEY is not a valid P-256 private key; `charcha vapid-keys` prints a pair');
  }
  if (!derived.equals(publicKey)) throw new ConfigError('VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are not a pair: set both from the same `charcha vapid-keys` output');
  // Push services contact the operator at the subject; BASE_URL will do when it is HTTPS.
  const subject = env.VAPID_SUBJECT?.trim() || (baseUrl?.startsWith('https:') ? baseUrl : undefined);
  if (!subject) throw new ConfigError('VAPID_SUBJECT is required with VAPID keys (mailto:admin@forum.example or https://forum.example), unless BASE_URL is https://');
  if (!/^mailto:[^\s@]+@[^\s@]+$|^https:\/\/[^\s/?#]+/.test(subject)) throw new ConfigError(`VAPID_SUBJECT must be a mailto: or https: URL, got "${subject}"`);
  return { publicKey: env.VAPID_PUBLIC_KEY!.trim(), privateKey: env.VAPID_PRIVATE_KEY!.trim(), subject };
}

export function loadConfig(env: Env = process.env): Config {
  const isProduction = env.NODE_ENV === 'production';
  const dataDir = resolve(env.DATA_DIR ?? 'data');
  const databaseUrl = env.DATABASE_URL || `sqlite:${resolve(dataDir, 'charcha.db')}`;
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with sqlite: or postgres://');
  }
  const baseUrl = env.BASE_URL ? origin(env.BASE_URL, 'BASE_URL') : undefined;
  const redis = redisUrl(env);
  const forceHttps = bool(env, 'FORCE_HTTPS', false);
  const proxies = trustProxy(env);
  // Charcha never terminates TLS: HTTPS reaches it through a proxy, whose X-Forwarded-Proto must be believed.
  if (forceHttps && (proxies === false || proxies === 0)) {
    throw new ConfigError('FORCE_HTTPS needs TRUST_PROXY: TLS ends at the proxy in front, and without believing its X-Forwarded-Proto every request looks like plain HTTP and redirects forever');
  }
  return {
    host: env.HOST || 'localhost',
    port: int(env, 'PORT', 3000),
    databaseUrl,
    database: {
      connectTimeoutMs: int(env, 'DB_CONNECT_TIMEOUT_MS', 5_000, 1),
      queryTimeoutMs: int(env, 'DB_QUERY_TIMEOUT_MS', 10_000, 1),
      sqliteBusyTimeoutMs: int(env, 'SQLITE_BUSY_TIMEOUT_MS', 2_000),
    },
    secretKey: secretFrom(env, dataDir, isProduction),
    secretKeyFallbacks: secretKeyFallbacks(env),
    baseUrl,
    trustProxy: proxies,
    forceHttps,
    trustedOrigins: origins(env, 'TRUSTED_ORIGINS'),
    embedOrigins: origins(env, 'EMBED_ORIGINS'),
    debugQueries: bool(env, 'DEBUG_QUERIES', !isProduction),
    sessionIdleMinutes: int(env, 'SESSION_IDLE_MINUTES', 60 * 24 * 14, 1),
    sessionMaxDays: int(env, 'SESSION_MAX_DAYS', 90, 1),
    sessionStore: sessionStore(env, redis),
    logLevel: env.LOG_LEVEL || 'info',
    logFormat: oneOf(env, 'LOG_FORMAT', ['json', 'pretty'] as const, isProduction ? 'json' : 'pretty'),
    isProduction,
    dataDir,
    sms: smsConfig(env, isProduction, baseUrl),
    smsDailyCap: int(env, 'SMS_DAILY_CAP', 5, 1),
    cache: cacheSettings(env),
    pageCacheSeconds: pageCacheSeconds(env),
    purgeUrls: purgeUrls(env),
    redisUrl: redis,
    rateLimitScale: int(env, 'RATE_LIMIT_SCALE', 1, 1),
    webConcurrency: int(env, 'WEB_CONCURRENCY', 1, 1),
    http: httpLimits(env),
    passwordHashCost: passwordHashCost(env, isProduction),
    forumPrivate: bool(env, 'FORUM_PRIVATE', false),
    policy: {
      editWindowMinutes: int(env, 'EDIT_WINDOW_MINUTES', 120),
      karmaToDownvote: int(env, 'KARMA_TO_DOWNVOTE', 0),
      karmaToFlag: int(env, 'KARMA_TO_FLAG', 0),
      newAccountDays: int(env, 'NEW_ACCOUNT_DAYS', 7),
    },
    flagHideThreshold: int(env, 'FLAG_HIDE_THRESHOLD', 5, 1),
    superuserPassword: env.CHARCHA_SUPERUSER_PASSWORD || undefined,
    mail: mailSettings(env, isProduction, baseUrl),
    authProviders: authProviders(env, isProduction, baseUrl),
    // Required by default in production: a staff password alone should not be able to ban, hide or grant.
    staffNeedSecondStep: oneOf(env, 'STAFF_TWO_STEP', ['required', 'optional'] as const, isProduction ? 'required' : 'optional') === 'required',
    outbox: {
      pollMs: int(env, 'OUTBOX_POLL_MS', 1_000, 10),
      concurrency: int(env, 'OUTBOX_CONCURRENCY', 4, 1),
      leaseMs: int(env, 'OUTBOX_LEASE_MS', 30_000, 300),
      maxAttempts: int(env, 'OUTBOX_MAX_ATTEMPTS', 8, 1),
      baseDelayMs: int(env, 'OUTBOX_RETRY_BASE_MS', 10_000, 0),
      maxDelayMs: 3_600_000,
      retention: outboxRetention(env),
    },
    push: pushSettings(env, baseUrl),
  };
}
