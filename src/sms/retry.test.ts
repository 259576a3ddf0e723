import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidPhoneNumberError,
  SmsBadInputError,
  SmsConfigurationError,
  SmsDeliveryUnknownError,
  SmsProviderUnavailableError,
} from './errors.js';
import { MilioProvider } from './milio.js';
import { withRetry } from './retry.js';
import type { SmsSender } from './sender.js';
import { recordingLogger, recordingSleep, startMilioServer, startWatertelServer } from './test-support.js';
import { WatertelProvider } from './watertel.js';

const to = '+919876543210';

/** A sender that fails with the given errors, in order, then succeeds. */
function flaky(...errors: Error[]) {
  let attempts = 0;
  const sender: SmsSender = {
    async send() {
      const error = errors[attempts++];
      if (error) throw error;
      return { provider: 'fake', messageId: `m-${attempts}` };
    },
  };
  return { sender, attempts: () => attempts };
}

const trouble = (label = 'down') => new SmsProviderUnavailableError(label, { provider: 'fake' });

describe('withRetry', () => {
  it('retries provider trouble at once, then after the configured delays, then succeeds', async () => {
    const { sender, attempts } = flaky(trouble(), trouble(), trouble());
    const sleep = recordingSleep();
    const receipt = await withRetry(sender, { delaysMs: [0, 2000, 4000], sleep }).send(to, 'hi');
    expect(receipt.messageId).toBe('m-4');
    expect(attempts()).toBe(4);
    expect(sleep.waits).toEqual([0, 2000, 4000]);
  });

  it('gives up after the last delay with the last error', async () => {
    const last = trouble('last');
    const { sender, attempts } = flaky(trouble(), trouble(), trouble(), last, trouble());
    const sleep = recordingSleep();
    await expect(withRetry(sender, { delaysMs: [0, 2000, 4000], sleep }).send(to, 'hi')).rejects.toBe(last);
    expect(attempts()).toBe(4);
    expect(sleep.waits).toEqual([0, 2000, 4000]);
  });

  it.each([
    ['the caller’s bad input', new InvalidPhoneNumberError('bad')],
    ['a provider’s 400', new SmsBadInputError('bad')],
    ['our misconfiguration', new SmsConfigurationError('wrong')],
    ['an unknown delivery', new SmsDeliveryUnknownError('maybe')],
    ['a bug', new TypeError('oops')],
  ])('does not retry %s', async (_label, error) => {
    const { sender, attempts } = flaky(error);
    const sleep = recordingSleep();
    await expect(withRetry(sender, { delaysMs: [0, 2000], sleep }).send(to, 'hi')).rejects.toBe(error);
    expect(attempts()).toBe(1);
    expect(sleep.waits).toEqual([]);
  });

  it('retries an unknown delivery when the caller marked the message critical', async () => {
    const { sender, attempts } = flaky(new SmsDeliveryUnknownError('maybe'), trouble());
    const sleep = recordingSleep();
    const receipt = await withRetry(sender, { delaysMs: [0, 2000], sleep }).send(to, 'hi', { critical: true });
    expect(receipt.messageId).toBe('m-3');
    expect(attempts()).toBe(3);
  });

  it("waits at least the provider's Retry-After, never less than the configured delay", async () => {
    const { sender } = flaky(
      new SmsProviderUnavailableError('slow down', { retryAfterMs: 1500 }),
      new SmsProviderUnavailableError('slow down', { retryAfterMs: 100 }),
    );
    const sleep = recordingSleep();
    await withRetry(sender, { delaysMs: [0, 2000], sleep }).send(to, 'hi');
    expect(sleep.waits).toEqual([1500, 2000]);
  });

  it('logs each retry', async () => {
    const { sender } = flaky(trouble());
    const logger = recordingLogger();
    await withRetry(sender, { delaysMs: [0], sleep: recordingSleep(), logger }).send(to, 'hi');
    expect(logger.entries).toEqual([
      expect.objectContaining({
        level: 'warn',
        obj: { provider: 'fake', error: 'SmsProviderUnavailableError', retry: 1, waitMs: 0 },
      }),
    ]);
  });
});

