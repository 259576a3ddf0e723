import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  SmsBadInputError,
  SmsConfigurationError,
  SmsDeliveryUnknownError,
  type SmsError,
  SmsProviderUnavailableError,
} from './errors.js';
import { withRetry } from './retry.js';
import { recordingLogger, refusedUrl, startWatertelServer, type WatertelServer } from './test-support.js';
import { WatertelProvider } from './watertel.js';

const account = { username: 'blipkart', password: 'pa55-w0rd' };
const to = '+919876543210';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setUp(options: { expiry?: number; password?: string; timeoutMs?: number } = {}) {
  const server = await startWatertelServer({ ...account, expiry: options.expiry });
  cleanups.push(server.close);
  const clock = { now: 1_000_000 };
  const logger = recordingLogger();
  const provider = new WatertelProvider(
    { url: server.url, username: account.username, password: options.password ?? account.password },
    { logger, now: () => clock.now, timeoutMs: options.timeoutMs ?? 1000 },
  );
  return { server, clock, logger, provider };
}

async function rejection(promise: Promise<unknown>): Promise<SmsError> {
  return promise.then(
    () => expect.fail('expected the send to fail'),
    (error: SmsError) => error,
  );
}

const logins = (server: WatertelServer) => server.requestsTo('/login');
const sends = (server: WatertelServer) => server.requestsTo('/sms');

