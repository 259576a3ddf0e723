import { afterEach, describe, expect, it } from 'vitest';
import {
  SmsBadInputError,
  SmsConfigurationError,
  SmsDeliveryUnknownError,
  type SmsError,
  SmsProviderUnavailableError,
} from './errors.js';
import { MilioProvider } from './milio.js';
import type { SmsSender } from './sender.js';
import { recordingLogger, refusedUrl, startMilioServer } from './test-support.js';

const to = '+919876543210';
const accessToken = 'milio-secret-token';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setUp(options: { token?: string; timeoutMs?: number; now?: number } = {}) {
  const server = await startMilioServer({ accessToken });
  cleanups.push(server.close);
  const logger = recordingLogger();
  const provider = new MilioProvider(
    { url: server.url, accessToken: options.token ?? accessToken },
    { logger, now: () => options.now ?? Date.now(), timeoutMs: options.timeoutMs ?? 1000 },
  );
  return { server, logger, provider };
}

async function rejection(promise: Promise<unknown>): Promise<SmsError> {
  return promise.then(
    () => expect.fail('expected the send to fail'),
    (error: SmsError) => error,
  );
}

describe('MilioProvider', () => {
  it('sends {to, body} with the token as a bearer header and returns the id', async () => {
    const { server, provider } = await setUp();
    expect(server.requests).toHaveLength(0); // constructing did no I/O

    const sender: SmsSender = provider; // callers pass options Milio has no use for
    const receipt = await sender.send(to, 'Someone replied to you', { priority: 'high' });

    expect(receipt).toEqual({ provider: 'milio', messageId: 'mi-1' });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.path).toBe('/v1/messages');
    expect(request?.headers.authorization).toBe(`Bearer ${accessToken}`);
    expect(request?.body).toEqual({ to, body: 'Someone replied to you' });
    expect(request?.query.size).toBe(0);
  });

  it('reports a refused token as a configuration error, logged loudly without the token', async () => {
    const { provider, logger } = await setUp({ token: 'stale-token' });
    const error = await rejection(provider.send(to, 'hi'));
    expect(error).toBeInstanceOf(SmsConfigurationError);
    expect(logger.entries.filter((entry) => entry.level === 'error')).toHaveLength(1);
    expect(logger.entries[0]?.obj).toMatchObject({ provider: 'milio', status: 401 });
    expect(JSON.stringify(logger.entries)).not.toContain('stale-token');
  });

  it('passes the provider reason for a 400 to the log, not to the caller', async () => {
    const { server, provider, logger } = await setUp();
    server.fail('/v1/messages', { status: 400, body: { error: { code: 'bad_to', message: 'unroutable number' } } });
    const error = await rejection(provider.send(to, 'hi'));
    expect(error).toBeInstanceOf(SmsBadInputError);
    expect(error.message).not.toContain('unroutable');
    expect(logger.entries[0]?.obj).toMatchObject({ providerReason: 'unroutable number', status: 400 });
  });

  it.each([
    ['302', { status: 302, headers: { location: '/elsewhere' } }, SmsConfigurationError],
    ['403', { status: 403 }, SmsConfigurationError],
    ['500', { status: 500 }, SmsProviderUnavailableError],
    ['502', { status: 502 }, SmsProviderUnavailableError],
    ['202 without an id', { status: 202, body: {} }, SmsConfigurationError],
  ] as const)('maps a %s answer by whose fault it is', async (_label, fault, errorClass) => {
    const { server, provider } = await setUp();
    server.fail('/v1/messages', fault);
    expect(await rejection(provider.send(to, 'hi'))).toBeInstanceOf(errorClass);
    expect(server.requests).toHaveLength(1);
  });

  it('reports 429 as provider trouble carrying its Retry-After', async () => {
    const { server, provider } = await setUp();
    server.fail('/v1/messages', { status: 429, headers: { 'retry-after': '3' } });
    const error = await rejection(provider.send(to, 'hi'));
    expect(error).toBeInstanceOf(SmsProviderUnavailableError);
    expect((error as SmsProviderUnavailableError).retryAfterMs).toBe(3000);
  });

  it('reads a Retry-After date against the injected clock, and caps it at 30 s', async () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    const { server, provider } = await setUp({ now });
    server.fail(
      '/v1/messages',
      { status: 429, headers: { 'retry-after': 'Tue, 01 Jan 2030 00:00:05 GMT' } },
      { status: 429, headers: { 'retry-after': '3600' } },
    );
    expect(((await rejection(provider.send(to, 'a'))) as SmsProviderUnavailableError).retryAfterMs).toBe(5000);
    expect(((await rejection(provider.send(to, 'b'))) as SmsProviderUnavailableError).retryAfterMs).toBe(30_000);
  });

  it('reports a message sent but not answered in time as delivery unknown', async () => {
    const { server, provider } = await setUp({ timeoutMs: 100 });
    server.fail('/v1/messages', 'stall');
    expect(await rejection(provider.send(to, 'hi'))).toBeInstanceOf(SmsDeliveryUnknownError);
  });

  it('reports refused and reset connections as provider trouble', async () => {
    const { server, provider } = await setUp();
    server.fail('/v1/messages', 'reset');
    expect(await rejection(provider.send(to, 'hi'))).toBeInstanceOf(SmsProviderUnavailableError);

    const down = new MilioProvider(
      { url: await refusedUrl(), accessToken },
      { logger: recordingLogger(), now: Date.now, timeoutMs: 1000 },
    );
    const error = await rejection(down.send(to, 'hi'));
    expect(error).toBeInstanceOf(SmsProviderUnavailableError);
    expect(error.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|milio-secret/);
  });
});