describe('withRetry around real providers on loopback', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });
  const context = { logger: recordingLogger(), now: Date.now, timeoutMs: 150 };

  async function milio() {
    const server = await startMilioServer({ accessToken: 't' });
    cleanups.push(server.close);
    return { server, provider: new MilioProvider({ url: server.url, accessToken: 't' }, context) };
  }

  it('spaces attempts by the configured delays (real timers, short delays)', async () => {
    const { server, provider } = await milio();
    server.fail('/v1/messages', { status: 503 }, { status: 500 }, { status: 503 });
    const delaysMs = [0, 400, 800];

    const receipt = await withRetry(provider, { delaysMs }).send(to, 'hi');

    expect(receipt.messageId).toBe('mi-1');
    const arrivals = server.requests.map((request) => request.at);
    expect(arrivals).toHaveLength(4);
    const gaps = arrivals.slice(1).map((at, index) => at - arrivals[index]!);
    // Timers never fire early (bar a rounding millisecond); how late they fire
    // depends on the machine's load, hence the generous upper bounds.
    // The delays are far enough apart that a loaded machine cannot blur them.
    expect(gaps[0]).toBeLessThan(300);
    expect(gaps[1]).toBeGreaterThanOrEqual(398);
    expect(gaps[1]).toBeLessThan(400 + 500);
    expect(gaps[2]).toBeGreaterThanOrEqual(798);
    expect(gaps[2]).toBeLessThan(800 + 500);
  });

  it('makes 1 + retries attempts against a provider that stays in trouble, then gives up', async () => {
    const { server, provider } = await milio();
    server.failAlways('/v1/messages', { status: 502 });
    await expect(withRetry(provider, { delaysMs: [0, 5, 5] }).send(to, 'hi')).rejects.toBeInstanceOf(
      SmsProviderUnavailableError,
    );
    expect(server.requests).toHaveLength(4);
  });

  it('waits the Retry-After Milio sends with a 429 before the next attempt', async () => {
    const { server, provider } = await milio();
    server.fail(
      '/v1/messages',
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 429, headers: { 'retry-after': '90' } },
    );
    const sleep = recordingSleep();
    const receipt = await withRetry(provider, { delaysMs: [0, 2000, 4000], sleep }).send(to, 'hi');
    expect(receipt.messageId).toBe('mi-1');
    expect(sleep.waits).toEqual([7000, 30_000]);
    expect(server.requests).toHaveLength(3);
  });

  it('does not resend a message Milio may have received, unless it is critical', async () => {
    const { server, provider } = await milio();
    server.fail('/v1/messages', 'stall', 'stall');
    const retrying = withRetry(provider, { delaysMs: [0, 5] });

    await expect(retrying.send(to, 'hi')).rejects.toBeInstanceOf(SmsDeliveryUnknownError);
    expect(server.requests).toHaveLength(1);

    const receipt = await retrying.send(to, 'code', { critical: true });
    expect(receipt.messageId).toBe('mi-1');
    expect(server.requests).toHaveLength(3);
  });

  it('retries Watertel login trouble and send trouble alike, logging in once', async () => {
    const server = await startWatertelServer({ username: 'u', password: 'p' });
    cleanups.push(server.close);
    server.fail('/login', { status: 503 });
    server.fail('/sms', { status: 500 });
    const provider = new WatertelProvider({ url: server.url, username: 'u', password: 'p' }, context);

    const receipt = await withRetry(provider, { delaysMs: [0, 5, 5] }).send(to, 'hi');

    expect(receipt.messageId).toBe('wt-1');
    expect(server.requestsTo('/login')).toHaveLength(2); // the failed one and the good one
    expect(server.requestsTo('/sms')).toHaveLength(2);
  });
});
