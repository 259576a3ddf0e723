// Composition root: builds the services from Config and a database, then
// registers library plugins, our own hooks (query stats, sessions, CSRF,
// headers), and each feature's routes.
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest, type RouteOptions } from 'fastify';
import { installAccessRules, answersInJson } from './access/route-access.js';
import { installSessions, sessionCookieName } from './accounts/session-hooks.js';
import { accountRoutes } from './accounts/routes.js';
import { adminRoutes } from './admin/routes.js';
import { emailRoutes } from './accounts/email-routes.js';
import { settingsRoutes } from './accounts/settings-routes.js';
import { providerSignInRoutes } from './accounts/provider-routes.js';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import { isDatabaseUnavailable } from './db/faults.js';
import { withQueryStats, type QueryStats } from './db/query-stats.js';
import { DependencyUnavailableError, ForbiddenError, NotFoundError, ValidationError, type Clock } from './errors.js';
import { loggerOptions, OneLinePerRequest } from './logging.js';
import { embedRoutes } from './forum/embed.js';
import { forumRoutes } from './forum/routes.js';
import { healthRoutes } from './health/routes.js';
import { moderationRoutes } from './moderation/routes.js';
import { notificationRoutes } from './notifications/routes.js';
import { pushRoutes } from './push/routes.js';
import { notificationSettingsRoutes } from './notifications/settings-routes.js';
import { installCsrfProtection } from './security/csrf-hook.js';
import { maskToken, PresessionTokens, siteOrigin } from './security/csrf.js';
import { edgeErrorAnswers } from './security/edge-errors.js';
import { installSecurityHeaders } from './security/headers.js';
import { HandlersInFlight } from './web/handlers-in-flight.js';
import { createHttpServer } from './security/http-limits.js';
import { installInputRules } from './security/input-rules.js';
import { installHttpsRedirect } from './security/https.js';
import { proxyTrust } from './security/proxy-trust.js';
import { logRouteOutcomes } from './security/route-audit-log.js';
import { MemoryLimitStore } from './security/memory-limit-store.js';
import { RateLimits } from './security/rate-limits.js';
import { RedisLimitStore } from './security/redis-limit-store.js';
import { SignedValues } from './security/signed-values.js';
import { installSpeedLimits } from './security/speed-limit-hook.js';
import { PUBLIC_DIR, loadAssets } from './web/assets.js';
import type { ViewContext } from './web/context.js';
import { errorPage } from './web/error-page.js';
import { sendHtml, UNAVAILABLE_RETRY_AFTER_S } from './web/respond.js';
import type { RouteDeps } from './web/route-deps.js';
import { PageCache } from './web/page-cache.js';
import { installViewerHeader, pwaRoutes } from './web/pwa.js';
import { SignInFlow } from './accounts/two-step/sign-in-flow.js';
import { twoStepRoutes } from './accounts/two-step/routes.js';
import { totpRoutes } from './accounts/two-step/totp-routes.js';
import { passkeyRoutes } from './accounts/two-step/passkey-routes.js';
import { phoneRoutes } from './accounts/two-step/phone-routes.js';
import { buildServices, type Services } from './services.js';

/** A built asset's name: its content's hash before the extension (scripts/assets.mjs). */
const FINGERPRINTED = /\.[0-9a-f]{10}\.[a-z0-9]+$/;

export interface AppOptions {
  db: Db;
  now?: Clock;
  /** Called for every route as it is registered (tests list the routes this way). */
  onRoute?: (route: RouteOptions) => void;
}

