// The SMS module's public face. Callers depend on SmsSender and the errors;
// the app's composition root calls readSmsConfig and createSmsSender.

export type { Priority, SendOptions, SmsLogger, SmsReceipt, SmsSender } from './sender.js';
export {
  InvalidMessageError,
  InvalidPhoneNumberError,
  SmsBadInputError,
  SmsConfigurationError,
  SmsDeliveryUnknownError,
  SmsError,
  SmsProviderUnavailableError,
  SmsSettingsError,
} from './errors.js';
export { readSmsConfig, type ProviderEntry, type SmsConfig } from './config.js';
export { createSmsSender, type SmsDependencies } from './create-sender.js';
export { withRetry, type RetryPolicy } from './retry.js';
export { weightedRouter, type RouterOptions, type WeightedRoute } from './router.js';
export { withValidation, type ValidationRules } from './validation.js';
export { ConsoleProvider } from './console.js';
export { checkDefaultCountry, formatPhoneNumber, mayReceiveTexts, normalizePhoneNumber } from './phone.js';
export { MilioProvider, type MilioSettings } from './milio.js';
export { WatertelProvider, type WatertelSettings } from './watertel.js';
export type { ProviderContext, ProviderDefinition } from './provider.js';
