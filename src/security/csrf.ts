// CSRF defences, after Django's: the Origin of an unsafe request, whenever
// present, must be this site's; on HTTPS a request without Origin needs a
// same-origin Referer; a browser's "Sec-Fetch-Site: cross-site" is refused.
// Then a token: the session's own (kept server-side), or for the login and
// signup forms, a signed token bound to a short-lived SameSite=Strict cookie.
import type {} from '@fastify/cookie';
import { createHmac, randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const PRESESSION_COOKIE = 'csrf_pre';
export const PRESESSION_MAX_AGE_S = 2 * 3600;

/** Compares secrets in constant time, whatever their lengths. */
export function secretsEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b)) && a.length === b.length;
}

export function siteOrigin(request: FastifyRequest, baseUrl: string | undefined): string {
  // Through URL, so a default port ("localhost:80") compares equal to a browser's Origin.
  return baseUrl ?? new URL(`${request.protocol}://${request.host}`).origin;
}

/** Why the request does not come from this site's own pages, or null. */
export function crossOriginProblem(request: FastifyRequest, ownOrigin: string, trustedOrigins: readonly string[]): string | null {
  if (request.headers['sec-fetch-site'] === 'cross-site') return 'The request came from another site.';
  const origin = request.headers.origin;
  if (origin !== undefined) {
    return origin === ownOrigin || trustedOrigins.includes(origin) ? null : 'The request came from another origin.';
  }
  if (ownOrigin.startsWith('https:')) {
    const referer = request.headers.referer;
    if (!referer) return 'The request carried neither Origin nor Referer.';
    let refererOrigin: string;
    try {
      refererOrigin = new URL(referer).origin;
    } catch {
      return 'The request carried a malformed Referer.';
    }
    if (refererOrigin !== ownOrigin && !trustedOrigins.includes(refererOrigin)) return 'The request came from another origin.';
  }
  return null;
}

/** The token a form or fetch sent (form field `_csrf`, or header X-CSRF-Token / X-CSRFToken), unmasked. */
export function submittedToken(request: FastifyRequest): string | undefined {
  const header = request.headers['x-csrf-token'] || request.headers['x-csrftoken'];
  if (typeof header === 'string') return unmaskToken(header);
  const body = request.body as Record<string, unknown> | undefined;
  return body && typeof body._csrf === 'string' ? unmaskToken(body._csrf) : undefined;
}

const MASK_SEPARATOR = '~';

const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((byte, i) => byte ^ b[i]!));

/**
 * The token as a page carries it: XORed with fresh random bytes each time
 * (as Django masks it), so a compressed page never repeats the secret's
 * bytes and a BREACH attack, guessing it from response sizes, has nothing
 * stable to find.
 */
export function maskToken(token: string): string {
  const secret = Buffer.from(token);
  const mask = randomBytes(secret.length);
  return `${mask.toString('base64url')}${MASK_SEPARATOR}${xor(secret, mask).toString('base64url')}`;
}

/** The token behind a masked one; anything else as it came (a wrong token stays wrong). */
export function unmaskToken(value: string): string {
  const [mask, masked, ...rest] = value.split(MASK_SEPARATOR);
  if (mask === undefined || masked === undefined || rest.length > 0) return value;
  const maskBytes = Buffer.from(mask, 'base64url');
  const maskedBytes = Buffer.from(masked, 'base64url');
  return maskBytes.length === maskedBytes.length ? xor(maskedBytes, maskBytes).toString() : value;
}

/** Session-less tokens for the login and signup forms (login CSRF). */
export class PresessionTokens {
  /** `fallbacks`: SECRET_KEY_FALLBACKS, so forms served before a key rotation still post. */
  constructor(
    private readonly secret: string,
    private readonly fallbacks: readonly string[] = [],
  ) {}

  newCookieValue(): string {
    return randomBytes(24).toString('base64url');
  }

  tokenFor(cookieValue: string, key = this.secret): string {
    return createHmac('sha256', key).update(`csrf-presession:${cookieValue}`).digest('base64url');
  }

  verify(cookieValue: string | undefined, token: string | undefined): boolean {
    if (!cookieValue || !token) return false;
    return [this.secret, ...this.fallbacks].some((key) => secretsEqual(this.tokenFor(cookieValue, key), token));
  }
}

/** The visitor's sign-in-form token (login, signup, password reset, provider sign-in), from their cookie or a new one. */
export function presessionToken(request: FastifyRequest, reply: FastifyReply, presession: PresessionTokens): string {
  let value = request.cookies[PRESESSION_COOKIE];
  if (!value || value.length > 100) {
    value = presession.newCookieValue();
    reply.setCookie(PRESESSION_COOKIE, value, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: request.protocol === 'https',
      maxAge: PRESESSION_MAX_AGE_S,
    });
  }
  return presession.tokenFor(value);
}
