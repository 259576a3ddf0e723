import type { FastifyRequest } from 'fastify';
import type { SignInFlow } from '../accounts/two-step/sign-in-flow.js';
import type { Config } from '../config.js';
import type { Clock } from '../errors.js';
import type { PresessionTokens } from '../security/csrf.js';
import type { RateLimits } from '../security/rate-limits.js';
import type { Services } from '../services.js';
import type { ViewContext } from './context.js';
import type { PageCache } from './page-cache.js';

/** What each feature's route plugin receives: services and the request-level helpers. */
export interface RouteDeps {
  services: Services;
  config: Config;
  presession: PresessionTokens;
  view(request: FastifyRequest, csrfToken?: string): ViewContext;
  /** This site's origin: BASE_URL, else the request's. */
  origin(request: FastifyRequest): string;
  limits: RateLimits;
  /** Every way in ends through it: the second step, then a fresh session. */
  signIn: SignInFlow;
  now: Clock;
  /** Visitors' pages, made once per version of what they show. */
  pages: PageCache;
}
