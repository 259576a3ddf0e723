// One log line per request (Fastify writes two by default), and a readable
// form of each line for a terminal. JSON stays the production format: log
// collectors parse it. The readable form is ours, a few lines rather than
// pino-pretty, so it needs no package that `npm ci --omit=dev` would leave out.
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from './config.js';

/** Logs each request once, when answered: method, URL, status and time. */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  // The request's own line says 404.
  override routeNotFound(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { method: request.method, url: request.url, statusCode: reply.statusCode, responseTime: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

export interface LineWriter {
  write(text: string): unknown;
}

/** Fastify's `logger` option: pino's JSON on stdout, or lines made readable on the way. */
export function loggerOptions(config: Pick<Config, 'logLevel' | 'logFormat'>, out: LineWriter & { isTTY?: boolean } = process.stdout) {
  if (config.logFormat === 'json') return { level: config.logLevel };
  return { level: config.logLevel, stream: readableLines(out, out.isTTY === true) };
}

const LEVELS: Record<number, [name: string, colour: number]> = {
  10: ['TRACE', 90],
  20: ['DEBUG', 36],
  30: ['INFO', 32],
  40: ['WARN', 33],
  50: ['ERROR', 31],
  60: ['FATAL', 35],
};
// Said by every line, or by the time and level already.
const UNSHOWN = new Set(['level', 'time', 'pid', 'hostname', 'reqId', 'msg', 'err']);

/** Turns pino's JSON lines into `12:04:31 INFO  GET /new 200 4.2 ms`; other fields follow as key=value. */
export function readableLines(out: LineWriter, colour: boolean): LineWriter {
  return {
    write(json: string) {
      const entry = JSON.parse(json) as Record<string, unknown>;
      const [name, code] = LEVELS[entry.level as number] ?? ['LOG', 0];
      const level = colour ? `\x1b[${code}m${name.padEnd(5)}\x1b[0m` : name.padEnd(5);
      const time = new Date(entry.time as number).toTimeString().slice(0, 8);
      const isRequest = entry.msg === 'request completed' || entry.msg === 'request errored';
      const text = isRequest
        ? `${String(entry.method)} ${String(entry.url)} ${String(entry.statusCode)} ${Number(entry.responseTime).toFixed(1)} ms`
        : typeof entry.msg === 'string' ? entry.msg : '';
      const fields = isRequest
        ? ''
        : Object.entries(entry)
            .filter(([key]) => !UNSHOWN.has(key))
            .map(([key, value]) => ` ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
            .join('');
      const err = entry.err as { stack?: string } | undefined;
      const stack = err?.stack ? '\n  ' + err.stack.replaceAll('\n', '\n  ') : '';
      return out.write(`${time} ${level} ${text}${fields}${stack}\n`);
    },
  };
}
