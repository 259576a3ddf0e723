import type { FastifyReply, FastifyRequest } from 'fastify';
import { COMPRESS_MIN_BYTES, compressNow, negotiateEncoding } from './compression.js';
import type { SafeHtml } from './html.js';

/** Retry-After on answers given while the database or Redis is unavailable: about a restart's length. */
export const UNAVAILABLE_RETRY_AFTER_S = 5;

export function sendHtml(reply: FastifyReply, body: SafeHtml, status = 200): FastifyReply {
  return sendCompressed(reply.code(status).type('text/html; charset=utf-8'), Buffer.from(body.value));
}

/** A page made for this request, compressed now in the encoding the client takes best. */
export function sendCompressed(reply: FastifyReply, body: Buffer): FastifyReply {
  addVary(reply, 'Accept-Encoding');
  const encoding = body.length < COMPRESS_MIN_BYTES ? 'identity' : negotiateEncoding(reply.request.headers['accept-encoding']);
  if (encoding === 'identity') return reply.send(body);
  return reply.header('Content-Encoding', encoding).send(compressNow(body, encoding));
}

/** Adds a request header to Vary, keeping those already named. */
export function addVary(reply: FastifyReply, field: string): void {
  const current = reply.getHeader('Vary');
  const fields = typeof current === 'string' ? current.split(',').map((f) => f.trim()).filter(Boolean) : [];
  if (!fields.some((f) => f.toLowerCase() === field.toLowerCase())) fields.push(field);
  reply.header('Vary', fields.join(', '));
}

/** Whether the client asked for JSON (fetch from our script) rather than a page. */
export function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  const json = accept.indexOf('application/json');
  if (json === -1) return false;
  const page = accept.indexOf('text/html');
  return page === -1 || json < page;
}

// Any origin will do: it only lets URL resolve a path, and is never sent.
const PLACEHOLDER_ORIGIN = 'http://site.invalid';

/**
 * A path on this site, as URL spells it: percent-encoded, so it fits a
 * Location header whatever the characters (a header holds Latin-1 only).
 * Anything that would leave the site is refused: absolute URLs, "//evil",
 * "/\\evil", and paths that only resolve to "//evil" ("/.//evil").
 */
function sitePath(target: string): string | undefined {
  // Control characters (a newline in a header, a tab browsers strip) are never legitimate here.
  // eslint-disable-next-line no-control-regex
  if (!target.startsWith('/') || /[\u0000-\u001f\u007f]/.test(target)) return undefined;
  let url: URL;
  try {
    url = new URL(target, PLACEHOLDER_ORIGIN);
  } catch {
    return undefined;
  }
  const path = url.pathname + url.search + url.hash;
  return url.origin === PLACEHOLDER_ORIGIN && !path.startsWith('//') ? path : undefined;
}

/** A same-site path to go back to (see sitePath), or the fallback. */
export function safeNext(next: unknown, fallback = '/'): string {
  return (typeof next === 'string' && sitePath(next)) || fallback;
}

/** The path of a same-origin Referer, for sending a plain form post back where it came from. */
export function refererPath(request: FastifyRequest, ownOrigin: string): string | undefined {
  const referer = request.headers.referer;
  if (!referer) return undefined;
  try {
    const url = new URL(referer);
    return url.origin === ownOrigin ? sitePath(url.pathname + url.search) : undefined;
  } catch {
    return undefined;
  }
}
