// Limits for a server that faces the internet itself (HOST=0.0.0.0, no proxy
// in front): a client may take only so long to send its headers and its body,
// may keep an idle connection only briefly, and connections are capped. Node's
// own defaults suit a server behind a proxy that buffers requests: no request
// timeout at all in Fastify, and timeouts checked only every 30 seconds.
import type { ServerOptions } from 'node:http';
import type { HttpLimits } from '../config.js';

/** Fastify's server options for these limits; the connection cap is the server's `maxConnections`. */
export function httpServerOptions(limits: HttpLimits): {
  connectionTimeout: number;
  keepAliveTimeout: number;
  requestTimeout: number;
  http: ServerOptions;
} {
  return {
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      // How often Node looks for requests past those timeouts: often enough that they hold to about a second.
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(limits.headersTimeoutMs / 4)),
      // A request without Host meets our own rule (src/security/input-rules.ts), answered with our page.
      requireHostHeader: false,
    },
  };
}
