// Answers given where no route, hook or error handler runs: URLs the router
// cannot decode (Fastify's `frameworkErrors`) and requests Node's HTTP parser
// refuses before Fastify sees them (`clientError`: a malformed header, headers
// too large, a client too slow). They get the same page or JSON and the same
// security headers as every other answer, and a status line that says why.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../errors.js';
import type { Assets, ViewContext } from '../web/context.js';
import { errorPage } from '../web/error-page.js';
import { wantsJson } from '../web/respond.js';
import { framingPolicies } from './framing.js';
import { securityHeaders, setHeadersOutsideRoutes } from './headers.js';

const NEVER_FRAMED = framingPolicies([]).deny;

/** Why Node refused the connection's request, by its error code. */
const CLIENT_ERRORS: Record<string, { status: number; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive.' },
  HPE_HEADER_OVERFLOW: { status: 431, message: 'The request headers were too large.' },
};
const MALFORMED = { status: 400, message: 'The request was malformed.' };

export interface EdgeErrorAnswers {
  frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void;
  clientErrorHandler(error: Error & { code?: string }, socket: Socket): void;
}

/** Both answers, for Fastify's options; they render the page a visitor would get. */
export function edgeErrorAnswers(options: { assets: Assets; now: Clock }): EdgeErrorAnswers {
  // No session is read this early: every such answer is a visitor's, and links back to the front page.
  const view = (): ViewContext => ({ user: null, can: () => false, isNewAccount: () => false, csrfToken: null, path: '/', now: options.now(), assets: options.assets });

  return {
    frameworkErrors(error, request, reply) {
      const status = error.statusCode ?? 400;
      const message = status >= 500 ? 'Something went wrong on our side. Please try again.' : 'That address could not be read.';
      reply.code(status);
      setHeadersOutsideRoutes(request, reply);
      if (wantsJson(request)) void reply.send({ error: message });
      else void reply.type('text/html; charset=utf-8').send(errorPage(view(), status, message).value);
    },

    clientErrorHandler(error, socket) {
      // A reset connection has nobody left to answer.
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) {
        const { status, message } = CLIENT_ERRORS[error.code ?? ''] ?? MALFORMED;
        const body = errorPage(view(), status, message).value;
        const headers = {
          ...securityHeaders(NEVER_FRAMED),
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Length': String(Buffer.byteLength(body)),
          'Cache-Control': 'no-store',
          Connection: 'close',
        };
        const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
        socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${body}`);
      }
      socket.destroy();
    },
  };
}
