import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendHtml, wantsJson } from '../web/respond.js';
import { html } from '../web/html.js';
import { PRESESSION_COOKIE, UNSAFE_METHODS, crossOriginProblem, secretsEqual, submittedToken, type PresessionTokens } from './csrf.js';
import { errorPage } from '../web/error-page.js';
import type { ViewContext } from '../web/context.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * "presession": a form for visitors (login, signup) carrying the signed token.
     * "signed-url": no check at all: the route acts only on what a signed token in its
     * address names (a mail program's one-click unsubscribe, RFC 8058, posts without cookie or form token).
     */
    csrf?: 'presession' | 'signed-url';
  }
}

interface CsrfOptions {
  presession: PresessionTokens;
  origin(request: FastifyRequest): string;
  trustedOrigins: readonly string[];
  view(request: FastifyRequest): ViewContext;
}

/**
 * Runs before validation, so a forged request is refused before anything
 * else looks at it. Visitors without a session on other routes have nothing
 * to forge: their routes' sign-in guard answers them.
 */
export function installCsrfProtection(app: FastifyInstance, options: CsrfOptions): void {
  app.addHook('preValidation', async (request, reply) => {
    if (!UNSAFE_METHODS.has(request.method) || request.routeOptions.config.csrf === 'signed-url') return;
    let problem = crossOriginProblem(request, options.origin(request), options.trustedOrigins);
    if (!problem) {
      const token = submittedToken(request);
      if (request.routeOptions.config.csrf === 'presession') {
        if (!options.presession.verify(request.cookies[PRESESSION_COOKIE], token)) {
          problem = 'The form had expired or did not come from this site.';
        }
      } else if (request.session && !(token && secretsEqual(token, request.session.csrfToken))) {
        problem = 'The form had expired or did not come from this site.';
      }
    }
    if (!problem) return;
    request.log.warn({ reason: problem, url: request.url }, 'CSRF check refused a request');
    if (wantsJson(request)) return reply.code(403).send({ error: `${problem} Reload the page and try again.` });
    return sendHtml(
      reply,
      errorPage(
        options.view(request),
        403,
        problem,
        html`<p>Nothing was changed. Go back, reload the page, and try again. If you use several tabs, a log in or log out in another one makes older forms stale.</p>`,
      ),
      403,
    );
  });
}
