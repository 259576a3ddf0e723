import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { RouteDeps } from '../web/route-deps.js';
import { currentUser } from '../web/guards.js';
import { sendHtml } from '../web/respond.js';
import { CsrfOnlyBody, IdParams, PageQuery } from '../web/schemas.js';
import { notificationsPage } from './views.js';

/** /notifications/: the signed-in person's list; marking one or all read. */
export const notificationRoutes: FastifyPluginAsync<RouteDeps> = async (root, deps) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { notifications } = deps.services;

  app.get('/notifications', { config: { access: 'signed-in' }, schema: { querystring: PageQuery } }, async (request, reply) => {
    const user = currentUser(request);
    const page = request.query.page ?? 1;
    const { items, hasMore } = await notifications.page(user.id, page);
    return sendHtml(reply, notificationsPage(deps.view(request), { items, page, hasMore, unread: user.unreadNotifications }));
  });

  app.post('/notifications/:id/read', { config: { access: 'signed-in' }, schema: { params: IdParams, body: CsrfOnlyBody } }, async (request, reply) => {
    await notifications.markRead(currentUser(request).id, request.params.id);
    return reply.redirect('/notifications/', 303);
  });

  app.post('/notifications/read-all', { config: { access: 'signed-in' }, schema: { body: CsrfOnlyBody } }, async (request, reply) => {
    await notifications.markAllRead(currentUser(request).id);
    return reply.redirect('/notifications/', 303);
  });
};
