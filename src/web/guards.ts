import type { FastifyRequest } from 'fastify';
import type { SessionUser } from '../accounts/sessions.js';

/** The signed-in user on a route whose declared access needs one (access/route-access.ts). */
export function currentUser(request: FastifyRequest): SessionUser {
  if (!request.session) throw new Error('currentUser() on a route open to visitors');
  return request.session.user;
}
