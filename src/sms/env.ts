import { SmsSettingsError } from './errors.js';

/** Environment variables, as the app's config reader hands them over. */
export type Env = Record<string, string | undefined>;

/** The trimmed value, or undefined when unset or blank. */
export function optionalText(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

/** The value as given (secrets are not trimmed), required to be non-blank. */
export function requiredText(env: Env, name: string): string {
  if (optionalText(env, name) === undefined) {
    throw new SmsSettingsError(name, 'is required by the SMS provider listed in SMS_PROVIDERS');
  }
  return env[name]!;
}

/** An http(s) base URL, without a trailing slash so paths can be appended. */
export function requiredUrl(env: Env, name: string): string {
  const value = requiredText(env, name).trim();
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new SmsSettingsError(name, 'must be an http:// or https:// URL');
  }
  return value.replace(/\/+$/, '');
}
