import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type TSchema, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { requireUser } from '../access/route-access.js';
import { currentUser } from '../web/guards.js';
import { sendHtml } from '../web/respond.js';
import type { RouteDeps } from '../web/route-deps.js';
import { CsrfField, IdParams, PageNumber, RowId } from '../web/schemas.js';
import type { FieldErrors } from '../web/forms.js';
import { ValidationError } from '../errors.js';
import { ADMIN_SCREENS, dashboardPage, groupsPage, holdersPage, userPage, usersPage, type AdminPage } from './views.js';

/** A form field sent once per ticked checkbox: one value, or several. */
const ticked = <T extends TSchema>(item: T, maxItems: number) => Type.Optional(Type.Union([item, Type.Array(item, { maxItems })]));
const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : [value].flat());

const SavedQuery = Type.Object({ saved: Type.Optional(Type.Literal('1')) }, { additionalProperties: false });
const GroupId = Type.String({ pattern: '^[0-9]{1,9}$' });
/** A cell of the matrix: "groupId:permissionId". */
const Grant = Type.String({ pattern: '^[0-9]{1,9}:[0-9]{1,9}$' });

/**
 * /admin/…: staff (and superusers) only, checked by this subtree's own hook;
 * each screen also declares the permission it manages, which the app's
 * access rule checks first. Writes are rate-limited per staff member.
 */
export const adminRoutes: FastifyPluginAsync<RouteDeps> = async (root, deps) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { admin, policy } = deps.services;

  app.addHook('onRequest', async (request, reply) => {
    await requireUser(request, reply, deps.origin(request), (user) => policy.can(user, 'admin.enter'));
  });

  const frame = (request: FastifyRequest): AdminPage => {
    const user = currentUser(request);
    return { screens: ADMIN_SCREENS.filter((s) => s.access === null || policy.has(user, s.access)) };
  };

  app.get('/', { config: { access: 'signed-in' } }, async (request, reply) =>
    sendHtml(reply, dashboardPage(deps.view(request), { ...frame(request), activity: await admin.activity() })),
  );

  app.get(
    '/users',
    {
      config: { access: 'accounts.view_user' },
      schema: {
        querystring: Type.Object(
          { q: Type.Optional(Type.String({ maxLength: 100 })), group: Type.Optional(Type.String({ maxLength: 100 })), page: PageNumber },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const search = request.query.q?.trim() ?? '';
      const group = request.query.group?.trim() ?? '';
      const pageNumber = request.query.page ?? 1;
      const { users, hasMore } = await admin.listUsers({ search, group }, pageNumber);
      return sendHtml(reply, usersPage(deps.view(request), { ...frame(request), search, group, pageNumber, users, hasMore }));
    },
  );

  app.get('/users/:id', { config: { access: 'accounts.view_user' }, schema: { params: IdParams, querystring: SavedQuery } }, async (request, reply) => {
    const [user, groups] = await Promise.all([admin.user(request.params.id), admin.groups()]);
    const mayChange = policy.has(currentUser(request), 'accounts.change_user');
    return sendHtml(reply, userPage(deps.view(request), { ...frame(request), user, groups, mayChange, saved: request.query.saved === '1' }));
  });

  app.post(
    '/users/:id',
    {
      config: { access: 'accounts.change_user', speedLimit: 'admin' },
      schema: {
        params: IdParams,
        body: Type.Object({ groups: ticked(GroupId, 100), is_staff: Type.Optional(Type.Literal('1')), _csrf: CsrfField }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      const actor = currentUser(request);
      const { id } = request.params;
      // The staff box is on the form for superusers only: without it, staff stays as it was (a forged box is refused by the service).
      const staffBox = policy.can(actor, 'user.set_staff') || request.body.is_staff !== undefined;
      const isStaff = staffBox ? request.body.is_staff === '1' : undefined;
      await admin.updateUser(actor, id, { groupIds: asList(request.body.groups).map(Number), isStaff });
      return reply.redirect(`/admin/users/${id}/?saved=1`, 303);
    },
  );

  /** The groups page: the matrix and, for those who may change groups, the form that adds one. */
  const showGroups = async (request: FastifyRequest, shown: { saved?: boolean; created?: number; newGroup?: { name: string; errors: FieldErrors } }) => {
    const [groups, permissions, grants] = await Promise.all([admin.groups(), admin.permissions(), admin.groupGrants()]);
    const mayChange = policy.has(currentUser(request), 'accounts.change_group');
    return groupsPage(deps.view(request), { ...frame(request), groups, permissions, grants, mayChange, ...shown });
  };

  app.get(
    '/groups',
    { config: { access: 'accounts.view_group' }, schema: { querystring: Type.Object({ saved: SavedQuery.properties.saved, created: Type.Optional(RowId) }, { additionalProperties: false }) } },
    async (request, reply) => sendHtml(reply, await showGroups(request, { saved: request.query.saved === '1', created: request.query.created })),
  );

  app.post(
    '/groups/new',
    {
      config: { access: 'accounts.change_group', speedLimit: 'admin' },
      schema: { body: Type.Object({ name: Type.String({ maxLength: 200 }), _csrf: CsrfField }, { additionalProperties: false }) },
    },
    async (request, reply) => {
      try {
        const group = await admin.createGroup(request.body.name);
        return reply.redirect(`/admin/groups/?created=${group.id}`, 303);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return sendHtml(reply, await showGroups(request, { newGroup: { name: request.body.name, errors: error.fields } }), 400);
      }
    },
  );

  app.post(
    '/groups',
    {
      config: { access: 'accounts.change_group', speedLimit: 'admin' },
      schema: { body: Type.Object({ grant: ticked(Grant, 5_000), _csrf: CsrfField }, { additionalProperties: false }) },
    },
    async (request, reply) => {
      const pairs = asList(request.body.grant).map((cell) => cell.split(':').map(Number) as [number, number]);
      await admin.saveGroupGrants(currentUser(request), pairs);
      return reply.redirect('/admin/groups/?saved=1', 303);
    },
  );

  app.get('/permissions', { config: { access: 'accounts.view_group' } }, async (request, reply) =>
    sendHtml(reply, holdersPage(deps.view(request), { ...frame(request), holders: await admin.holders() })),
  );
};
