// Web push, from the browser's side:
// GET  /settings/notifications/devices/              the devices page (views.ts)
// POST /settings/notifications/devices/:id/delete    remove one (plain form)
// POST /api/push/subscribe                           this browser's PushSubscription.toJSON() (page script)
// POST /api/push/unsubscribe                         { endpoint }: this browser turned push off
// The API takes JSON with the session's CSRF token in X-CSRF-Token (or, as
// every form, `_csrf`), as the vote and passkey fetches do; the CSRF hook
// checks it before validation.
import type { FastifyPluginAsync } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { describeDevice } from '../accounts/devices.js';
import { NotFoundError } from '../errors.js';
import { currentUser } from '../web/guards.js';
import { sendHtml } from '../web/respond.js';
import type { RouteDeps } from '../web/route-deps.js';
import { CsrfField, CsrfOnlyBody, IdParams } from '../web/schemas.js';
import { ENDPOINT_MAX } from './subscriptions.js';
import { DEVICES_PATH, devicesPage } from './views.js';

const Endpoint = Type.String({ minLength: 1, maxLength: ENDPOINT_MAX });
// base64url (padding tolerated); the service checks the decoded sizes.
const Key = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9_-]+={0,2}$' });
const SubscribeBody = Type.Object(
  {
    endpoint: Endpoint,
    // toJSON() sends it; null from every browser today, and nothing here expires subscriptions by it.
    expirationTime: Type.Optional(Type.Union([Type.Null(), Type.Number()])),
    keys: Type.Object({ p256dh: Key(100), auth: Key(40) }, { additionalProperties: false }),
    _csrf: CsrfField,
  },
  { additionalProperties: false },
);
const UnsubscribeBody = Type.Object({ endpoint: Endpoint, _csrf: CsrfField }, { additionalProperties: false });
const NO_PUSH = 'This forum does not send push notifications.';

export const pushRoutes: FastifyPluginAsync<RouteDeps> = async (root, deps) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { pushSubscriptions, pushSettings } = deps.services;

  app.get(DEVICES_PATH, { config: { access: 'signed-in' }, schema: { querystring: Type.Object({ done: Type.Optional(Type.Literal('removed')) }, { additionalProperties: false }) } }, async (request, reply) => {
    const devices = await pushSubscriptions.list(currentUser(request).id);
    const notice = request.query.done === 'removed' ? 'The device was removed: it gets no more notifications.' : undefined;
    return sendHtml(reply, devicesPage(deps.view(request), { devices, publicKey: pushSettings?.publicKey, notice }));
  });

  app.post(`${DEVICES_PATH}:id/delete`, { config: { access: 'signed-in' }, schema: { params: IdParams, body: CsrfOnlyBody } }, async (request, reply) => {
    await pushSubscriptions.remove(currentUser(request).id, request.params.id);
    return reply.redirect(`${DEVICES_PATH}?done=removed`, 303);
  });

  app.post('/api/push/subscribe', { config: { access: 'signed-in', speedLimit: 'pushDevices' }, schema: { body: SubscribeBody } }, async (request, reply) => {
    if (!pushSettings) throw new NotFoundError(NO_PUSH);
    const { endpoint, keys } = request.body;
    await pushSubscriptions.subscribe(currentUser(request).id, { endpoint, keys }, describeDevice(request.headers['user-agent'] ?? ''));
    return reply.send({ subscribed: true });
  });

  app.post('/api/push/unsubscribe', { config: { access: 'signed-in', speedLimit: 'pushDevices' }, schema: { body: UnsubscribeBody } }, async (request, reply) => {
    await pushSubscriptions.unsubscribe(currentUser(request).id, request.body.endpoint);
    return reply.send({ subscribed: false });
  });
};
