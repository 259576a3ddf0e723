import type { FastifyInstance } from 'fastify';

// Pages carry no inline script or style, so the policy needs no nonces and no
// 'unsafe-inline'. Framing is refused everywhere (clickjacking).
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply) => {
    reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    reply.header('X-Frame-Options', 'DENY');
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'same-origin');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    // Signed-in pages are personal; visitors' pages may be cached (they set no cookie).
    if (request.session) reply.header('Cache-Control', 'private, no-store');
    else if (!reply.hasHeader('Cache-Control')) reply.header('Cache-Control', 'no-cache');
    reply.header('Vary', 'Cookie');
  });
}
