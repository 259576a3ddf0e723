import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CurrentSession, SessionStore } from './sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user's session, or null for a visitor (who gets no session at all). */
    session: CurrentSession | null;
  }
}

// Browsers only accept __Host- cookies over HTTPS; plain-HTTP development keeps the bare name.
export function sessionCookieName(request: FastifyRequest): string {
  return request.protocol === 'https' ? '__Host-sid' : 'sid';
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  reply.setCookie(sessionCookieName(request), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    maxAge: maxAgeSeconds,
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(sessionCookieName(request), { path: '/', secure: request.protocol === 'https' });
}

/** Loads the session named by the cookie: one query, and a "last seen" write at most once a minute. */
export function installSessions(app: FastifyInstance, store: SessionStore): void {
  app.decorateRequest('session', null);
  app.addHook('onRequest', async (request, reply) => {
    const token = request.cookies[sessionCookieName(request)];
    if (!token) return;
    const session = await store.lookup(token);
    if (!session) {
      clearSessionCookie(request, reply);
      return;
    }
    request.session = session;
    await store.touch(session);
  });
}
