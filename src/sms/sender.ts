// The one interface callers, providers and wrappers (retry, router,
// validation) share: each wrapper is an SmsSender around other SmsSenders.

export type Priority = 'normal' | 'high';

export interface SendOptions {
  /** `high` for messages a person is waiting for, such as sign-in codes. */
  priority?: Priority;
  /**
   * The message must go out even at the risk of sending it twice: a send
   * whose outcome is unknown (no answer in time) is retried too.
   */
  critical?: boolean;
}

export interface SmsReceipt {
  /** Which provider accepted the message, e.g. `watertel`. */
  provider: string;
  /** The provider's id for the message, for support requests. */
  messageId: string;
}

export interface SmsSender {
  send(phoneNumber: string, message: string, options?: SendOptions): Promise<SmsReceipt>;
}

/** The subset of pino's logger this module uses. */
export interface SmsLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
