import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SafeHtml } from './html.js';

export function sendHtml(reply: FastifyReply, body: SafeHtml, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body.value);
}

/** Whether the client asked for JSON (fetch from our script) rather than a page. */
export function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  const json = accept.indexOf('application/json');
  if (json === -1) return false;
  const page = accept.indexOf('text/html');
  return page === -1 || json < page;
}

/**
 * A same-site path to go back to, or the fallback. Only paths on this site:
 * "//evil.example", "/\\evil.example" and absolute URLs are refused.
 */
export function safeNext(next: unknown, fallback = '/'): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  // Control characters (a newline in a Location header, a tab browsers strip) are never legitimate here.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(next)) return fallback;
  return next;
}

/** The path of a same-origin Referer, for sending a plain form post back where it came from. */
export function refererPath(request: FastifyRequest, ownOrigin: string): string | undefined {
  const referer = request.headers.referer;
  if (!referer) return undefined;
  try {
    const url = new URL(referer);
    return url.origin === ownOrigin ? url.pathname + url.search : undefined;
  } catch {
    return undefined;
  }
}
