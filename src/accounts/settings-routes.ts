import type { FastifyPluginAsync } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { RouteDeps } from '../web/route-deps.js';
import { ValidationError } from '../errors.js';
import { currentUser } from '../web/guards.js';
import { sendHtml } from '../web/respond.js';
import { CsrfField, CsrfOnlyBody } from '../web/schemas.js';
import { startFreshSession } from './session-hooks.js';
import { passwordPage, sessionsPage } from './settings-views.js';

/** /settings/…: the signed-in person's own account; registered under that prefix. */
export const settingsRoutes: FastifyPluginAsync<RouteDeps> = async (root, deps) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, sessions } = deps.services;

  app.get(
    '/sessions',
    { config: { access: 'signed-in' }, schema: { querystring: Type.Object({ done: Type.Optional(Type.Literal('password')) }, { additionalProperties: false }) } },
    async (request, reply) => {
      const list = await sessions.listForUser(currentUser(request).id);
      const notice = request.query.done === 'password' ? 'Your password was changed and every other session signed out.' : undefined;
      return sendHtml(reply, sessionsPage(deps.view(request), { sessions: list, currentId: request.session!.id, notice }));
    },
  );

  app.post('/sessions/sign-out-others', { config: { access: 'signed-in' }, schema: { body: CsrfOnlyBody } }, async (request, reply) => {
    await sessions.destroyOthers(currentUser(request).id, request.session!.id);
    return reply.redirect('/settings/sessions/', 303);
  });

  app.get('/password', { config: { access: 'signed-in' } }, async (request, reply) => sendHtml(reply, passwordPage(deps.view(request), {})));

  app.post(
    '/password',
    {
      config: { access: 'signed-in' },
      schema: {
        body: Type.Object(
          { current_password: Type.String({ maxLength: 1000 }), new_password: Type.String({ maxLength: 1000 }), _csrf: CsrfField },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      try {
        await accounts.changePassword(user.id, request.body.current_password, request.body.new_password);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return sendHtml(reply, passwordPage(deps.view(request), { errors: error.fields }), 400);
      }
      // A stolen session dies with the old password; this one continues on a new id.
      await sessions.destroyOthers(user.id);
      await startFreshSession(request, reply, sessions, user.id, request.session!.secondStep);
      return reply.redirect('/settings/sessions/?done=password', 303);
    },
  );
};
