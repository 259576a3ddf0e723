import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_FRAMING, framingPolicies, type FramingHeaders } from './framing.js';
import { addVary } from '../web/respond.js';

// Our own scripts and styles come from our origin, and nothing inline runs
// (no nonce, never 'unsafe-inline'): pages carry no inline code, so one page
// body serves every visitor and a cache may keep it. Who may frame a page is
// the route's rule.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https:",
  // The service worker (/sw.js) and the web app manifest: our own, named for the reader of the policy.
  "worker-src 'self'",
  "manifest-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

// A year, and for subdomains too: a forum on HTTPS has no reason to go back.
const STRICT_TRANSPORT_SECURITY = 'max-age=31536000; includeSubDomains';

export interface SecurityHeaderOptions {
  /** Origins allowed to frame `framing: 'embed'` routes; any site when empty. */
  embedOrigins: readonly string[];
}

/** The headers every answer carries, whoever produced it: CSP, framing, sniffing, referrer, opener. */
export function securityHeaders(rule: FramingHeaders): Record<string, string> {
  return {
    'Content-Security-Policy': `${CONTENT_SECURITY_POLICY}; frame-ancestors ${rule.frameAncestors}`,
    ...(rule.xFrameOptions ? { 'X-Frame-Options': rule.xFrameOptions } : {}),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

function headerSetter(options: SecurityHeaderOptions): (request: FastifyRequest, reply: FastifyReply) => void {
  const framing = framingPolicies(options.embedOrigins);
  return (request, reply) => {
    // As in Django, an exemption covers the route's own pages: its error pages
    // come from the error handler, with the site's chrome, and are never framed.
    const declared = request.routeOptions.config.framing ?? DEFAULT_FRAMING;
    const rule = framing[reply.statusCode < 400 ? declared : DEFAULT_FRAMING];
    reply.headers(securityHeaders(rule));
    // request.protocol believes X-Forwarded-Proto only with TRUST_PROXY; browsers ignore HSTS over HTTP anyway.
    if (request.protocol === 'https') reply.header('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY);
    // Signed-in pages are personal; visitors' pages may be cached (they set no cookie).
    if (request.session) reply.header('Cache-Control', 'private, no-store');
    else if (!reply.hasHeader('Cache-Control')) reply.header('Cache-Control', 'no-cache');
    // Routes that never read the session (static files, the embed view, probes) answer everyone alike.
    if (request.routeOptions.config.session !== false) addVary(reply, 'Cookie');
  };
}

/**
 * On every response, whatever produced it (route, 404, error handler, CSRF
 * refusal, static file, redirect): onSend is the one hook they all pass.
 */
export function installSecurityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): void {
  const setHeaders = headerSetter(options);
  app.addHook('onSend', async (request, reply) => setHeaders(request, reply));
}

/** For answers no hook sees (src/security/edge-errors.ts): never framed. */
export const setHeadersOutsideRoutes = headerSetter({ embedOrigins: [] });
