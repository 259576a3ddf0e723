import type { FastifyRequest } from 'fastify';
import type { RouteDeps } from '../web/route-deps.js';

/**
 * The origin of every link sent by mail: BASE_URL. Outside production
 * without it, this request's origin, for local trials. In production a link
 * is never built from the request: a forged Host header would point
 * someone's reset link at the forger's site. (config.ts refuses SMTP_URL
 * without BASE_URL there, so only a forum that sends no mail gets this far,
 * and its links go nowhere.)
 */
export function mailLinkOrigin(deps: Pick<RouteDeps, 'config' | 'origin' | 'services'>, request: FastifyRequest): string {
  if (deps.config.baseUrl) return deps.config.baseUrl;
  if (deps.config.isProduction && deps.services.mail.available) throw new Error('links sent by mail need BASE_URL in production');
  return deps.origin(request);
}
