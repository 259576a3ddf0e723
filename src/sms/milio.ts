import { requiredText, requiredUrl } from './env.js';
import { jsonField } from './http.js';
import type { ProviderContext, ProviderDefinition } from './provider.js';
import { ProviderHttp } from './provider-http.js';
import type { SmsReceipt, SmsSender } from './sender.js';

// Milio's wire format lives here and nowhere else: a long-lived token in the
// Authorization header, `{to, body}` in, `202 {id}` out. Milio has no
// priorities, so the caller's priority does not travel.

export interface MilioSettings {
  url: string;
  accessToken: string;
}

export class MilioProvider implements SmsSender {
  readonly name = 'milio';
  readonly #settings: MilioSettings;
  readonly #http: ProviderHttp;

  constructor(settings: MilioSettings, context: ProviderContext) {
    this.#settings = settings;
    this.#http = new ProviderHttp(this.name, context);
  }

  async send(phoneNumber: string, message: string): Promise<SmsReceipt> {
    const answer = await this.#http.post(
      new URL(`${this.#settings.url}/v1/messages`),
      { to: phoneNumber, body: message },
      'message',
      { authorization: `Bearer ${this.#settings.accessToken}` },
    );
    if (answer.status !== 202) {
      const reason = jsonField(jsonField(answer.body, 'error'), 'message');
      throw this.#http.failure(answer, 'message', typeof reason === 'string' ? reason : undefined);
    }
    const id = jsonField(answer.body, 'id');
    if (typeof id !== 'string') throw this.#http.unreadable(answer, 'message');
    return { provider: this.name, messageId: id };
  }
}

export const milio: ProviderDefinition<MilioSettings> = {
  readSettings: (env) => ({
    url: requiredUrl(env, 'MILIO_URL'),
    accessToken: requiredText(env, 'MILIO_ACCESS_TOKEN'),
  }),
  create: (settings, context) => new MilioProvider(settings, context),
};
