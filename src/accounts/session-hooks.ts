import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../db/faults.js';
import { DependencyUnavailableError } from '../errors.js';
import type { CurrentSession, Reissued, SessionStore } from './sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user's session, or null for a visitor (who gets no session at all). */
    session: CurrentSession | null;
  }
  interface FastifyContextConfig {
    /** false: the route serves everyone as a visitor (framed views): no lookup, no cookie touched. */
    session?: false;
  }
}

// Browsers only accept __Host- cookies over HTTPS; plain-HTTP development keeps the bare name.
export function sessionCookieName(request: FastifyRequest): string {
  return request.protocol === 'https' ? '__Host-sid' : 'sid';
}

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number): void {
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

/**
 * Signs the user in on a new session id, ending the one the request came
 * with (session fixation): at login, and at any change of privilege.
 */
export async function startFreshSession(request: FastifyRequest, reply: FastifyReply, store: SessionStore, userId: number, secondStep = false): Promise<void> {
  if (request.session) await store.retire(request.session);
  const token = await store.create(userId, { userAgent: request.headers['user-agent'] ?? '', ip: request.ip, secondStep });
  setSessionCookie(request, reply, token, store.maxAgeSeconds);
}

/** Sends the new cookie when the store keeps the session in it (SESSION_STORE=cookie). */
function reissue(request: FastifyRequest, reply: FastifyReply, store: SessionStore, value: Reissued): void {
  if (value !== undefined) setSessionCookie(request, reply, value, store.maxAgeSeconds);
}

/** The signed-in person proved who they are again (a password, a second step): recorded on the request's session. */
export async function confirmSession(request: FastifyRequest, reply: FastifyReply, store: SessionStore, secondStep: boolean): Promise<void> {
  reissue(request, reply, store, await store.confirm(request.session!, secondStep));
}

/** Ends every other session of the signed-in person; this one carries on. */
export async function signOutOtherSessions(request: FastifyRequest, reply: FastifyReply, store: SessionStore): Promise<void> {
  const session = request.session!;
  reissue(request, reply, store, await store.destroyOthers(session.user.id, session));
}

/** Loads the session named by the cookie (one query), and records "last seen" at most once a minute. */
export function installSessions(app: FastifyInstance, store: SessionStore): void {
  app.decorateRequest('session', null);
  app.addHook('onClose', () => store.close());
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.session === false) return;
    const token = request.cookies[sessionCookieName(request)];
    if (!token) return;
    const session = await store.lookup(token);
    if (!session) {
      clearSessionCookie(request, reply);
      return;
    }
    request.session = session;
    // "Last seen" is a nicety: a database too busy to write it must not fail a page that only reads.
    const touched = await store.touch(session).catch((error: unknown) => {
      if (!isDatabaseUnavailable(error) && !(error instanceof DependencyUnavailableError)) throw error;
      request.log.warn({ err: error }, 'session last-seen not recorded');
      return undefined;
    });
    reissue(request, reply, store, touched);
  });
}
