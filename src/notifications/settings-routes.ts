import type { FastifyPluginAsync } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { RouteDeps } from '../web/route-deps.js';
import { currentUser } from '../web/guards.js';
import { sendHtml } from '../web/respond.js';
import { CsrfField } from '../web/schemas.js';
import { acceptTextFormData } from '../web/form-data.js';
import { CHANNELS, EVENTS, UNSUBSCRIBE_TARGETS } from './delivery.js';
import { notificationSettingsPage, unsubscribePage } from './settings-views.js';

/** A ticked box: "event:channel"; anything else is refused whole (400, nothing saved). */
const Cell = Type.String({ pattern: `^(${EVENTS.join('|')}):(${CHANNELS.join('|')})$` });
const SettingsBody = Type.Object(
  {
    on: Type.Optional(Type.Union([Cell, Type.Array(Cell, { maxItems: EVENTS.length * CHANNELS.length })])),
    email_mode: Type.Optional(Type.Union([Type.Literal('instant'), Type.Literal('daily')])),
    _csrf: CsrfField,
  },
  { additionalProperties: false },
);
const UnsubscribeParams = Type.Object(
  {
    event: Type.Union(UNSUBSCRIBE_TARGETS.map((e) => Type.Literal(e))),
    channel: Type.Union(CHANNELS.map((c) => Type.Literal(c))),
    token: Type.String({ maxLength: 100 }),
  },
  { additionalProperties: false },
);
/** RFC 8058's body, which the confirm page's button sends too. */
const OneClickBody = Type.Object({ 'List-Unsubscribe': Type.Literal('One-Click') }, { additionalProperties: false });

/** /settings/notifications/ (who hears of what, where) and the one-click unsubscribe link of notification e-mails. */
export const notificationSettingsRoutes: FastifyPluginAsync<RouteDeps> = async (root, deps) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { deliveries } = deps.services;

  app.get(
    '/settings/notifications',
    { config: { access: 'signed-in' }, schema: { querystring: Type.Object({ saved: Type.Optional(Type.Literal('1')) }, { additionalProperties: false }) } },
    async (request, reply) => {
      const settings = await deliveries.settingsOf(currentUser(request).id);
      return sendHtml(reply, notificationSettingsPage(deps.view(request), { settings, saved: request.query.saved === '1' }));
    },
  );

  app.post('/settings/notifications', { config: { access: 'signed-in' }, schema: { body: SettingsBody } }, async (request, reply) => {
    await deliveries.choose(currentUser(request).id, [request.body.on ?? []].flat(), request.body.email_mode);
    return reply.redirect('/settings/notifications/?saved=1', 303);
  });

  // No session: the link works signed out, in any browser, and its page is a visitor's. The token alone says whose opt-in it is.
  const unsubscribe = { access: 'open', session: false } as const;

  await root.register(async (scope) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    // RFC 8058 asks mail programs to post multipart/form-data (Gmail sends it urlencoded, as our button does).
    acceptTextFormData(scope, { bodyLimit: 4 * 1024 });

    app.get('/unsubscribe/:event/:channel/:token', { config: unsubscribe, schema: { params: UnsubscribeParams } }, async (request, reply) => {
      const { event, channel, token } = request.params;
      const verdict = deliveries.checkUnsubscribeToken(event, channel, token);
      const state = typeof verdict === 'object' ? 'confirm' : verdict;
      reply.header('Cache-Control', 'no-store');
      return sendHtml(reply, unsubscribePage(deps.view(request), { event, channel, action: request.url, state }), state === 'confirm' ? 200 : 400);
    });

    app.post(
      '/unsubscribe/:event/:channel/:token',
      { config: { ...unsubscribe, csrf: 'signed-url' }, schema: { params: UnsubscribeParams, body: OneClickBody } },
      async (request, reply) => {
        const { event, channel, token } = request.params;
        const verdict = deliveries.checkUnsubscribeToken(event, channel, token);
        if (typeof verdict === 'object') await deliveries.turnOff(verdict.userId, event, channel);
        const state = typeof verdict === 'object' ? 'done' : verdict;
        return sendHtml(reply, unsubscribePage(deps.view(request), { event, channel, action: request.url, state }), state === 'done' ? 200 : 400);
      },
    );
  });
};
