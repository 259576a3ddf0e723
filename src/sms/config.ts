import { SmsSettingsError } from './errors.js';
import { type Env, optionalText } from './env.js';
import { checkDefaultCountry } from './phone.js';
import { isProviderName, type ProviderEntry, type ProviderName, providers } from './providers.js';

export { SmsSettingsError } from './errors.js';
export type { ProviderEntry } from './providers.js';

const WHOLE_NUMBER = /^\d+$/;

export interface SmsConfig {
  /** SMS_PROVIDERS in order, each with its own settings; empty: the console provider. */
  providers: readonly ProviderEntry[];
  /** SMS_DEFAULT_COUNTRY: ISO 3166 alpha-2 code of the country of numbers written without their country code. */
  defaultCountry: string;
  /** SMS_MAX_LENGTH: longest message accepted, in Unicode code points. */
  maxLength: number;
  /** SMS_RETRY_DELAYS_MS: wait before each retry of provider trouble. */
  retryDelaysMs: readonly number[];
  /** SMS_TIMEOUT_MS: connect timeout, then answer timeout, per attempt. */
  timeoutMs: number;
}

/**
 * Reads the SMS variables described in docs/sms.md. Pure: the caller passes
 * the environment. Unset or blank variables take their defaults; unusable
 * values throw SmsSettingsError naming the variable.
 */
export function readSmsConfig(env: Env): SmsConfig {
  const defaultCountry = checkDefaultCountry(optionalText(env, 'SMS_DEFAULT_COUNTRY') ?? 'IN');
  return {
    providers: readProviders(env),
    defaultCountry,
    maxLength: positiveInteger(env, 'SMS_MAX_LENGTH', 140),
    retryDelaysMs: readDelays(env),
    timeoutMs: positiveInteger(env, 'SMS_TIMEOUT_MS', 5000),
  };
}

function positiveInteger(env: Env, name: string, fallback: number): number {
  const value = optionalText(env, name);
  if (value === undefined) return fallback;
  if (!WHOLE_NUMBER.test(value) || Number(value) < 1) {
    throw new SmsSettingsError(name, 'must be a whole number of at least 1');
  }
  return Number(value);
}

function readDelays(env: Env): number[] {
  const value = optionalText(env, 'SMS_RETRY_DELAYS_MS');
  if (value === undefined) return [0, 2000, 4000];
  const parts = value.split(',').map((part) => part.trim());
  if (!parts.every((part) => WHOLE_NUMBER.test(part))) {
    throw new SmsSettingsError(
      'SMS_RETRY_DELAYS_MS',
      'must list whole numbers of milliseconds separated by commas, e.g. 0,2000,4000',
    );
  }
  return parts.map(Number);
}

function readProviders(env: Env): ProviderEntry[] {
  // The whole list is checked before any provider's own variables are read,
  // so a typo in SMS_PROVIDERS is reported as such.
  return readProviderList(env).map(
    ({ name, weight }) => ({ name, weight, settings: providers[name].readSettings(env) }) as ProviderEntry,
  );
}

function readProviderList(env: Env): Array<{ name: ProviderName; weight: number }> {
  const value = optionalText(env, 'SMS_PROVIDERS');
  if (value === undefined) return [];
  const seen = new Set<string>();
  return value.split(',').map((item) => {
    const [rawName = '', rawWeight, ...extra] = item.split(':').map((part) => part.trim());
    if (rawName === '' || rawWeight === undefined || extra.length > 0) {
      throw new SmsSettingsError(
        'SMS_PROVIDERS',
        'must list provider:weight pairs separated by commas, e.g. watertel:80,milio:20 ' +
          `(got "${item.trim()}")`,
      );
    }
    const name = rawName.toLowerCase();
    if (!isProviderName(name)) {
      throw new SmsSettingsError(
        'SMS_PROVIDERS',
        `names an unknown provider "${rawName}": known are ${Object.keys(providers).join(', ')}`,
      );
    }
    if (!WHOLE_NUMBER.test(rawWeight) || Number(rawWeight) < 1) {
      throw new SmsSettingsError(
        'SMS_PROVIDERS',
        `gives ${name} the weight "${rawWeight}": weights are whole numbers of at least 1`,
      );
    }
    if (seen.has(name)) {
      throw new SmsSettingsError('SMS_PROVIDERS', `lists ${name} twice`);
    }
    seen.add(name);
    return { name, weight: Number(rawWeight) };
  });
}
