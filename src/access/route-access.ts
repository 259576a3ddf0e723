// Every route declares who may reach it, in its options:
//   config: { access: 'open' | 'public' | 'signed-in' | <permission> }
// 'open' pages are how one gets in (sign-in, sign-up, static files) and stay
// open always; 'public' pages are the forum's content, closed to those
// without forum.view_post when FORUM_PRIVATE is on (the seed's global rule
// in middleware). A route that declares nothing is refused to everyone, and
// a test fails on it, so a forgotten guard cannot ship.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../errors.js';
import { refererPath, wantsJson } from '../web/respond.js';
import type { Permission } from './permissions.js';
import type { Policy } from './policy.js';

export type Access = 'open' | 'public' | 'signed-in' | Permission;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may reach this route (see access/route-access.ts). */
    access?: Access;
  }
}

/** Callers of /api/ that did not ask for a page (scripts, curl) are answered in JSON. */
export function answersInJson(request: FastifyRequest): boolean {
  if (wantsJson(request)) return true;
  return request.url.startsWith('/api/') && !(request.headers.accept ?? '').includes('text/html');
}

/**
 * A visitor where signing in is needed: 401 JSON for API callers; browsers
 * go to the login page and come back afterwards. A form post cannot be
 * replayed after logging in, so it returns to the page it came from.
 */
export async function sendToLogin(request: FastifyRequest, reply: FastifyReply, origin: string): Promise<void> {
  if (answersInJson(request)) {
    await reply.code(401).send({ error: 'Log in first.' });
    return;
  }
  const back = request.method === 'GET' ? request.url : (refererPath(request, origin) ?? '/');
  await reply.redirect(`/login?next=${encodeURIComponent(back)}`, 303);
}

export const NOT_ALLOWED = 'You do not have permission to do that.';

/** Refuses the request unless the user passes `allowed`: visitors are sent to log in, others get 403. */
export async function requireUser(
  request: FastifyRequest,
  reply: FastifyReply,
  origin: string,
  allowed: (user: NonNullable<FastifyRequest['session']>['user']) => boolean,
): Promise<void> {
  const user = request.session?.user;
  if (!user) return sendToLogin(request, reply, origin);
  if (!allowed(user)) throw new ForbiddenError(NOT_ALLOWED);
}

export interface AccessOptions {
  policy: Policy;
  forumPrivate: boolean;
  origin(request: FastifyRequest): string;
}

/** Enforces each route's declared access, right after the session is read. */
export function installAccessRules(app: FastifyInstance, options: AccessOptions): void {
  app.addHook('onRequest', async (request, reply) => {
    // No route matched: the not-found answer is the same for everyone.
    if (request.routeOptions.url === undefined) return;
    const declared = request.routeOptions.config.access;
    const rule = declared === 'public' && options.forumPrivate ? 'forum.view_post' : declared;
    if (rule === 'open' || rule === 'public') return;
    await requireUser(request, reply, options.origin(request), (user) => rule === 'signed-in' || (rule !== undefined && options.policy.has(user, rule)));
  });
}
