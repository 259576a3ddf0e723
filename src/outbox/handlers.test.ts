// What the e-mail and SMS handlers make of each outcome, against a stand-in
// Milio on loopback through the real SMS module (its retries run first).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMailer } from '../mail/mailer.js';
import { createSmsSender, readSmsConfig } from '../sms/index.js';
import { recordingLogger, startMilioServer, type StandInServer } from '../sms/test-support.js';
import { emailHandler, smsHandler } from './handlers.js';
import { DeliveryUnknownError, PermanentJobError } from './queue.js';

describe('the sms handler', () => {
  let milio: StandInServer;
  let handler: ReturnType<typeof smsHandler>;

  beforeEach(async () => {
    milio = await startMilioServer({ accessToken: 'token' });
    const config = readSmsConfig({ SMS_PROVIDERS: 'milio:1', MILIO_URL: milio.url, MILIO_ACCESS_TOKEN: 'token', SMS_TIMEOUT_MS: '300', SMS_RETRY_DELAYS_MS: '0' });
    handler = smsHandler(createSmsSender(config, { logger: recordingLogger() }));
  });
  afterEach(() => milio.close());

  const text = { to: '+919876543210', message: 'someone replied' };

  it('sends, and is not sent again after a crash', async () => {
    await handler.handle(text);
    expect(milio.requestsTo('/v1/messages').map((r) => r.body)).toEqual([{ to: '+919876543210', body: 'someone replied' }]);
    expect(handler.resendAfterCrash).toBe(false);
  });

  it('reports an unanswered send as delivery unknown, and does not retry it itself', async () => {
    milio.failAlways('/v1/messages', 'stall');
    await expect(handler.handle(text)).rejects.toBeInstanceOf(DeliveryUnknownError);
    expect(milio.requestsTo('/v1/messages')).toHaveLength(1);
  });

  it('fails bad input for good, and leaves provider trouble (after the module’s own retry) to the queue’s backoff', async () => {
    await expect(handler.handle({ to: '12', message: 'x' })).rejects.toBeInstanceOf(PermanentJobError);
    await expect(handler.handle({ to: 5 })).rejects.toBeInstanceOf(PermanentJobError);
    milio.fail('/v1/messages', { status: 400, body: { error: { code: 'invalid', message: 'no' } } });
    await expect(handler.handle(text)).rejects.toBeInstanceOf(PermanentJobError);
    milio.failAlways('/v1/messages', { status: 503 });
    const trouble = await handler.handle(text).catch((error: unknown) => error);
    expect(trouble).not.toBeInstanceOf(PermanentJobError);
    expect(trouble).not.toBeInstanceOf(DeliveryUnknownError);
    expect((trouble as Error).name).toBe('SmsProviderUnavailableError');
  });
});

describe('the email handler', () => {
  it('fails for good where no mail goes anywhere (production without SMTP_URL)', async () => {
    const handler = emailHandler(createMailer({ smtpUrl: undefined, from: 'x@example.com' }, true, recordingLogger()));
    await expect(handler.handle({ to: 'a@example.com', subject: 's', text: 't' })).rejects.toBeInstanceOf(PermanentJobError);
    expect(handler.resendAfterCrash).toBe(false);
  });
});