export async function buildApp(config: Config, options: AppOptions): Promise<FastifyInstance> {
  const now = options.now ?? Date.now;
  const assets = loadAssets();
  const trust = proxyTrust(config.trustProxy);

  const app = Fastify({
    logger: loggerOptions(config),
    logController: new OneLinePerRequest(),
    // The one rule the front door reads forwarded headers by too.
    trustProxy: config.trustProxy === false ? false : trust,
    // Charcha's URLs end in a slash; the other spelling answers the same.
    routerOptions: { ignoreTrailingSlash: true },
    // Unknown fields are an error, not silently dropped: the schema is the allow-list.
    // (Only a page's unknown query parameters are dropped, earlier: security/input-rules.ts.)
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
    bodyLimit: 64 * 1024,
    // The front door answers visitors' cached pages before Fastify reads the request.
    serverFactory: (handler) => createHttpServer(config.http, (req, res) => pages.door.serve(req, res, handler)),
    // Undecodable URLs and requests Node's parser refuses: no hook sees them, yet they get our page and headers.
    ...edgeErrorAnswers({ assets, now }),
  });
  installInputRules(app);
  const services = buildServices(options.db, config, now, app.log);
  app.decorate('services', services);
  app.addHook('onClose', () => services.cache.store.close());
  // Rate limits: shared through Redis when several app processes run, else this process's own.
  const limitStore = config.redisUrl
    ? new RedisLimitStore(config.redisUrl, { onError: (err) => app.log.error({ err }, 'rate limits: Redis unavailable') })
    : new MemoryLimitStore();
  const limits = new RateLimits(limitStore, now, config.rateLimitScale);
  app.addHook('onClose', () => limits.close());

  // Counted before any route is added: shutdown waits for handlers whose client left (server.ts).
  const handlersInFlight = new HandlersInFlight();
  app.decorate('handlersInFlight', handlersInFlight);
  app.addHook('onRoute', (route) => handlersInFlight.track(route));

  // Static files are part of the way in: open even on a private forum. They are the same for
  // everyone, so no session is read for them and their far-future caching stays public.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/static/')) route.config = { ...route.config, access: 'open', session: false };
  });
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  if (config.forceHttps) installHttpsRedirect(app, config.baseUrl);
  const pages = new PageCache(services.cache, now, {
    ttlSeconds: config.pageCacheSeconds,
    serverTiming: config.debugQueries,
    trust,
    isVisitor: (request) => request.session === null && request.cookies[sessionCookieName(request)] === undefined,
  });
  pages.door.install(app);
  if (config.debugQueries) {
    app.addHook('onRequest', (request, _reply, done) => {
      const stats: QueryStats = { count: 0, durationMs: 0 };
      request.queryStats = stats;
      withQueryStats(stats, done);
    });
    app.addHook('onSend', async (request, reply) => {
      const stats = request.queryStats;
      if (stats) reply.header('Server-Timing', `db;desc="${stats.count} queries";dur=${stats.durationMs.toFixed(2)}`);
    });
  }

  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: '/static/',
    preCompressed: true,
    immutable: true,
    maxAge: '365d',
    index: false,
    // Under /static/ only fingerprinted names: the rest of the directory (sw.js, robots.txt, the
    // manifest) has its own address or none, and a year of immutable caching would pin an old
    // copy. (The check also sees those routes' own sendFile, at their addresses.)
    allowedPath: (path, _root, request) => FINGERPRINTED.test(path) || !request.url.startsWith('/static/'),
  });
  // Files clients look for at the root whatever a page links: browsers /favicon.ico,
  // crawlers /robots.txt. Not fingerprinted there, so cached a day.
  for (const [path, file] of [
    ['/favicon.ico', assets.favicon.slice('/static/'.length)],
    ['/robots.txt', 'robots.txt'],
  ] as const) {
    app.get(path, { config: { session: false, access: 'open' } }, (_request, reply) => reply.sendFile(file, { immutable: false, maxAge: '1d' }));
  }

  const presession = new PresessionTokens(config.secretKey, config.secretKeyFallbacks);
  const origin = (request: FastifyRequest) => siteOrigin(request, config.baseUrl);
  const maskedToken = (token: string | undefined) => (token === undefined ? null : maskToken(token));
  const view = (request: FastifyRequest, csrfToken?: string): ViewContext => {
    const user = request.session?.user ?? null;
    return {
      user,
      can: (action, ...item) => services.policy.can(user, action, ...item),
      isNewAccount: (joinedAt) => services.policy.isNewAccount(joinedAt),
      // Masked afresh for each page (see maskToken: BREACH); every form of the page carries the same value.
      csrfToken: maskedToken(csrfToken ?? request.session?.csrfToken),
      path: request.url,
      now: now(),
      assets,
    };
  };
  const signIn = new SignInFlow(new SignedValues(config.secretKey, now, config.secretKeyFallbacks), services.sessions, services.twoStep);
  const deps: RouteDeps = { services, config, presession, origin, view, limits, signIn, now, pages };

  // A POST without a body (a fetch from our script) is an empty form, so body
  // schemas still apply and reject anything extra.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.method === 'POST') request.body = {};
  });
  installSessions(app, services.sessions);
  installAccessRules(app, { policy: services.policy, forumPrivate: config.forumPrivate, origin });
  installCsrfProtection(app, { presession, origin, trustedOrigins: config.trustedOrigins, view });
  installSecurityHeaders(app, { embedOrigins: config.embedOrigins });
  installViewerHeader(app, config.secretKey);
  installSpeedLimits(app, { limits, view });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    let status = error.statusCode ?? 500;
    let message: string;
    if (error instanceof NotFoundError) status = 404;
    else if (error instanceof ForbiddenError) status = 403;
    else if (error instanceof ValidationError) status = 400;
    else if (error.validation) status = 400;
    if (isDatabaseUnavailable(error) || error instanceof DependencyUnavailableError) {
      // The database or Redis is down, frozen, restarting or locked: say when to come back; the process stays up.
      status = 503;
      message = 'Part of the forum is not answering just now. Nothing was changed; please try again in a few seconds.';
      reply.header('Retry-After', String(UNAVAILABLE_RETRY_AFTER_S));
      request.log.warn({ err: error }, 'a dependency is unavailable');
    } else if (status >= 500) {
      // 4xx messages help the user; 5xx details stay in the log.
      message = 'Something went wrong on our side. Please try again.';
      request.log.error({ err: error }, 'request failed');
    } else {
      message = error.message;
    }
    if (answersInJson(request)) return reply.code(status).send({ error: message });
    return sendHtml(reply, errorPage(deps.view(request), status, message), status);
  });

  app.setNotFoundHandler((request, reply) => {
    if (answersInJson(request)) return reply.code(404).send({ error: 'Not found' });
    return sendHtml(reply, errorPage(deps.view(request), 404, 'There is nothing at this address.'), 404);
  });

  logRouteOutcomes(app);
  // Each feature is an encapsulated plugin: its own hooks (such as a subtree's guard) stay inside it.
  await app.register(healthRoutes, deps);
  await app.register(accountRoutes, deps);
  await app.register(settingsRoutes, { ...deps, prefix: '/settings' });
  await app.register(providerSignInRoutes, deps);
  await app.register(twoStepRoutes, deps);
  await app.register(totpRoutes, deps);
  await app.register(passkeyRoutes, deps);
  await app.register(phoneRoutes, deps);
  await app.register(forumRoutes, deps);
  await app.register(embedRoutes, deps);
  await app.register(adminRoutes, { ...deps, prefix: '/admin' });
  await app.register(moderationRoutes, deps);
  await app.register(emailRoutes, deps);
  await app.register(notificationRoutes, deps);
  await app.register(pwaRoutes, deps);
  await app.register(pushRoutes, deps);
  await app.register(notificationSettingsRoutes, deps);
  return app;
}

declare module 'fastify' {
  interface FastifyRequest {
    queryStats?: QueryStats;
  }
  interface FastifyInstance {
    /** The app's own services: the CLI and tests act through these (one cache, one announcement of changes). */
    services: Services;
    handlersInFlight: HandlersInFlight;
  }
}
