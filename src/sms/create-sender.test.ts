import type { FastifyBaseLogger } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSmsSender,
  InvalidMessageError,
  InvalidPhoneNumberError,
  readSmsConfig,
  type SmsConfig,
  SmsError,
  type SmsLogger,
  SmsProviderUnavailableError,
} from './index.js';
import {
  recordingLogger,
  recordingSleep,
  refusedUrl,
  seededRandom,
  startMilioServer,
  startWatertelServer,
} from './test-support.js';

// The app hands the module Fastify's (pino) logger: it must fit SmsLogger.
const fitsSmsLogger = (logger: FastifyBaseLogger): SmsLogger => logger;
void fitsSmsLogger;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function servers() {
  const watertel = await startWatertelServer({ username: 'u', password: 'p' });
  const milio = await startMilioServer({ accessToken: 't' });
  cleanups.push(watertel.close, milio.close);
  return { watertel, milio };
}

function configFor(urls: { watertel: string; milio: string }, extra: Record<string, string> = {}): SmsConfig {
  return readSmsConfig({
    SMS_PROVIDERS: 'watertel:80,milio:20',
    WATERTEL_URL: urls.watertel,
    WATERTEL_USERNAME: 'u',
    WATERTEL_PASSWORD: 'p',
    MILIO_URL: urls.milio,
    MILIO_ACCESS_TOKEN: 't',
    SMS_RETRY_DELAYS_MS: '0,10,20',
    SMS_TIMEOUT_MS: '500',
    ...extra,
  });
}

describe('createSmsSender', () => {
  it('logs messages through the console provider when no provider is configured', async () => {
    const logger = recordingLogger();
    const sms = createSmsSender(readSmsConfig({}), { logger });
    const receipt = await sms.send('98765 43210', 'Your code is 123456', { priority: 'high' });
    expect(receipt.provider).toBe('console');
    expect(receipt.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(logger.entries).toHaveLength(1);
    expect(logger.entries[0]).toMatchObject({
      level: 'info',
      obj: { to: '+919876543210', message: 'Your code is 123456', priority: 'high' },
    });
  });

  it('does no I/O when built', async () => {
    const { watertel, milio } = await servers();
    createSmsSender(configFor({ watertel: watertel.url, milio: milio.url }), { logger: recordingLogger() });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([...watertel.requests, ...milio.requests]).toEqual([]);
  });

  it('validates in front: bad input reaches no provider', async () => {
    const { watertel, milio } = await servers();
    const sms = createSmsSender(configFor({ watertel: watertel.url, milio: milio.url }, { SMS_MAX_LENGTH: '10' }), {
      logger: recordingLogger(),
    });
    await expect(sms.send('12345', 'hi')).rejects.toBeInstanceOf(InvalidPhoneNumberError);
    await expect(sms.send('+919876543210', 'eleven char')).rejects.toBeInstanceOf(InvalidMessageError);
    await expect(sms.send('+919876543210', '')).rejects.toBeInstanceOf(SmsError);
    expect([...watertel.requests, ...milio.requests]).toEqual([]);
  });

  it('routes by weight to real providers, which receive the normalized number', async () => {
    const { watertel, milio } = await servers();
    const sms = createSmsSender(configFor({ watertel: watertel.url, milio: milio.url }), {
      logger: recordingLogger(),
      random: seededRandom(3),
    });
    const receipts = [];
    for (let i = 0; i < 50; i++) receipts.push(await sms.send('98765 43210', `message ${i}`));
    const viaWatertel = receipts.filter((receipt) => receipt.provider === 'watertel').length;
    expect(viaWatertel).toBe(watertel.requestsTo('/sms').length);
    expect(50 - viaWatertel).toBe(milio.requests.length);
    expect(viaWatertel).toBeGreaterThan(30); // 80 % of 50 is 40; uniform picking would give about 25
    expect(watertel.requestsTo('/login')).toHaveLength(1);
    expect(watertel.requestsTo('/sms')[0]?.body).toMatchObject({ phone: '+919876543210' });
    expect(milio.requests[0]?.body).toMatchObject({ to: '+919876543210' });
  });

  it('fails over to Milio when Watertel is down, after retrying Watertel', async () => {
    const { watertel, milio } = await servers();
    watertel.failAlways('/login', { status: 503 });
    const sleep = recordingSleep();
    const logger = recordingLogger();
    const sms = createSmsSender(configFor({ watertel: watertel.url, milio: milio.url }), {
      logger,
      random: () => 0, // always pick Watertel first
      sleep,
    });

    const receipt = await sms.send('+919876543210', 'Someone replied to you');

    expect(receipt).toEqual({ provider: 'milio', messageId: 'mi-1' });
    expect(watertel.requestsTo('/login')).toHaveLength(4);
    expect(sleep.waits).toEqual([0, 10, 20]);
    expect(logger.entries.some((entry) => entry.msg === 'SMS provider failed, trying the next one')).toBe(true);
  });

  it('fails over when Watertel refuses connections, and gives up when Milio is down too', async () => {
    const { milio } = await servers();
    const config = configFor({ watertel: await refusedUrl(), milio: milio.url });
    const sms = createSmsSender(config, { logger: recordingLogger(), random: () => 0, sleep: recordingSleep() });
    expect((await sms.send('+919876543210', 'hi')).provider).toBe('milio');

    milio.failAlways('/v1/messages', { status: 500 });
    await expect(sms.send('+919876543210', 'hi')).rejects.toBeInstanceOf(SmsProviderUnavailableError);
    expect(milio.requests).toHaveLength(1 + 4);
  });
});
