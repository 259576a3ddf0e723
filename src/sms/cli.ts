import { parseArgs } from 'node:util';
import type { SmsConfig } from './config.js';
import { createSmsSender } from './create-sender.js';
import { SmsError } from './errors.js';
import type { Priority, SmsLogger } from './sender.js';

export interface SmsCliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** Where retries, failovers and provider details are logged; stderr by default. */
  logger?: SmsLogger;
}

const USAGE = 'usage: charcha sms send --to NUMBER --message TEXT [--priority normal|high]';

// Exit codes tell an operator's script whose fault a failure was.
const EXIT_CODES: ReadonlyMap<string, number> = new Map([
  ['InvalidPhoneNumberError', 2],
  ['InvalidMessageError', 2],
  ['SmsBadInputError', 3],
  ['SmsConfigurationError', 4],
  ['SmsProviderUnavailableError', 5],
  ['SmsDeliveryUnknownError', 6],
]);

/**
 * `charcha sms send …`: sends one message with the configured providers, so
 * an operator can check the setup. `args` is what follows `charcha sms`.
 */
export async function runSmsCli(args: string[], config: SmsConfig, io: SmsCliIo): Promise<number> {
  const request = parseSendArgs(args);
  if (request.kind === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  if (request.kind === 'bad-arguments') {
    io.stderr(request.problem);
    io.stderr(USAGE);
    return 2;
  }
  const sender = createSmsSender(config, { logger: io.logger ?? stderrLogger(io.stderr) });
  try {
    const receipt = await sender.send(request.to, request.message, { priority: request.priority });
    io.stdout(`sent via ${receipt.provider}, id ${receipt.messageId}`);
    return 0;
  } catch (error) {
    // Anything else is a bug, not an SMS outcome: the app's CLI reports it.
    if (!(error instanceof SmsError) || !EXIT_CODES.has(error.name)) throw error;
    io.stderr(`${error.name}: ${error.message}`);
    return EXIT_CODES.get(error.name)!;
  }
}

type CliRequest =
  | { kind: 'send'; to: string; message: string; priority: Priority }
  | { kind: 'help' }
  | { kind: 'bad-arguments'; problem: string };

function parseSendArgs(args: string[]): CliRequest {
  const bad = (problem: string): CliRequest => ({ kind: 'bad-arguments', problem });
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        to: { type: 'string' },
        message: { type: 'string' },
        priority: { type: 'string', default: 'normal' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return bad((error as Error).message);
  }
  const { positionals, values } = parsed;
  if (values.help === true || positionals[0] === 'help') return { kind: 'help' };
  if (positionals.length !== 1 || positionals[0] !== 'send') {
    return bad(positionals.length === 0 ? 'missing command' : `unknown command: ${positionals.join(' ')}`);
  }
  if (values.to === undefined) return bad('missing --to');
  if (values.message === undefined) return bad('missing --message');
  if (values.priority !== 'normal' && values.priority !== 'high') {
    return bad(`--priority must be normal or high, not ${values.priority}`);
  }
  return { kind: 'send', to: values.to, message: values.message, priority: values.priority };
}

function stderrLogger(write: (line: string) => void): SmsLogger {
  const log = (level: string) => (obj: object, msg?: string) =>
    write(`${level}: ${msg ?? ''} ${JSON.stringify(obj)}`);
  return { info: log('info'), warn: log('warn'), error: log('error') };
}
