// Probes for load balancers and orchestrators. /healthz: the process answers
// (restart it if not). /readyz: it can serve (send it traffic only then):
// 503 when the database is unreachable; a cache outage is reported but
// served through, so it never takes every instance out at once.
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { UNAVAILABLE_RETRY_AFTER_S } from '../web/respond.js';
import type { RouteDeps } from '../web/route-deps.js';

// Probes come from the load balancer over plain HTTP, without cookies: no redirect, no session lookup.
const PROBE = { access: 'open', session: false, httpsRedirect: false } as const;
const NoQuery = { querystring: Type.Object({}, { additionalProperties: false }) };

export const healthRoutes: FastifyPluginAsync<RouteDeps> = async (root, deps) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/healthz', { config: PROBE, schema: NoQuery }, async (_request, reply) => {
    return reply.header('Cache-Control', 'no-store').send({ status: 'ok' });
  });

  app.get('/readyz', { config: PROBE, schema: NoQuery }, async (request, reply) => {
    const { readiness, databaseError } = await deps.services.health.readiness();
    const body = { status: readiness.database ? 'ready' : 'unavailable', database: up(readiness.database), cache: up(readiness.cache) };
    reply.header('Cache-Control', 'no-store');
    if (readiness.database) return reply.send(body);
    request.log.warn({ err: databaseError }, 'not ready: the database is unreachable');
    return reply.code(503).header('Retry-After', String(UNAVAILABLE_RETRY_AFTER_S)).send(body);
  });
};

const up = (answers: boolean) => (answers ? 'up' : 'down');
