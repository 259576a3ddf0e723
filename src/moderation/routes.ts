import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Permission } from '../access/permissions.js';
import { isBanned } from '../accounts/sessions.js';
import { ValidationError } from '../errors.js';
import { excerpt, ITEM_ACTIONS, type ItemActionName } from './service.js';
import type { VoteTarget } from '../forum/votes.js';
import { currentUser } from '../web/guards.js';
import { refererPath, safeNext, sendHtml } from '../web/respond.js';
import type { RouteDeps } from '../web/route-deps.js';
import { CsrfField, IdParams, PageQuery } from '../web/schemas.js';
import { actionPage, banPage, logPage, queuePage } from './views.js';

// Generous caps bound the request; the service gives the real limit as a field message.
const ReasonBody = Type.Object(
  { _csrf: CsrfField, reason: Type.String({ maxLength: 2000 }), next: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);
const BanBody = Type.Object(
  { _csrf: CsrfField, reason: Type.String({ maxLength: 2000 }), until: Type.Optional(Type.String({ pattern: '^(\\d{4}-\\d{2}-\\d{2})?$' })) },
  { additionalProperties: false },
);
const UserParams = Type.Object({ username: Type.String({ minLength: 1, maxLength: 60 }) }, { additionalProperties: false });

/** The permission a route needs for what the policy checks (the policy still decides in the service). */
const ROUTE_ACCESS = {
  'post.hide': 'forum.hide_post',
  'comment.hide': 'forum.hide_comment',
  'post.lock': 'forum.lock_post',
  'post.pin': 'forum.pin_post',
  'flags.view': 'forum.view_flags',
} as const satisfies Record<string, Permission>;

/** The moderation queue, each act's page, bans, and the public log. */
export const moderationRoutes: FastifyPluginAsync<RouteDeps> = async (root, deps) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { moderation, posts, comments, accounts } = deps.services;

  app.get('/moderation', { config: { access: 'forum.view_flags' } }, async (request, reply) => sendHtml(reply, queuePage(deps.view(request), await moderation.queue())));

  app.get('/moderations', { config: { access: 'public' }, schema: { querystring: PageQuery } }, async (request, reply) => {
    const page = request.query.page ?? 1;
    return sendHtml(reply, logPage(deps.view(request), { page, ...(await moderation.logPage(page)) }));
  });

  const itemUrl = (target: VoteTarget, id: number) => (target === 'post' ? `/discuss/${id}/` : `/comments/${id}/`);
  const subjectOf = async (target: VoteTarget, id: number) =>
    target === 'post' ? (await posts.require(id)).title : excerpt((await comments.require(id)).text);

  for (const [name, rule] of Object.entries(ITEM_ACTIONS) as [ItemActionName, (typeof ITEM_ACTIONS)[ItemActionName]][]) {
    for (const [target, needs] of Object.entries(rule.needs) as [VoteTarget, keyof typeof ROUTE_ACCESS][]) {
      const path = `/moderation/${target}s/:id/${name}`;
      const access = ROUTE_ACCESS[needs];
      const show = async (request: FastifyRequest, id: number, o: { next?: string | undefined; reason?: string; errors?: Record<string, string> } = {}) => {
        const next = safeNext(o.next ?? refererPath(request, deps.origin(request)), itemUrl(target, id));
        return actionPage(deps.view(request), { target, id, action: name, subject: await subjectOf(target, id), next, reason: o.reason, errors: o.errors });
      };
      app.get(path, { config: { access }, schema: { params: IdParams } }, async (request, reply) => sendHtml(reply, await show(request, request.params.id)));
      app.post(path, { config: { access, speedLimit: 'moderate' }, schema: { params: IdParams, body: ReasonBody } }, async (request, reply) => {
        const { id } = request.params;
        try {
          await moderation.act(currentUser(request), target, id, name, request.body.reason);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          return sendHtml(reply, await show(request, id, { next: request.body.next, reason: request.body.reason, errors: error.fields }), 400);
        }
        return reply.redirect(safeNext(request.body.next, itemUrl(target, id)), 303);
      });
    }
  }

  const showBan = async (request: FastifyRequest, username: string, o: Partial<Parameters<typeof banPage>[1]> = {}) => {
    const user = await moderation.requireBannable(currentUser(request), username);
    return banPage(deps.view(request), { user, banned: isBanned(user, deps.now()), ...o });
  };

  app.get('/moderation/users/:username/ban', { config: { access: 'accounts.ban_user' }, schema: { params: UserParams } }, async (request, reply) =>
    sendHtml(reply, await showBan(request, request.params.username)),
  );

  app.post('/moderation/users/:username/ban', { config: { access: 'accounts.ban_user', speedLimit: 'moderate' }, schema: { params: UserParams, body: BanBody } }, async (request, reply) => {
    const { reason, until } = request.body;
    const user = await accounts.requireByUsername(request.params.username);
    try {
      // The ban ends as its last day begins, in UTC (a date input gives no zone).
      await moderation.ban(currentUser(request), user.username, { reason, until: until ? Date.parse(`${until}T00:00:00Z`) : null });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return sendHtml(reply, await showBan(request, user.username, { values: request.body, errors: error.fields }), 400);
    }
    return reply.redirect(`/moderation/users/${user.username}/ban/`, 303);
  });

  app.post('/moderation/users/:username/unban', { config: { access: 'accounts.ban_user', speedLimit: 'moderate' }, schema: { params: UserParams, body: ReasonBody } }, async (request, reply) => {
    const user = await accounts.requireByUsername(request.params.username);
    try {
      await moderation.unban(currentUser(request), user.username, request.body.reason);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return sendHtml(reply, await showBan(request, user.username, { unbanErrors: error.fields }), 400);
    }
    return reply.redirect(safeNext(request.body.next, `/moderation/users/${user.username}/ban/`), 303);
  });
};
