import {
  SmsConfigurationError,
  SmsDeliveryUnknownError,
  type SmsError,
  SmsProviderUnavailableError,
} from './errors.js';
import type { SendOptions, SmsLogger, SmsSender } from './sender.js';

export type WeightedRoute = readonly [sender: SmsSender, weight: number];

export interface RouterOptions {
  /** A number in [0, 1), like Math.random; injected so tests can seed it. */
  random?: () => number;
  logger?: SmsLogger;
}

/**
 * Spreads messages over providers in proportion to their weights, e.g.
 * `[[watertel, 80], [milio, 20]]`. When the picked provider fails in a way
 * another provider could fix (trouble that outlasted its retries, or its own
 * misconfiguration), the next ones in the list are tried in turn. Bad input
 * is not another provider's to fix, and neither is a message that may
 * already have gone out, unless the caller marked it critical.
 */
export function weightedRouter(routes: readonly WeightedRoute[], options: RouterOptions = {}): SmsSender {
  if (routes.length === 0) throw new RangeError('weightedRouter needs at least one provider');
  if (!routes.every(([, weight]) => Number.isFinite(weight) && weight > 0)) {
    throw new RangeError('weightedRouter weights must be positive numbers');
  }
  const random = options.random ?? Math.random;
  const total = routes.reduce((sum, [, weight]) => sum + weight, 0);

  const pick = (): number => {
    let point = random() * total;
    for (const [index, [, weight]] of routes.entries()) {
      if (point < weight) return index;
      point -= weight;
    }
    return routes.length - 1; // only reached through rounding at the very top
  };

  return {
    async send(phoneNumber, message, sendOptions = {}) {
      const first = pick();
      const failures: SmsError[] = [];
      for (let step = 0; step < routes.length; step++) {
        const [sender] = routes[(first + step) % routes.length]!;
        try {
          return await sender.send(phoneNumber, message, sendOptions);
        } catch (error) {
          if (!canFailOver(error, sendOptions)) throw error;
          failures.push(error);
          if (step + 1 < routes.length) {
            options.logger?.warn(
              { provider: error.provider, error: error.name },
              'SMS provider failed, trying the next one',
            );
          }
        }
      }
      throw mostTelling(failures);
    },
  };
}

function canFailOver(error: unknown, options: SendOptions): error is SmsError {
  return (
    error instanceof SmsProviderUnavailableError ||
    error instanceof SmsConfigurationError ||
    (options.critical === true && error instanceof SmsDeliveryUnknownError)
  );
}

// When every provider failed, the caller hears first that the message may
// have gone out, then that trying later may work, and only then that the
// setup is broken.
const RANK = [SmsDeliveryUnknownError, SmsProviderUnavailableError, SmsConfigurationError];

function mostTelling(failures: SmsError[]): SmsError {
  const rank = (error: SmsError) => RANK.findIndex((kind) => error instanceof kind);
  return failures.reduce((best, failure) => (rank(failure) < rank(best) ? failure : best));
}
