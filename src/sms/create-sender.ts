import type { SmsConfig } from './config.js';
import { ConsoleProvider } from './console.js';
import { createProvider } from './providers.js';
import { withRetry } from './retry.js';
import { weightedRouter } from './router.js';
import type { SmsLogger, SmsSender } from './sender.js';
import { withValidation } from './validation.js';

export interface SmsDependencies {
  logger: SmsLogger;
  /** Picks providers by weight; defaults to Math.random. */
  random?: () => number;
  /** Waits between retries; defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds since the epoch, for token expiry and Retry-After dates. */
  now?: () => number;
}

/**
 * The composition root of the SMS module: validation in front of a weighted
 * router over providers that each retry their own trouble, or the console
 * provider when none is configured. Builds objects only; nothing is sent or
 * logged in to until the first send.
 */
export function createSmsSender(config: SmsConfig, deps: SmsDependencies): SmsSender {
  const { logger } = deps;
  const context = { logger, now: deps.now ?? Date.now, timeoutMs: config.timeoutMs };
  const policy = { delaysMs: config.retryDelaysMs, sleep: deps.sleep, logger };
  const routes = config.providers.map(
    (entry) => [withRetry(createProvider(entry, context), policy), entry.weight] as const,
  );
  const sender =
    routes.length === 0 ? new ConsoleProvider(logger) : weightedRouter(routes, { random: deps.random, logger });
  return withValidation(sender, { defaultCountry: config.defaultCountry, maxLength: config.maxLength });
}
