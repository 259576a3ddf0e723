import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { TLSSocket } from 'node:tls';

// One JSON POST with two timers. fetch() reports every timeout alike, but for
// an SMS the difference matters: a request that never connected was not sent
// and is safe to retry, while one that was sent and got no answer may have
// delivered the message.

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when it is empty or not JSON. */
  body: unknown;
}

/**
 * `unreachable`: the provider could not be reached (refused, reset, no
 * connection in time). `no-answer`: the request went out but no complete
 * answer came back in time.
 */
export type TransportFailure = 'unreachable' | 'no-answer';

export class HttpTransportError extends Error {
  override readonly name = 'HttpTransportError';

  constructor(
    readonly failure: TransportFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface PostOptions {
  headers?: Record<string, string>;
  /** Applies to connecting, then again to receiving the whole answer. */
  timeoutMs: number;
}

// Providers answer with small JSON documents; anything bigger is not an answer
// we can use, and must not fill our memory.
const MAX_BODY_BYTES = 64 * 1024;

export function postJson(url: URL, payload: unknown, options: PostOptions): Promise<HttpAnswer> {
  const body = JSON.stringify(payload);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    let answered = false;
    let timer: NodeJS.Timeout | undefined;

    const request = transport.request(url, {
      method: 'POST',
      headers: {
        ...options.headers,
        accept: 'application/json',
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });

    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const fail = (failure: TransportFailure, message: string, cause?: unknown) =>
      settle(() => {
        request.destroy();
        reject(new HttpTransportError(failure, message, { cause }));
      });
    const startTimer = (failure: TransportFailure, what: string) => {
      if (settled) return;
      clearTimeout(timer);
      timer = setTimeout(
        () => fail(failure, `${what} within ${options.timeoutMs} ms`),
        options.timeoutMs,
      );
    };

    startTimer('unreachable', 'no connection');
    request.on('socket', (socket) => {
      const connected = () => startTimer('no-answer', 'no answer');
      // A kept-alive socket is already connected; a new one connects first
      // (and, for HTTPS, completes its TLS handshake) before anything is sent.
      if (!socket.connecting && !socket.pending) connected();
      else socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', connected);
    });
    request.on('error', (error) =>
      fail(answered ? 'no-answer' : 'unreachable', error.message, error),
    );
    request.on('response', (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      response.on('error', (error) => fail('no-answer', error.message, error));
      response.on('end', () =>
        settle(() =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: size <= MAX_BODY_BYTES ? parseJson(Buffer.concat(chunks).toString('utf8')) : undefined,
          }),
        ),
      );
    });
    request.end(body);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A field of a parsed JSON object, or undefined for anything else. */
export function jsonField(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

/** Retry-After never makes us wait longer than this: past it, we fail over. */
export const MAX_RETRY_AFTER_MS = 30_000;

/** Reads `Retry-After` (seconds or an HTTP date) as milliseconds, capped. */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  if (Number.isNaN(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}
