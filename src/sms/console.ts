import { randomUUID } from 'node:crypto';
import type { SmsLogger, SmsReceipt, SendOptions, SmsSender } from './sender.js';

/**
 * For development, when no provider is configured: the message goes to the
 * log, where a developer can read the sign-in code, and nowhere else.
 */
export class ConsoleProvider implements SmsSender {
  readonly name = 'console';
  readonly #logger: SmsLogger;

  constructor(logger: SmsLogger) {
    this.#logger = logger;
  }

  async send(phoneNumber: string, message: string, options: SendOptions = {}): Promise<SmsReceipt> {
    const messageId = randomUUID();
    this.#logger.info(
      { provider: this.name, to: phoneNumber, message, priority: options.priority ?? 'normal', messageId },
      'SMS not sent (no SMS provider configured): logged instead',
    );
    return { provider: this.name, messageId };
  }
}