describe('WatertelProvider', () => {
  it('does nothing on construction, logs in on the first send, and sends with the token', async () => {
    const { server, provider } = await setUp();
    expect(server.requests).toHaveLength(0);

    const receipt = await provider.send(to, 'Your code is 123456');

    expect(receipt).toEqual({ provider: 'watertel', messageId: 'wt-1' });
    expect(logins(server).map((request) => request.body)).toEqual([account]);
    expect(sends(server)).toHaveLength(1);
    const [sent] = sends(server);
    expect(sent?.body).toEqual({ message: 'Your code is 123456', phone: to, priority: 'normal' });
    expect(sent?.query.get('accessToken')).toBe('wt-token-1');
    expect(sent?.headers['content-type']).toBe('application/json');
  });

  it('sends the priority it is given', async () => {
    const { server, provider } = await setUp();
    await provider.send(to, 'Your code is 123456', { priority: 'high' });
    expect(sends(server)[0]?.body).toMatchObject({ priority: 'high' });
  });

  it('keeps using its token until it expires, then logs in again', async () => {
    const { server, clock, provider } = await setUp({ expiry: 60 });
    await provider.send(to, 'one');
    clock.now += 59_000;
    await provider.send(to, 'two');
    expect(logins(server)).toHaveLength(1);

    clock.now += 1_000; // 60 s after login: expired
    await provider.send(to, 'three');
    expect(logins(server)).toHaveLength(2);
    expect(sends(server).map((request) => request.query.get('accessToken'))).toEqual([
      'wt-token-1',
      'wt-token-1',
      'wt-token-2',
    ]);
  });

  it('logs in again, once, when the provider answers 401 to a token it had accepted', async () => {
    const { server, provider } = await setUp();
    await provider.send(to, 'one');
    server.expireTokens();

    const receipt = await provider.send(to, 'two');

    expect(receipt.messageId).toBe('wt-2');
    expect(logins(server)).toHaveLength(2);
    expect(sends(server).map((request) => request.query.get('accessToken'))).toEqual([
      'wt-token-1',
      'wt-token-1',
      'wt-token-2',
    ]);
  });

  it('logs in again, once, when the provider answers 401 to a token fresh from login', async () => {
    const { server, provider } = await setUp();
    server.fail('/sms', { status: 401, body: { error_message: 'token unknown or expired' } });

    const receipt = await provider.send(to, 'hi');

    expect(receipt.messageId).toBe('wt-1');
    expect(logins(server)).toHaveLength(2);
    expect(sends(server)).toHaveLength(2);
  });

  it('treats a 401 after logging in again as provider trouble, without looping', async () => {
    const { server, provider, logger } = await setUp();
    await provider.send(to, 'one');
    server.failAlways('/sms', { status: 401 });
    const error = await rejection(provider.send(to, 'two'));
    expect(error).toBeInstanceOf(SmsProviderUnavailableError);
    expect(logins(server)).toHaveLength(2);
    expect(sends(server)).toHaveLength(3);
    expect(logger.entries.filter((entry) => entry.level === 'error')).toHaveLength(0);

    // The same from a first send: one login, one more, then give up.
    const { server: other, provider: first } = await setUp();
    other.failAlways('/sms', { status: 401 });
    expect(await rejection(first.send(to, 'hi'))).toBeInstanceOf(SmsProviderUnavailableError);
    expect(logins(other)).toHaveLength(2);
    expect(sends(other)).toHaveLength(2);
  });

  describe('two app processes sharing one account (each login revokes the token before it)', () => {
    async function twoSenders() {
      const { server, clock, provider: a } = await setUp();
      const b = new WatertelProvider(
        { url: server.url, ...account },
        { logger: recordingLogger(), now: () => clock.now, timeoutMs: 1000 },
      );
      return { server, a, b };
    }

    it('keeps both sending: a send whose token the other revoked logs in again and goes through', async () => {
      const { server, a, b } = await twoSenders();
      const receipts = [];
      for (let round = 0; round < 3; round++) {
        receipts.push(await a.send(to, `a${round}`));
        receipts.push(await b.send(to, `b${round}`)); // revokes a's token: a's next send meets a 401
      }
      expect(receipts.map((receipt) => receipt.messageId)).toEqual(['wt-1', 'wt-2', 'wt-3', 'wt-4', 'wt-5', 'wt-6']);
      expect(logins(server)).toHaveLength(6); // the first two, then one per send after
      expect(sends(server)).toHaveLength(2 + 4 * 2); // each send after the first two: a 401, then the resend
    });

    it('logs in again when the other revoked its token between its fresh login and its send', async () => {
      const { server, a, b } = await twoSenders();
      let release = () => {};
      server.fail('/sms', { holdUntil: new Promise<void>((r) => (release = r)) }); // a's first send waits
      const aSend = a.send(to, 'a0');
      await vi.waitUntil(() => sends(server).length === 1);
      await b.send(to, 'b0'); // logs in: a's fresh token is revoked
      release();

      expect((await aSend).messageId).toBe('wt-2');
      expect(logins(server)).toHaveLength(3);
    });

    it('reports a token revoked again between the second login and the resend as provider trouble', async () => {
      const { server, a, b } = await twoSenders();
      await a.send(to, 'a0');
      await b.send(to, 'b0'); // a's token is now dead
      let release = () => {};
      // a's next send: its first try meets the 401; its resend is held while b logs in again.
      server.fail('/sms', { holdUntil: Promise.resolve() }, { holdUntil: new Promise<void>((r) => (release = r)) });

      const aSend = withRetry(a, { delaysMs: [0] }).send(to, 'a1');
      await vi.waitUntil(() => sends(server).length === 4);
      await b.send(to, 'b1'); // 401, logs in (revoking a's fresh token), sends
      release();

      // The first attempt gave up with provider trouble, so the retry layer tried again.
      expect((await aSend).messageId).toBe('wt-4');
      expect(logins(server)).toHaveLength(5);
      expect(sends(server).map((request) => request.body)).toMatchObject([
        { message: 'a0' },
        { message: 'b0' },
        { message: 'a1' }, // 401: a's token was revoked by b0's login
        { message: 'a1' }, // held while b logs in again, then 401
        { message: 'b1' }, // 401
        { message: 'b1' },
        { message: 'a1' }, // the retry, after a new login
      ]);
    });
  });

  it('reports refused credentials as a configuration error, logged loudly without the password', async () => {
    const { server, provider, logger } = await setUp({ password: 'wrong-secret' });
    const error = await rejection(provider.send(to, 'hi'));
    expect(error).toBeInstanceOf(SmsConfigurationError);
    expect(error.provider).toBe('watertel');
    expect(sends(server)).toHaveLength(0);
    const loud = logger.entries.filter((entry) => entry.level === 'error');
    expect(loud).toHaveLength(1);
    expect(loud[0]?.obj).toMatchObject({ provider: 'watertel', request: 'login', status: 401 });
    expect(JSON.stringify(logger.entries)).not.toContain('wrong-secret');
  });

  it('shares one login between sends that start together', async () => {
    const { server, provider } = await setUp();
    const receipts = await Promise.all([provider.send(to, 'a'), provider.send(to, 'b'), provider.send(to, 'c')]);
    expect(logins(server)).toHaveLength(1);
    expect(receipts.map((receipt) => receipt.messageId).sort()).toEqual(['wt-1', 'wt-2', 'wt-3']);
  });

  it.each([
    ['400', { status: 400, body: { error_message: 'invalid phone' } }, SmsBadInputError],
    ['301', { status: 301, headers: { location: 'https://elsewhere.example/' } }, SmsConfigurationError],
    ['403', { status: 403 }, SmsConfigurationError],
    ['404', { status: 404 }, SmsConfigurationError],
    ['500', { status: 500 }, SmsProviderUnavailableError],
    ['503', { status: 503 }, SmsProviderUnavailableError],
    ['429', { status: 429, headers: { 'retry-after': '2' } }, SmsProviderUnavailableError],
    ['200 without an id', { status: 200, body: {} }, SmsConfigurationError],
  ] as const)('maps a %s answer to send by whose fault it is', async (_label, fault, errorClass) => {
    const { server, provider } = await setUp();
    server.fail('/sms', fault);
    const error = await rejection(provider.send(to, 'hi'));
    expect(error).toBeInstanceOf(errorClass);
    expect(sends(server)).toHaveLength(1);
  });

  it.each([
    ['500', { status: 500 }, SmsProviderUnavailableError],
    ['400', { status: 400 }, SmsConfigurationError], // our login request was wrong
    ['200 without a token', { status: 200, body: { expiry: 60 } }, SmsConfigurationError],
    ['200 without an expiry', { status: 200, body: { accessToken: 't' } }, SmsConfigurationError],
  ] as const)('maps a %s answer to login by whose fault it is', async (_label, fault, errorClass) => {
    const { server, provider } = await setUp();
    server.fail('/login', fault);
    const error = await rejection(provider.send(to, 'hi'));
    expect(error).toBeInstanceOf(errorClass);
    expect(sends(server)).toHaveLength(0);
  });

  it('reports a message sent but not answered in time as delivery unknown', async () => {
    const { server, provider } = await setUp({ timeoutMs: 100 });
    server.fail('/sms', 'stall');
    const error = await rejection(provider.send(to, 'hi'));
    expect(error).toBeInstanceOf(SmsDeliveryUnknownError);
    expect(sends(server)).toHaveLength(1);
  });

  it('reports a login not answered in time as provider trouble: nothing was sent', async () => {
    const { server, provider } = await setUp({ timeoutMs: 100 });
    server.fail('/login', 'stall');
    const error = await rejection(provider.send(to, 'hi'));
    expect(error).toBeInstanceOf(SmsProviderUnavailableError);
  });

  it('reports a reset connection as provider trouble', async () => {
    const { server, provider } = await setUp();
    server.fail('/sms', 'reset');
    expect(await rejection(provider.send(to, 'hi'))).toBeInstanceOf(SmsProviderUnavailableError);
  });

  it('reports a refused connection as provider trouble', async () => {
    const provider = new WatertelProvider(
      { url: await refusedUrl(), ...account },
      { logger: recordingLogger(), now: Date.now, timeoutMs: 1000 },
    );
    expect(await rejection(provider.send(to, 'hi'))).toBeInstanceOf(SmsProviderUnavailableError);
  });

  it('never puts URLs, tokens, credentials or status codes in error messages or logs secrets', async () => {
    const { server, provider, logger } = await setUp({ timeoutMs: 100 });
    const faults = [{ status: 400 }, { status: 403 }, { status: 503 }, 'stall', 'reset'] as const;
    server.fail('/sms', ...faults);
    const messages: string[] = [];
    for (let attempt = 0; attempt < faults.length; attempt++) {
      messages.push((await rejection(provider.send(to, 'hi'))).message);
    }
    for (const message of messages) {
      expect(message).not.toMatch(/127\.0\.0\.1|http|wt-token|pa55|blipkart|\b[1-5]\d\d\b/);
    }
    const logged = JSON.stringify(logger.entries);
    expect(logged).not.toContain('wt-token');
    expect(logged).not.toContain(account.password);
  });
});
