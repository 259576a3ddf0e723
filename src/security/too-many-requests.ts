import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SafeHtml } from '../web/html.js';
import { sendHtml, wantsJson } from '../web/respond.js';

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** A wait in words, rounded up: "45 seconds", "3 minutes", "1 hour 5 minutes". */
export function waitInWords(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return plural(seconds, 'second');
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${plural(hours, 'hour')} ${plural(minutes % 60, 'minute')}` : plural(hours, 'hour');
}

/** 429 with Retry-After: `{ error }` for JSON callers, else the page. */
export function sendTooManyRequests(request: FastifyRequest, reply: FastifyReply, retryAfterMs: number, message: string, page: () => SafeHtml): FastifyReply {
  reply.header('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  if (wantsJson(request)) return reply.code(429).send({ error: message });
  return sendHtml(reply, page(), 429);
}
