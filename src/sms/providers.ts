import { milio } from './milio.js';
import type { ProviderContext, ProviderDefinition } from './provider.js';
import type { SmsSender } from './sender.js';
import { watertel } from './watertel.js';

/**
 * The providers SMS_PROVIDERS may name. A new provider is a new file
 * exporting a ProviderDefinition, and one line here.
 */
export const providers = { watertel, milio };

export type ProviderName = keyof typeof providers;

type SettingsOf<Name extends ProviderName> =
  (typeof providers)[Name] extends ProviderDefinition<infer Settings> ? Settings : never;

/** One entry of SMS_PROVIDERS with its provider's own settings. */
export type ProviderEntry = {
  [Name in ProviderName]: { name: Name; weight: number; settings: SettingsOf<Name> };
}[ProviderName];

export function isProviderName(name: string): name is ProviderName {
  return Object.hasOwn(providers, name);
}

export function createProvider(entry: ProviderEntry, context: ProviderContext): SmsSender {
  const definition: ProviderDefinition<typeof entry.settings> = providers[entry.name];
  return definition.create(entry.settings, context);
}
