import { describe, expect, it } from 'vitest';
import {
  SmsBadInputError,
  SmsConfigurationError,
  SmsDeliveryUnknownError,
  SmsProviderUnavailableError,
} from './errors.js';
import { weightedRouter } from './router.js';
import type { SmsSender } from './sender.js';
import { recordingLogger, seededRandom } from './test-support.js';

const to = '+919876543210';

/** A provider that answers with its name, or fails with `error` while it is set. */
function fake(name: string, error?: Error) {
  const state = { calls: 0, error };
  const sender: SmsSender = {
    async send() {
      state.calls++;
      if (state.error) throw state.error;
      return { provider: name, messageId: `${name}-${state.calls}` };
    },
  };
  return Object.assign(state, { sender });
}

async function shares(weights: number[], sends: number, seed: number): Promise<number[]> {
  const providers = weights.map((_, index) => fake(`p${index}`));
  const router = weightedRouter(
    providers.map((provider, index) => [provider.sender, weights[index]!] as const),
    { random: seededRandom(seed) },
  );
  for (let i = 0; i < sends; i++) await router.send(to, 'hi');
  return providers.map((provider) => (provider.calls / sends) * 100);
}

describe('weightedRouter', () => {
  it('splits 10,000 sends 80/20 within 2 percentage points', async () => {
    const [watertel, milio] = await shares([80, 20], 10_000, 42);
    expect(Math.abs(watertel! - 80)).toBeLessThanOrEqual(2);
    expect(Math.abs(milio! - 20)).toBeLessThanOrEqual(2);
  });

  it.each([1, 7, 2024])('splits any number of providers by weight (seed %i)', async (seed) => {
    const split = await shares([50, 30, 15, 5], 10_000, seed);
    [50, 30, 15, 5].forEach((weight, index) => expect(Math.abs(split[index]! - weight)).toBeLessThanOrEqual(2));
  });

  it('treats weights as proportions, not percentages', async () => {
    const [a, b] = await shares([3, 1], 10_000, 9);
    expect(Math.abs(a! - 75)).toBeLessThanOrEqual(2);
    expect(Math.abs(b! - 25)).toBeLessThanOrEqual(2);
  });

  it('picks by where the random number falls in the cumulative weights', async () => {
    const a = fake('a');
    const b = fake('b');
    const pickWith = (value: number) =>
      weightedRouter([[a.sender, 80], [b.sender, 20]], { random: () => value }).send(to, 'hi');
    expect((await pickWith(0)).provider).toBe('a');
    expect((await pickWith(0.7999)).provider).toBe('a');
    expect((await pickWith(0.8)).provider).toBe('b');
    expect((await pickWith(0.9999999)).provider).toBe('b');
  });

  it('fails over to the next provider when the picked one stays in trouble', async () => {
    const a = fake('a', new SmsProviderUnavailableError('down', { provider: 'a' }));
    const b = fake('b');
    const logger = recordingLogger();
    const router = weightedRouter([[a.sender, 80], [b.sender, 20]], { random: () => 0, logger });
    expect(await router.send(to, 'hi')).toEqual({ provider: 'b', messageId: 'b-1' });
    expect(a.calls).toBe(1);
    expect(logger.entries).toEqual([
      expect.objectContaining({ level: 'warn', obj: { provider: 'a', error: 'SmsProviderUnavailableError' } }),
    ]);
  });

  it('fails over when the picked provider is misconfigured', async () => {
    const a = fake('a', new SmsConfigurationError('wrong'));
    const b = fake('b');
    const router = weightedRouter([[a.sender, 1], [b.sender, 1]], { random: () => 0 });
    expect((await router.send(to, 'hi')).provider).toBe('b');
  });

  it('wraps around the list when failing over from the last provider', async () => {
    const a = fake('a');
    const b = fake('b');
    const c = fake('c', new SmsProviderUnavailableError('down'));
    const router = weightedRouter([[a.sender, 1], [b.sender, 1], [c.sender, 1]], { random: () => 0.99 });
    expect((await router.send(to, 'hi')).provider).toBe('a');
    expect(b.calls).toBe(0);
  });

  it.each([
    ['a provider’s 400', new SmsBadInputError('bad')],
    ['an unknown delivery of an ordinary message', new SmsDeliveryUnknownError('maybe')],
    ['a bug', new TypeError('oops')],
  ])('does not fail over on %s', async (_label, error) => {
    const a = fake('a', error);
    const b = fake('b');
    const router = weightedRouter([[a.sender, 1], [b.sender, 1]], { random: () => 0 });
    await expect(router.send(to, 'hi')).rejects.toBe(error);
    expect(b.calls).toBe(0);
  });

  it('fails over on an unknown delivery when the message is critical', async () => {
    const a = fake('a', new SmsDeliveryUnknownError('maybe'));
    const b = fake('b');
    const router = weightedRouter([[a.sender, 1], [b.sender, 1]], { random: () => 0 });
    expect((await router.send(to, 'hi', { critical: true })).provider).toBe('b');
  });

  it('gives up when every provider fails, preferring the error that says trying later may work', async () => {
    const trouble = new SmsProviderUnavailableError('down');
    const a = fake('a', new SmsConfigurationError('wrong'));
    const b = fake('b', trouble);
    const c = fake('c', new SmsConfigurationError('wrong too'));
    const router = weightedRouter([[a.sender, 1], [b.sender, 1], [c.sender, 1]], { random: () => 0 });
    await expect(router.send(to, 'hi')).rejects.toBe(trouble);
    expect([a.calls, b.calls, c.calls]).toEqual([1, 1, 1]);
  });

  it('reports that a critical message may have gone out when no provider confirmed it', async () => {
    const unknown = new SmsDeliveryUnknownError('maybe');
    const a = fake('a', unknown);
    const b = fake('b', new SmsProviderUnavailableError('down'));
    const router = weightedRouter([[a.sender, 1], [b.sender, 1]], { random: () => 0 });
    await expect(router.send(to, 'hi', { critical: true })).rejects.toBe(unknown);
  });

  it('refuses an empty list or unusable weights', () => {
    const a = fake('a');
    expect(() => weightedRouter([])).toThrow(RangeError);
    expect(() => weightedRouter([[a.sender, 0]])).toThrow(RangeError);
    expect(() => weightedRouter([[a.sender, -1]])).toThrow(RangeError);
    expect(() => weightedRouter([[a.sender, Number.NaN]])).toThrow(RangeError);
  });
});
