import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * With LOG_LEVEL=debug (or trace), logs one line per answered request: its
 * route, status, and whether the route's handler ran, i.e. whether the
 * request got past the CSRF check, the schemas and the guards. The SQL
 * injection audit (scripts/audit-sqlmap.mjs) counts these lines to show its
 * requests reached the code under test. At other levels nothing is
 * installed. Must run before the routes are registered.
 */
export function logRouteOutcomes(app: FastifyInstance): void {
  if (app.log.level !== 'debug' && app.log.level !== 'trace') return;
  const handled = new WeakSet<FastifyRequest>();
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function (request, reply) {
      handled.add(request);
      return handler.call(this, request, reply);
    };
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url === undefined ? 'no route' : `${request.method} ${request.routeOptions.url}`;
    request.log.debug({ route, status: reply.statusCode, handled: handled.has(request) }, 'route answered');
  });
}
