import type { FastifyRequest } from 'fastify';
import type { RouteDeps } from '../web/route-deps.js';

/**
 * The origin of every link sent by mail: BASE_URL. Outside production
 * without it, this request's origin, for local trials. In production it is
 * never taken from the request: a forged Host header would otherwise point
 * someone's reset link at the forger's site (config.ts refuses SMTP_URL
 * without BASE_URL there, so this cannot throw in a running server).
 */
export function mailLinkOrigin(deps: Pick<RouteDeps, 'config' | 'origin'>, request: FastifyRequest): string {
  if (deps.config.baseUrl) return deps.config.baseUrl;
  if (deps.config.isProduction) throw new Error('links sent by mail need BASE_URL in production');
  return deps.origin(request);
}
