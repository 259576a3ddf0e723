import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionUser } from '../accounts/sessions.js';
import { siteOrigin } from '../security/csrf.js';
import { refererPath, wantsJson } from './respond.js';

/**
 * preHandler for routes that need a signed-in user: JSON clients get 401,
 * browsers go to the login page and come back here afterwards.
 */
export async function requireSignIn(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.session) return;
  if (wantsJson(request)) {
    await reply.code(401).send({ error: 'Log in first.' });
    return;
  }
  // After logging in, a form post cannot be replayed: return to the page it came from.
  const back = request.method === 'GET' ? request.url : (refererPath(request, siteOrigin(request, undefined)) ?? '/');
  await reply.redirect(`/login?next=${encodeURIComponent(back)}`, 303);
}

/** The signed-in user on a route guarded by requireSignIn. */
export function currentUser(request: FastifyRequest): SessionUser {
  if (!request.session) throw new Error('currentUser() on a route without requireSignIn');
  return request.session.user;
}
