import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: answered over plain HTTP even with FORCE_HTTPS (load balancers probe instances that way). */
    httpsRedirect?: false;
  }
}

/**
 * With FORCE_HTTPS, plain-HTTP requests go to the same URL over HTTPS. Behind
 * a proxy, TRUST_PROXY lets X-Forwarded-Proto say which scheme the visitor used.
 * The target host comes from BASE_URL when set, so a forged Host header cannot
 * send visitors elsewhere.
 */
export function installHttpsRedirect(app: FastifyInstance, baseUrl: string | undefined): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.protocol === 'https' || request.routeOptions.config.httpsRedirect === false) return;
    const origin = baseUrl?.startsWith('https:') ? baseUrl : `https://${request.hostname}`;
    // 308 keeps the method and body of a form post; GETs get the classic 301.
    const status = request.method === 'GET' || request.method === 'HEAD' ? 301 : 308;
    return reply.redirect(`${origin}${request.url}`, status);
  });
}
