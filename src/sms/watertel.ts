import { requiredText, requiredUrl } from './env.js';
import { type HttpAnswer, jsonField } from './http.js';
import type { ProviderContext, ProviderDefinition } from './provider.js';
import { ProviderHttp } from './provider-http.js';
import type { SendOptions, SmsReceipt, SmsSender } from './sender.js';

// Watertel's wire format lives here and nowhere else: a login with username
// and password returns a short-lived token, passed as a query parameter.

export interface WatertelSettings {
  url: string;
  username: string;
  password: string;
}

interface Session {
  token: string;
  expiresAt: number;
}

export class WatertelProvider implements SmsSender {
  readonly name = 'watertel';
  readonly #settings: WatertelSettings;
  readonly #context: ProviderContext;
  readonly #http: ProviderHttp;
  #session: Session | undefined;
  // Concurrent first sends share one login instead of each starting their own.
  #login: Promise<Session> | undefined;

  constructor(settings: WatertelSettings, context: ProviderContext) {
    this.#settings = settings;
    this.#context = context;
    this.#http = new ProviderHttp(this.name, context);
  }

  async send(phoneNumber: string, message: string, options: SendOptions = {}): Promise<SmsReceipt> {
    const payload = { message, phone: phoneNumber, priority: options.priority ?? 'normal' };
    const session = await this.#currentSession();
    let answer = await this.#postMessage(session, payload);
    if (answer.status === 401) {
      // The token died before its stated expiry: revoked by another process's
      // login on the same account (even right after ours), or a provider
      // restart. Log in again, once; only a 401 to the login itself means
      // our credentials are wrong.
      this.#forget(session);
      const again = await this.#currentSession();
      answer = await this.#postMessage(again, payload);
      if (answer.status === 401) {
        // Revoked again before the resend: contention, not our setup. Retried later.
        this.#forget(again);
        throw this.#http.unavailable(answer, 'message', reasonOf(answer));
      }
    }
    if (answer.status !== 200) throw this.#http.failure(answer, 'message', reasonOf(answer));
    const messageId = jsonField(answer.body, 'messageId');
    if (typeof messageId !== 'string') throw this.#http.unreadable(answer, 'message');
    return { provider: this.name, messageId };
  }

  #postMessage(session: Session, payload: object): Promise<HttpAnswer> {
    const url = new URL(`${this.#settings.url}/sms`);
    url.searchParams.set('accessToken', session.token);
    return this.#http.post(url, payload, 'message');
  }

  async #currentSession(): Promise<Session> {
    const session = this.#session;
    if (session !== undefined && this.#context.now() < session.expiresAt) return session;
    this.#login ??= this.#logIn().finally(() => {
      this.#login = undefined;
    });
    return this.#login;
  }

  #forget(session: Session): void {
    if (this.#session === session) this.#session = undefined;
  }

  async #logIn(): Promise<Session> {
    const { url, username, password } = this.#settings;
    const answer = await this.#http.post(new URL(`${url}/login`), { username, password }, 'login');
    if (answer.status !== 200) throw this.#http.failure(answer, 'login', reasonOf(answer));
    const token = jsonField(answer.body, 'accessToken');
    const expiry = jsonField(answer.body, 'expiry');
    if (typeof token !== 'string' || token === '' || typeof expiry !== 'number' || !(expiry > 0)) {
      throw this.#http.unreadable(answer, 'login');
    }
    this.#session = { token, expiresAt: this.#context.now() + expiry * 1000 };
    return this.#session;
  }
}

function reasonOf(answer: HttpAnswer): string | undefined {
  const reason = jsonField(answer.body, 'error_message');
  return typeof reason === 'string' ? reason : undefined;
}

export const watertel: ProviderDefinition<WatertelSettings> = {
  readSettings: (env) => ({
    url: requiredUrl(env, 'WATERTEL_URL'),
    username: requiredText(env, 'WATERTEL_USERNAME'),
    password: requiredText(env, 'WATERTEL_PASSWORD'),
  }),
  create: (settings, context) => new WatertelProvider(settings, context),
};
