import { checkMessage } from './message.js';
import { checkDefaultCountry, normalizePhoneNumber } from './phone.js';
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
 * and retries. Providers get the number in E.164 form, checked against its
 * country's numbering plan (phone.ts).
 */
export function withValidation(sender: SmsSender, rules: ValidationRules): SmsSender {
  const defaultCountry = checkDefaultCountry(rules.defaultCountry);
  return {
    async send(phoneNumber, message, options) {
      const to = normalizePhoneNumber(phoneNumber, defaultCountry);
      checkMessage(message, rules.maxLength);
      return sender.send(to, message, options);
    },
  };
}
