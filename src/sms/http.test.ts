import { afterEach, describe, expect, it } from 'vitest';
import { HttpTransportError, MAX_RETRY_AFTER_MS, postJson, retryAfterMs } from './http.js';
import { refusedUrl, startMilioServer, unconnectableUrl } from './test-support.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function milio() {
  const server = await startMilioServer({ accessToken: 'secret' });
  cleanups.push(server.close);
  return server;
}

async function failureOf(promise: Promise<unknown>): Promise<HttpTransportError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HttpTransportError);
  return error as HttpTransportError;
}

describe('postJson', () => {
  it('posts JSON with the given headers and parses the JSON answer', async () => {
    const server = await milio();
    const answer = await postJson(
      new URL(`${server.url}/v1/messages`),
      { to: '+919876543210', body: 'héllo' },
      { headers: { authorization: 'Bearer secret' }, timeoutMs: 1000 },
    );
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ id: 'mi-1' });
    const [request] = server.requests;
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.authorization).toBe('Bearer secret');
    expect(request?.body).toEqual({ to: '+919876543210', body: 'héllo' });
  });

  it('gives an answer whose body is not JSON an undefined body', async () => {
    const server = await milio();
    server.fail('/v1/messages', { status: 502, body: undefined, headers: { 'content-type': 'text/html' } });
    const answer = await postJson(new URL(`${server.url}/v1/messages`), {}, { timeoutMs: 1000 });
    expect(answer).toMatchObject({ status: 502, body: undefined });
  });

  it('reports a refused connection as unreachable', async () => {
    const url = await refusedUrl();
    const error = await failureOf(postJson(new URL(`${url}/x`), {}, { timeoutMs: 1000 }));
    expect(error.failure).toBe('unreachable');
  });

  it('reports a connection that is not established in time as unreachable, after the timeout', async () => {
    const target = await unconnectableUrl();
    cleanups.push(target.close);
    const started = performance.now();
    const error = await failureOf(postJson(new URL(`${target.url}/x`), {}, { timeoutMs: 150 }));
    const elapsed = performance.now() - started;
    expect(error.failure).toBe('unreachable');
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1000);
  });

  it('reports a request sent but never answered as no-answer, after the timeout', async () => {
    const server = await milio();
    server.fail('/v1/messages', 'stall');
    const started = performance.now();
    const error = await failureOf(postJson(new URL(`${server.url}/v1/messages`), {}, { timeoutMs: 150 }));
    const elapsed = performance.now() - started;
    expect(error.failure).toBe('no-answer');
    expect(server.requests).toHaveLength(1);
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1000);
  });

  it('reports a connection reset by the provider as unreachable', async () => {
    const server = await milio();
    server.fail('/v1/messages', 'reset');
    const error = await failureOf(postJson(new URL(`${server.url}/v1/messages`), {}, { timeoutMs: 1000 }));
    expect(error.failure).toBe('unreachable');
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');

  it('reads seconds', () => {
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('0', now)).toBe(0);
  });

  it('reads an HTTP date relative to now', () => {
    expect(retryAfterMs('Tue, 01 Jan 2030 00:00:07 GMT', now)).toBe(7000);
    expect(retryAfterMs('Mon, 31 Dec 2029 23:59:00 GMT', now)).toBe(0);
  });

  it('caps long waits', () => {
    expect(retryAfterMs('120', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(MAX_RETRY_AFTER_MS).toBe(30_000);
  });

  it('ignores a missing or unreadable header', () => {
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('', now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});
