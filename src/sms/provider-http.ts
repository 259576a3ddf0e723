import {
  SmsBadInputError,
  SmsConfigurationError,
  SmsDeliveryUnknownError,
  type SmsError,
  SmsProviderUnavailableError,
} from './errors.js';
import { type HttpAnswer, HttpTransportError, postJson, retryAfterMs } from './http.js';
import type { ProviderContext } from './provider.js';

/** A login only fetches a token; a message request may deliver an SMS. */
export type RequestKind = 'login' | 'message';

/**
 * The part of talking to a provider that does not depend on its wire format:
 * posting, and turning what went wrong into an error named by whose fault it
 * is. Details (status codes, provider text) go to the log, never into the
 * error message, and neither do URLs, which may carry tokens.
 */
export class ProviderHttp {
  readonly provider: string;
  readonly #context: ProviderContext;

  constructor(provider: string, context: ProviderContext) {
    this.provider = provider;
    this.#context = context;
  }

  async post(
    url: URL,
    payload: unknown,
    kind: RequestKind,
    headers?: Record<string, string>,
  ): Promise<HttpAnswer> {
    try {
      return await postJson(url, payload, { headers, timeoutMs: this.#context.timeoutMs });
    } catch (error) {
      if (!(error instanceof HttpTransportError)) throw error;
      throw this.#transportFailure(error, kind);
    }
  }

  /** The error for an answer the provider's adapter did not accept. */
  failure(answer: HttpAnswer, kind: RequestKind, providerReason?: string): SmsError {
    const { provider } = this;
    const details = { provider, request: kind, status: answer.status, providerReason };
    const { status } = answer;
    if (status === 400 && kind === 'message') {
      this.#context.logger.warn(details, 'SMS provider rejected the input');
      return new SmsBadInputError(`SMS provider ${provider} rejected the phone number or message`, {
        provider,
      });
    }
    if (status === 429) {
      const header = answer.headers['retry-after'];
      const wait = retryAfterMs(header, this.#context.now());
      this.#context.logger.warn({ ...details, retryAfterMs: wait }, 'SMS provider asks us to slow down');
      return new SmsProviderUnavailableError(`SMS provider ${provider} asked us to slow down`, {
        provider,
        retryAfterMs: wait,
      });
    }
    if (status >= 500 && status <= 599) return this.unavailable(answer, kind, providerReason);
    // Redirects (a wrong URL), refused credentials or tokens, unknown routes:
    // retrying gets the same answer, someone has to fix our side.
    this.#context.logger.error(details, 'SMS provider refused our request: fix the SMS settings or module');
    return this.#misconfigured();
  }

  /**
   * The error for provider trouble: 5xx, or an answer the adapter knows to be
   * passing (Watertel's 401 when another login revoked the token). Retried.
   */
  unavailable(answer: HttpAnswer, kind: RequestKind, providerReason?: string): SmsError {
    const { provider } = this;
    this.#context.logger.warn(
      { provider, request: kind, status: answer.status, providerReason },
      'SMS provider is in trouble',
    );
    return new SmsProviderUnavailableError(`SMS provider ${provider} is having trouble`, { provider });
  }

  /** The error for a success answer that lacks what the protocol promises. */
  unreadable(answer: HttpAnswer, kind: RequestKind): SmsError {
    this.#context.logger.error(
      { provider: this.provider, request: kind, status: answer.status },
      'SMS provider answered in a form this module does not understand',
    );
    return this.#misconfigured();
  }

  #misconfigured(): SmsError {
    return new SmsConfigurationError(
      `SMS provider ${this.provider} refused our request: ` +
        'the SMS settings or module need fixing (details in the log)',
      { provider: this.provider },
    );
  }

  #transportFailure(error: HttpTransportError, kind: RequestKind): SmsError {
    const { provider } = this;
    this.#context.logger.warn(
      { provider, request: kind, failure: error.failure, reason: error.message },
      'SMS provider did not answer',
    );
    if (error.failure === 'no-answer' && kind === 'message') {
      return new SmsDeliveryUnknownError(
        `SMS provider ${provider} did not answer in time: the message may have been sent`,
        { provider },
      );
    }
    const what = error.failure === 'no-answer' ? 'did not answer in time' : 'could not be reached';
    return new SmsProviderUnavailableError(`SMS provider ${provider} ${what}`, { provider });
  }
}
