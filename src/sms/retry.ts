import { setTimeout } from 'node:timers/promises';
import { SmsDeliveryUnknownError, SmsProviderUnavailableError } from './errors.js';
import type { SendOptions, SmsLogger, SmsSender } from './sender.js';

export interface RetryPolicy {
  /**
   * Wait before each retry, in order: `[0, 2000, 4000]` retries at once, then
   * after 2 s, then after 4 s, then gives up. Its length is the number of retries.
   */
  delaysMs: readonly number[];
  /** Injected so tests can observe waits; defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
  logger?: SmsLogger;
}

/**
 * Retries what retrying can fix: provider trouble, and, for critical
 * messages only, sends whose outcome is unknown (a retry may send the message
 * twice). A provider's Retry-After lengthens the wait, never shortens it.
 * Gives up with the last error.
 */
export function withRetry(client: SmsSender, policy: RetryPolicy): SmsSender {
  return {
    async send(phoneNumber, message, options = {}) {
      for (let retry = 0; ; retry++) {
        try {
          return await client.send(phoneNumber, message, options);
        } catch (error) {
          const delay = policy.delaysMs[retry];
          if (delay === undefined || !isRetryable(error, options)) throw error;
          const asked = error instanceof SmsProviderUnavailableError ? error.retryAfterMs : undefined;
          const wait = Math.max(delay, asked ?? 0);
          policy.logger?.warn(
            { provider: error.provider, error: error.name, retry: retry + 1, waitMs: wait },
            'SMS send failed, retrying',
          );
          await (policy.sleep ?? setTimeout)(wait);
        }
      }
    },
  };
}

function isRetryable(
  error: unknown,
  options: SendOptions,
): error is SmsProviderUnavailableError | SmsDeliveryUnknownError {
  return (
    error instanceof SmsProviderUnavailableError ||
    (options.critical === true && error instanceof SmsDeliveryUnknownError)
  );
}
