import type { Env } from './env.js';
import type { SmsLogger, SmsSender } from './sender.js';

/** What every provider is built with, besides its own settings. */
export interface ProviderContext {
  logger: SmsLogger;
  now: () => number;
  /** Connect timeout, then answer timeout, for each request. */
  timeoutMs: number;
}

/**
 * How a provider plugs into configuration and composition. Each provider's
 * file exports one, so adding a provider adds a file and a line in
 * providers.ts, and changes no other provider.
 */
export interface ProviderDefinition<Settings> {
  /** Reads the provider's own variables; called only when it is listed in SMS_PROVIDERS. */
  readSettings(env: Env): Settings;
  /** Builds the provider. Must do no I/O: logging in waits for the first send. */
  create(settings: Settings, context: ProviderContext): SmsSender;
}
