import { checkMessage } from './message.js';
import { callingCode, normalizePhoneNumber } from './phone.js';
import type { SmsSender } from './sender.js';

export interface ValidationRules {
  /** ISO code of the country bare national numbers belong to, e.g. `IN`. */
  defaultCountry: string;
  /** Longest message accepted, in Unicode code points. */
  maxLength: number;
}

/**
 * Checks the caller's input before anything is sent, so a bad number or
 * message fails at once with the caller's error instead of costing requests
 * and retries. Providers get the number in E.164 form.
 */
export function withValidation(sender: SmsSender, rules: ValidationRules): SmsSender {
  const defaultCallingCode = callingCode(rules.defaultCountry);
  return {
    async send(phoneNumber, message, options) {
      const to = normalizePhoneNumber(phoneNumber, defaultCallingCode);
      checkMessage(message, rules.maxLength);
      return sender.send(to, message, options);
    },
  };
}
