// SESSION_STORE picks the store (docs/operations.md, "Sessions"); REDIS_URL alone does not.
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { Clock } from '../errors.js';
import { SecretBox } from '../security/secret-box.js';
import { CookieSessionStore } from './cookie-sessions.js';
import { RedisSessionStore } from './redis-sessions.js';
import { DbSessionStore, SessionRules, type SessionStore } from './sessions.js';

type SessionConfig = Pick<Config, 'sessionStore' | 'redisUrl' | 'secretKey' | 'secretKeyFallbacks' | 'sessionIdleMinutes' | 'sessionMaxDays' | 'staffNeedSecondStep'>;

export function createSessionStore(config: SessionConfig, deps: { db: Db; now: Clock; log: { error(obj: object, msg?: string): void } }): SessionStore {
  const rules = new SessionRules(deps.db.kysely, deps.db.dialect, deps.now, {
    idleMs: config.sessionIdleMinutes * 60_000,
    maxAgeMs: config.sessionMaxDays * 24 * 3_600_000,
    staffNeedSecondStep: config.staffNeedSecondStep,
  });
  switch (config.sessionStore) {
    case 'db':
      return new DbSessionStore(rules);
    case 'redis':
      // config.ts refuses SESSION_STORE=redis without REDIS_URL; this guards a Config built by hand.
      if (!config.redisUrl) throw new Error('SESSION_STORE=redis needs REDIS_URL');
      return new RedisSessionStore(config.redisUrl, rules, (err) => deps.log.error({ err }, 'sessions: Redis unavailable'));
    case 'cookie':
      return new CookieSessionStore(rules, new SecretBox([config.secretKey, ...config.secretKeyFallbacks], 'session'));
  }
}
