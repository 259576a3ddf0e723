import { afterEach, describe, expect, it } from 'vitest';
import { runSmsCli } from './cli.js';
import { readSmsConfig, type SmsConfig } from './config.js';
import { recordingLogger, startWatertelServer, type WatertelServer } from './test-support.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function watertel(): Promise<{ server: WatertelServer; config: SmsConfig }> {
  const server = await startWatertelServer({ username: 'u', password: 'p' });
  cleanups.push(server.close);
  const config = readSmsConfig({
    SMS_PROVIDERS: 'watertel:1',
    WATERTEL_URL: server.url,
    WATERTEL_USERNAME: 'u',
    WATERTEL_PASSWORD: 'p',
    SMS_RETRY_DELAYS_MS: '0,5',
    SMS_TIMEOUT_MS: '150',
  });
  return { server, config };
}

async function run(args: string[], config: SmsConfig) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const logger = recordingLogger();
  const code = await runSmsCli(args, config, {
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
    logger,
  });
  return { code, stdout, stderr, logger };
}

const send = (...extra: string[]) => ['send', '--to', '+919876543210', '--message', 'Test from charcha', ...extra];

describe('charcha sms send', () => {
  it('sends through the configured provider, prints the receipt and exits 0', async () => {
    const { server, config } = await watertel();
    const result = await run(send('--priority', 'high'), config);
    expect(result).toMatchObject({ code: 0, stdout: ['sent via watertel, id wt-1'], stderr: [] });
    expect(server.requestsTo('/sms')[0]?.body).toEqual({
      message: 'Test from charcha',
      phone: '+919876543210',
      priority: 'high',
    });
  });

  it('accepts --flag=value and sends normal priority by default', async () => {
    const { server, config } = await watertel();
    const result = await run(['send', '--to=98765 43210', '--message=hi'], config);
    expect(result.code).toBe(0);
    expect(server.requestsTo('/sms')[0]?.body).toEqual({ message: 'hi', phone: '+919876543210', priority: 'normal' });
  });

  it('uses the console provider when none is configured, logging to stderr by default', async () => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = await runSmsCli(send(), readSmsConfig({}), {
      stdout: (line) => stdout.push(line),
      stderr: (line) => stderr.push(line),
    });
    expect(code).toBe(0);
    expect(stdout).toEqual([expect.stringMatching(/^sent via console, id [0-9a-f-]{36}$/)]);
    expect(stderr).toEqual([expect.stringContaining('info: SMS not sent')]);
    expect(stderr[0]).toContain('Test from charcha');
  });

  it.each([
    ['a bad number', ['send', '--to', '12345', '--message', 'hi'], 2, /^InvalidPhoneNumberError: /],
    ['an empty message', ['send', '--to', '+919876543210', '--message', ''], 2, /^InvalidMessageError: Message is empty$/],
  ])('exits 2 for %s', async (_label, args, code, line) => {
    const { server, config } = await watertel();
    const result = await run(args, config);
    expect(result.code).toBe(code);
    expect(result.stdout).toEqual([]);
    expect(result.stderr).toEqual([expect.stringMatching(line)]);
    expect(server.requests).toEqual([]);
  });

  it.each([
    ['a provider refusing the input', '/sms', { status: 400, body: { error_message: 'no' } }, 3, 'SmsBadInputError'],
    ['refused credentials', '/login', { status: 401 }, 4, 'SmsConfigurationError'],
    ['a provider in trouble', '/sms', { status: 503 }, 5, 'SmsProviderUnavailableError'],
    ['no answer', '/sms', 'stall', 6, 'SmsDeliveryUnknownError'],
  ] as const)('exits %#+3 for %s', async (_label, path, fault, code, name) => {
    const { server, config } = await watertel();
    server.failAlways(path, fault);
    const result = await run(send(), config);
    expect(result.code).toBe(code);
    expect(result.stdout).toEqual([]);
    expect(result.stderr).toHaveLength(1);
    expect(result.stderr[0]).toMatch(new RegExp(`^${name}: \\S`));
    expect(result.stderr[0]).not.toMatch(/127\.0\.0\.1|wt-token|\b[1-5]\d\d\b/);
  });

  it('retries provider trouble before giving up', async () => {
    const { server, config } = await watertel();
    server.failAlways('/sms', { status: 502 });
    const result = await run(send(), config);
    expect(result.code).toBe(5);
    expect(server.requestsTo('/sms')).toHaveLength(3);
  });

  it.each([
    [[]],
    [['send']],
    [['send', '--to', '+919876543210']],
    [['send', '--message', 'hi']],
    [['receive', '--to', '+919876543210', '--message', 'hi']],
    [[...send(), '--priority', 'urgent']],
    [[...send(), '--cc', '+14155550100']],
    [[...send(), 'extra']],
  ])('exits 2 with the usage for bad arguments: %j', async (args) => {
    const { server, config } = await watertel();
    const result = await run(args, config);
    expect(result.code).toBe(2);
    expect(result.stdout).toEqual([]);
    expect(result.stderr.at(-1)).toMatch(/^usage: charcha sms send --to NUMBER --message TEXT/);
    expect(server.requests).toEqual([]);
  });

  it('prints the usage on stdout for --help', async () => {
    const result = await run(['--help'], readSmsConfig({}));
    expect(result).toMatchObject({ code: 0, stdout: [expect.stringMatching(/^usage: /)], stderr: [] });
  });
});
