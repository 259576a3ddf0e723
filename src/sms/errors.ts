// Errors are named by whose fault they are, as the seed teaches, so callers
// can decide what to do without knowing which provider or protocol was used.
// Messages are meant for callers: they never hold URLs, tokens, credentials or
// status codes (those go to the log).

export interface SmsErrorOptions {
  /** The provider that failed, when one did. */
  provider?: string;
}

/** Anything this module throws on purpose. */
export abstract class SmsError extends Error {
  abstract override readonly name: string;
  readonly provider: string | undefined;

  constructor(message: string, options: SmsErrorOptions = {}) {
    super(message);
    this.provider = options.provider;
  }
}

/** The caller's fault: the number is empty, malformed or too long. Never retried. */
export class InvalidPhoneNumberError extends SmsError {
  override readonly name = 'InvalidPhoneNumberError';
}

/** The caller's fault: the message is empty or too long. Never retried. */
export class InvalidMessageError extends SmsError {
  override readonly name = 'InvalidMessageError';
}

/** The provider refused the number or message as invalid. Retrying cannot help. */
export class SmsBadInputError extends SmsError {
  override readonly name = 'SmsBadInputError';
}

/** Our settings or code are wrong (bad URL, credentials, protocol). Retrying cannot help. */
export class SmsConfigurationError extends SmsError {
  override readonly name = 'SmsConfigurationError';
}

/** The provider is in trouble (down, overloaded, unreachable). Retrying may help. */
export class SmsProviderUnavailableError extends SmsError {
  override readonly name = 'SmsProviderUnavailableError';
  /** How long the provider asked us to wait before trying again. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: SmsErrorOptions & { retryAfterMs?: number } = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * The request reached the provider but no answer came in time: the message may
 * or may not have been sent. Retried only for messages the caller marked
 * `critical`, since a retry may send it twice.
 */
export class SmsDeliveryUnknownError extends SmsError {
  override readonly name = 'SmsDeliveryUnknownError';
}

/** An SMS environment variable holds a value we cannot use. Thrown at startup. */
export class SmsSettingsError extends SmsError {
  override readonly name = 'SmsSettingsError';

  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
  }
}
