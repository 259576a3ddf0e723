// Limits for a server that faces the internet itself (HOST=0.0.0.0, no proxy
// in front): a client may take only so long to send its headers and its body,
// may keep an idle connection only briefly, and connections are capped. Node's
// own defaults suit a server behind a proxy that buffers requests: no request
// timeout at all in Fastify, and timeouts checked only every 30 seconds.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { HttpLimits } from '../config.js';

/**
 * The app's HTTP server (Fastify's serverFactory, so the front door can
 * listen first: web/front-door.ts), with these limits.
 */
export function createHttpServer(limits: HttpLimits, listener: RequestListener): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      // How often Node looks for requests past those timeouts: often enough that they hold to about a second.
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(limits.headersTimeoutMs / 4)),
      // A request without Host meets our own rule (src/security/input-rules.ts), answered with our page.
      requireHostHeader: false,
    },
    listener,
  );
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.setTimeout(limits.idleTimeoutMs);
  server.maxConnections = limits.maxConnections;
  return server;
}
