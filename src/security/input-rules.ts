// Rules every request meets at the edge, before sessions, CSRF or any route
// read it, so no route can forget one:
// - a valid Host (CSRF origins and redirects are built from it);
// - no NUL byte anywhere in the URL or a form field (PostgreSQL refuses it in
//   text, SQLite would store it; neither is ever meant);
// - no compressed body (nothing here decodes one);
// - integers in the URL written one way only: an id is /^[1-9][0-9]*$/, and any
//   other spelling names nothing (404) rather than a second URL for a page;
// - unknown query parameters on pages (utm_*, fbclid, ref…) are dropped: shared
//   links still open. Form bodies stay strict: their schema is the allow-list.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFoundError, refusal } from '../errors.js';

// A host name (letters, digits, "-", "_", dots) or a bracketed IPv6 address, and an optional port.
const HOST = /^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i;

function validHost(host: string | undefined): boolean {
  const match = host ? HOST.exec(host) : null;
  if (!match || Number(match[1] ?? 0) > 65_535) return false;
  try {
    new URL(`http://${host}`);
    return true;
  } catch {
    return false; // "[1]": bracketed, but no IPv6 address
  }
}

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value && typeof value === 'object') return Object.values(value).some(containsNul);
  return false;
}

const CANONICAL_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;

interface ObjectSchema {
  properties?: Record<string, { type?: unknown; minimum?: number; maximum?: number }>;
}

/** The names of the integer fields of a route's params or querystring schema, with their bounds. */
function integerFields(schema: unknown): [string, { minimum?: number; maximum?: number }][] {
  const properties = (schema as ObjectSchema | undefined)?.properties ?? {};
  return Object.entries(properties).filter(([, field]) => field.type === 'integer');
}

function checkUrlIntegers(request: FastifyRequest): void {
  const schema = request.routeOptions.schema;
  const params = request.params as Record<string, unknown>;
  for (const [name, { minimum = -Infinity, maximum = Infinity }] of integerFields(schema?.params)) {
    const raw = params[name];
    const value = Number(raw);
    // An id out of range or spelt otherwise names no page.
    if (typeof raw === 'string' && !(CANONICAL_INTEGER.test(raw) && value >= minimum && value <= maximum)) {
      throw new NotFoundError('There is nothing at this address.');
    }
  }
  const query = request.query as Record<string, unknown>;
  for (const [name] of integerFields(schema?.querystring)) {
    const raw = query[name];
    if (typeof raw === 'string' && !CANONICAL_INTEGER.test(raw)) throw refusal(400, `"${name}" must be a whole number such as 2.`);
  }
}

/** Keeps only the query parameters a page's schema names; the schema still checks their values. */
function dropUnknownQueryParameters(request: FastifyRequest): void {
  const known = (request.routeOptions.schema?.querystring as ObjectSchema | undefined)?.properties;
  if (!known || (request.method !== 'GET' && request.method !== 'HEAD')) return;
  const query = request.query as Record<string, unknown>;
  for (const name of Object.keys(query)) if (!Object.hasOwn(known, name)) delete query[name];
}

/** Registers the rules; call before the hooks that read the request (HTTPS redirect, sessions, CSRF). */
export function installInputRules(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (!validHost(request.host)) throw refusal(400, 'The request named no valid host.');
    // The parser refuses a raw NUL in the request line, so "%00" is the only way one gets in.
    if (/%00/i.test(request.raw.url ?? '')) throw refusal(400, 'The address holds a NUL character.');
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding && encoding !== 'identity') throw refusal(415, 'Compressed request bodies are not accepted.');
  });
  app.addHook('preValidation', async (request) => {
    if (containsNul(request.body)) throw refusal(400, 'A field holds a NUL character.');
    checkUrlIntegers(request);
    dropUnknownQueryParameters(request);
  });
}
