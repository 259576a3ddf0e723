import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { RouteDeps } from '../web/route-deps.js';
import { ForbiddenError, ValidationError } from '../errors.js';
import type { FieldErrors } from '../web/forms.js';
import { currentUser } from '../web/guards.js';
import { sendHtml } from '../web/respond.js';
import { CsrfField, CsrfOnlyBody } from '../web/schemas.js';
import { accountDeletedPage, deleteAccountPage } from './deletion-views.js';
import { clearSessionCookie, signOutOtherSessions, startFreshSession } from './session-hooks.js';
import { passwordPage, sessionsPage } from './settings-views.js';
import { askToConfirmIfStale } from './two-step/recent-auth.js';

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
      return sendHtml(reply, sessionsPage(deps.view(request), { sessions: list, currentId: request.session!.id, listed: sessions.listsSessions, notice }));
    },
  );

  app.post('/sessions/sign-out-others', { config: { access: 'signed-in' }, schema: { body: CsrfOnlyBody } }, async (request, reply) => {
    await signOutOtherSessions(request, reply, sessions);
    return reply.redirect('/settings/sessions/', 303);
  });

  const passwordForm = async (request: FastifyRequest, reply: FastifyReply, errors?: FieldErrors) =>
    sendHtml(reply, passwordPage(deps.view(request), { hasPassword: await accounts.hasPassword(currentUser(request).id), errors }), errors ? 400 : 200);

  app.get('/password', { config: { access: 'signed-in' } }, async (request, reply) => {
    const ask = askToConfirmIfStale(request, reply, deps.now, '/settings/password/');
    return ask ?? passwordForm(request, reply);
  });

  app.post(
    '/password',
    {
      config: { access: 'signed-in' },
      schema: {
        body: Type.Object(
          // No current password when the account has none yet: the confirmed session stands for it.
          { current_password: Type.Optional(Type.String({ maxLength: 1000 })), new_password: Type.String({ maxLength: 1000 }), _csrf: CsrfField },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const ask = askToConfirmIfStale(request, reply, deps.now, '/settings/password/');
      if (ask) return ask;
      const user = currentUser(request);
      try {
        await accounts.changePassword(user.id, request.body.current_password, request.body.new_password);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return passwordForm(request, reply, error.fields);
      }
      // A stolen session dies with the old password; this one continues on a new id.
      await sessions.destroyOthers(user.id);
      await startFreshSession(request, reply, sessions, user.id, request.session!.secondStep);
      return reply.redirect('/settings/sessions/?done=password', 303);
    },
  );

  const DELETE_PATH = '/settings/delete-account/';

  app.get('/delete-account', { config: { access: 'signed-in' } }, async (request, reply) => {
    const ask = askToConfirmIfStale(request, reply, deps.now, DELETE_PATH);
    return ask ?? sendHtml(reply, deleteAccountPage(deps.view(request), { username: currentUser(request).username }));
  });

  app.post(
    '/delete-account',
    {
      config: { access: 'signed-in' },
      schema: { body: Type.Object({ confirm_username: Type.String({ maxLength: 200 }), _csrf: CsrfField }, { additionalProperties: false }) },
    },
    async (request, reply) => {
      const ask = askToConfirmIfStale(request, reply, deps.now, DELETE_PATH);
      if (ask) return ask;
      const user = currentUser(request);
      const typed = request.body.confirm_username;
      const again = (o: { errors?: FieldErrors; refusal?: string }, status: number) =>
        sendHtml(reply, deleteAccountPage(deps.view(request), { username: user.username, typed, ...o }), status);
      if (typed.trim().toLowerCase() !== user.username.toLowerCase()) {
        return again({ errors: { confirm_username: `Type ${user.username} to delete this account; nothing was deleted.` } }, 400);
      }
      try {
        await accounts.deleteAccount(user.id);
      } catch (error) {
        if (!(error instanceof ForbiddenError)) throw error;
        return again({ refusal: error.message }, 403);
      }
      // The session went with the account: this page is a visitor's.
      clearSessionCookie(request, reply);
      request.session = null;
      return sendHtml(reply, accountDeletedPage(deps.view(request)));
    },
  );
};
