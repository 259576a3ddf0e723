import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ViewContext } from '../web/context.js';
import type { RouteDeps } from '../web/route-deps.js';
import { ValidationError } from '../errors.js';
import { presessionToken as issuePresessionToken } from '../security/csrf.js';
import { sendTooManyRequests, waitInWords } from '../security/too-many-requests.js';
import { safeNext, sendHtml } from '../web/respond.js';
import { CsrfField, CsrfOnlyBody, PageQuery } from '../web/schemas.js';
import { signInRefusal } from './service.js';
import { clearSessionCookie } from './session-hooks.js';
import { loginPage as renderLoginPage, profilePage, signupPage } from './views.js';
import { PAGE_SIZE } from '../forum/posts.js';
import { mailLinkOrigin } from '../mail/links.js';
import { family } from '../cache/changes.js';

const Next = Type.Optional(Type.String({ maxLength: 2000 }));

export const accountRoutes: FastifyPluginAsync<RouteDeps> = async (root, deps) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, sessions, posts, comments } = deps.services;

  const presessionToken = (request: FastifyRequest, reply: FastifyReply) => issuePresessionToken(request, reply, deps.presession);
  // Every login page offers the configured "Sign in with …" buttons.
  const providers = deps.services.signInProviders.enabled();
  const loginPage = (view: ViewContext, o: Omit<Parameters<typeof renderLoginPage>[1], 'providers'>) => renderLoginPage(view, { ...o, providers });

  app.get('/signup', { config: { access: 'open' }, schema: { querystring: Type.Object({ next: Next }, { additionalProperties: false }) } }, async (request, reply) => {
    const next = safeNext(request.query.next);
    if (request.session) return reply.redirect(next, 303);
    return sendHtml(reply, signupPage(deps.view(request, presessionToken(request, reply)), { values: {}, next }));
  });

  app.post(
    '/signup',
    {
      config: { access: 'open', csrf: 'presession', speedLimit: 'signup' },
      schema: {
        body: Type.Object(
          {
            username: Type.String({ maxLength: 200 }),
            password: Type.String({ maxLength: 1000 }),
            email: Type.Optional(Type.String({ maxLength: 400 })),
            next: Next,
            _csrf: CsrfField,
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { username, password, email } = request.body;
      const next = safeNext(request.body.next);
      try {
        const user = await accounts.signup({ username, password, email });
        deps.services.email.sendVerification(user, mailLinkOrigin(deps, request));
        return await deps.signIn.signIn(request, reply, user.id, next, false);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const view = deps.view(request, presessionToken(request, reply));
        return sendHtml(reply, signupPage(view, { values: { username, email: email ?? '' }, errors: error.fields, next }), 400);
      }
    },
  );

  app.get('/login', { config: { access: 'open' }, schema: { querystring: Type.Object({ next: Next }, { additionalProperties: false }) } }, async (request, reply) => {
    const next = safeNext(request.query.next);
    if (request.session) return reply.redirect(next, 303);
    return sendHtml(reply, loginPage(deps.view(request, presessionToken(request, reply)), { next }));
  });

  app.post(
    '/login',
    {
      config: { access: 'open', csrf: 'presession' },
      schema: {
        body: Type.Object(
          { username: Type.String({ maxLength: 200 }), password: Type.String({ maxLength: 1000 }), next: Next, _csrf: CsrfField },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const next = safeNext(request.body.next);
      const { username, password } = request.body;
      const outcome = await deps.limits.login.attempt(request.ip, username, () => accounts.authenticate(username, password));
      const view = deps.view(request, presessionToken(request, reply));
      if (outcome.kind === 'signed-in') {
        // Told only to whoever knows the password: a ban is no one else's business.
        const refusal = signInRefusal(outcome.user, deps.now());
        if (refusal) return sendHtml(reply, loginPage(view, { username, error: refusal, next }), 403);
        return deps.signIn.afterFirstStep(request, reply, outcome.user.id, next);
      }
      if (outcome.kind === 'locked') {
        const error = `Too many failed log-in attempts. Try again in ${waitInWords(outcome.retryAfterMs)}.`;
        return sendTooManyRequests(request, reply, outcome.retryAfterMs, error, () => loginPage(view, { username, error, next }));
      }
      return sendHtml(reply, loginPage(view, { username, error: 'Wrong username or password.', next }), 400);
    },
  );

  app.post('/logout', { config: { access: 'open' }, schema: { body: CsrfOnlyBody } }, async (request, reply) => {
    // A copied cookie must be worthless afterwards (with SESSION_STORE=cookie that ends every session of the person).
    if (request.session) await sessions.signOut(request.session);
    clearSessionCookie(request, reply);
    // The browser forgets what it kept of this person: the HTTP cache, and the service worker's
    // saved pages with the worker itself (it registers again on the next page).
    reply.header('Clear-Site-Data', '"cache", "storage"');
    return reply.redirect('/', 303);
  });

  app.get(
    '/profile/:username',
    { config: { access: 'public' }, schema: { params: Type.Object({ username: Type.String({ maxLength: 100 }) }), querystring: PageQuery } },
    async (request, reply) => {
      // The name's owner never changes (a deleted account loses its name), so it may be read before the stamp.
      const { id } = await accounts.requireByUsername(request.params.username);
      return deps.pages.send(request, reply, [family.lists, family.user(id)], async () => {
        const user = await accounts.requireByUsername(request.params.username);
        const page = request.query.page ?? 1;
        const [postPage, commentPage] = await Promise.all([posts.list('new', page, user.id), comments.listByAuthor(user.id, page, PAGE_SIZE)]);
        return profilePage(deps.view(request), { user, posts: postPage.posts, comments: commentPage.comments, page, hasMore: postPage.hasMore || commentPage.hasMore });
      });
    },
  );
};
