// Visitors' cached pages answered at the door: the first hook after the
// checks every request must pass (input rules, the HTTPS redirect) finds the
// page this process last served for the address, checks its stamp is still
// current, and sends it with the headers it went out with, skipping the
// session, access, CSRF and speed hooks, the route and the header hooks,
// which would all come to the same answer for a request without a cookie.
// As Django's FetchFromCacheMiddleware, and what Varnish does when in front.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { Generations } from '../cache/generations.js';
import type { Clock } from '../errors.js';
import { negotiateEncoding } from './compression.js';

/** A page as the page cache made or found it (page-cache.ts). */
export interface DoorPage {
  etag: string;
  br: Buffer;
  gzip: Buffer;
}

/** A page the door may answer with: the version it is (its families' stamp) and what went out with it. */
interface Entry {
  families: readonly string[];
  stamp: string;
  page: DoorPage;
  /** When the page cache's copy ends (epoch ms): the door keeps it no longer. */
  expiresAt: number;
  /** Every header of the answer but its length and encoding: name, value, name, value… as writeHead takes them. */
  headers: string[];
}

/** Per process; the page cache's own store (CACHE_URL) holds the rest. */
const MAX_BYTES = 16 * 1024 * 1024;

/** Said per answer, or by the door per hit. */
const NOT_REPLAYED = new Set(['content-length', 'content-encoding', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'server-timing']);

/** Whether an If-None-Match header names this (weak) validator. */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === opaque;
  });
}

export interface FrontDoorOptions {
  /** PAGE_CACHE_SECONDS; 0: no page cache, so no door. */
  ttlSeconds: number;
  /** DEBUG_QUERIES: a hit says it ran no query, as other answers say how many they ran. */
  serverTiming: boolean;
}

export class FrontDoor {
  private readonly entries: LRUCache<string, Entry>;
  /** Answers the page cache just sent: recorded once they went out, with their final headers. */
  private readonly sent = new WeakMap<FastifyRequest, Omit<Entry, 'headers'>>();

  constructor(
    private readonly generations: Generations,
    private readonly now: Clock,
    private readonly options: FrontDoorOptions,
  ) {
    this.entries = new LRUCache({
      maxSize: MAX_BYTES,
      sizeCalculation: (entry) => entry.page.br.length + entry.page.gzip.length + 512,
    });
  }

  /** Called by the page cache for a visitor's page it sends whole: the door answers the next one. */
  remember(request: FastifyRequest, entry: Omit<Entry, 'headers'>): void {
    this.sent.set(request, entry);
  }

  /**
   * Registers the door: call right after the hooks every request must pass
   * (input rules, the HTTPS redirect) and before any other.
   */
  install(app: FastifyInstance): void {
    if (this.options.ttlSeconds <= 0) return;
    app.addHook('onRequest', async (request, reply) => {
      // A cookie may be a session: the page cache's own check (page-cache.ts) decides then.
      if (request.method !== 'GET' || request.headers.cookie !== undefined) return;
      const key = doorKey(request);
      const entry = this.entries.get(key);
      if (!entry) return;
      if (entry.expiresAt <= this.now()) {
        this.entries.delete(key);
        return;
      }
      const encoding = negotiateEncoding(request.headers['accept-encoding']);
      if (encoding === 'identity') return;
      const stamp = await this.generations.stamp(entry.families);
      if (stamp !== entry.stamp) {
        this.entries.delete(key);
        return;
      }
      this.answer(request, reply, entry, encoding);
    });
    app.addHook('onResponse', (request, reply, done) => {
      const sent = this.sent.get(request);
      if (sent && reply.statusCode === 200) this.record(doorKey(request), sent, reply);
      done();
    });
  }

  private answer(request: FastifyRequest, reply: FastifyReply, entry: Entry, encoding: 'br' | 'gzip'): void {
    reply.hijack();
    const headers = this.options.serverTiming ? [...entry.headers, 'Server-Timing', 'db;desc="0 queries";dur=0.00'] : entry.headers;
    if (matchesEtag(request.headers['if-none-match'], entry.page.etag)) {
      reply.raw.writeHead(304, headers).end();
      return;
    }
    const body = entry.page[encoding];
    reply.raw.writeHead(200, [...headers, 'Content-Encoding', encoding, 'Content-Length', String(body.length)]).end(body);
  }

  private record(key: string, sent: Omit<Entry, 'headers'>, reply: FastifyReply): void {
    const headers: string[] = [];
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value === undefined || NOT_REPLAYED.has(name.toLowerCase())) continue;
      // A page that set a cookie is not every visitor's.
      if (name.toLowerCase() === 'set-cookie') return;
      headers.push(name, String(value));
    }
    this.entries.set(key, { ...sent, headers });
  }
}

/** The scheme is part of the answer (HSTS is sent over HTTPS only); the host is not (as in the page cache). */
const doorKey = (request: FastifyRequest) => `${request.protocol}:${request.url}`;
