// Visitors' cached pages answered at the door: before Fastify makes a request
// of the connection's bytes, the server's own request listener finds the page
// this process last served for the address, checks its stamp is still current,
// and sends it with the headers it went out with. Everything a request passes
// inside the app (input rules, the HTTPS redirect, session, access, CSRF,
// speed limits, the route, the header hooks) would come to the same answer:
// the door only answers a request that agrees, in everything those read
// (method, address, Host, scheme as the proxies say it, no cookie, no body),
// with one the app answered 200 to. As Django's FetchFromCacheMiddleware, and
// what Varnish does when in front.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { Generations } from '../cache/generations.js';
import type { Clock } from '../errors.js';
import type { ProxyTrust } from '../security/proxy-trust.js';
import { negotiateEncoding } from './compression.js';

/** A page as the page cache made or found it (page-cache.ts). */
export interface DoorPage {
  etag: string;
  br: Buffer;
  gzip: Buffer;
}

/** What the page cache says of a page it sent (page-cache.ts). */
interface SentPage {
  families: readonly string[];
  /** The version it is: its families' stamp. */
  stamp: string;
  page: DoorPage;
  /** When the page cache's copy ends (epoch ms): the door keeps it no longer. */
  expiresAt: number;
}

/** A page the door may answer with, and the headers of each answer, as writeHead takes them (name, value…). */
interface Entry extends SentPage {
  heads: { br: string[]; gzip: string[]; notModified: string[] };
  /** Generations.localVersion when the stamp was last found current: while it stays so, it still is. */
  checkedAt?: number;
}

/** A request the door can answer, if the page's stamp is still current. */
interface Hit {
  key: string;
  entry: Entry;
  encoding: 'br' | 'gzip';
}

/** Per process; the page cache's own store (CACHE_URL) holds the rest. */
const MAX_BYTES = 16 * 1024 * 1024;

/** Said per answer, or by the door per hit. */
const NOT_REPLAYED = new Set(['content-length', 'content-encoding', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'server-timing']);

/** Log levels at which each request gets its line (logging.ts logs them at info). */
const LOGS_REQUESTS = new Set(['info', 'debug', 'trace']);

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
  /** TRUST_PROXY, as Fastify applies it: which X-Forwarded-Proto and -Host to believe. */
  trust: ProxyTrust;
}

export class FrontDoor {
  private readonly entries: LRUCache<string, Entry>;
  /** Answers the page cache just sent: recorded once they went out, with their final headers. */
  private readonly sent = new WeakMap<FastifyRequest, SentPage>();
  /** From install (a page cache to answer from) until the app starts closing (then Fastify answers, 503 to new requests). */
  private open = false;
  private log: FastifyBaseLogger | undefined;
  private answered = 0;

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
  remember(request: FastifyRequest, entry: SentPage): void {
    this.sent.set(request, entry);
  }

  /** Records the pages the app sent, and stops answering when it closes. */
  install(app: FastifyInstance): void {
    if (this.options.ttlSeconds <= 0) return;
    this.log = app.log;
    this.open = true;
    app.addHook('onResponse', (request, reply, done) => {
      const sent = this.sent.get(request);
      if (sent && reply.statusCode === 200) this.record(this.keyOf(request.raw), sent, reply);
      done();
    });
    app.addHook('preClose', (done) => {
      this.open = false;
      done();
    });
  }

  /** The server's request listener: the door's answer when it has one, else the app's (`next`). */
  serve(req: IncomingMessage, res: ServerResponse, next: RequestListener): void {
    const found = this.open ? this.find(req) : undefined;
    if (!found) return void next(req, res);
    const started = this.log && LOGS_REQUESTS.has(this.log.level) ? performance.now() : undefined;
    // No write in this process since the stamp was last found current, and no other process can make one.
    const version = this.generations.localVersion;
    if (version !== undefined && found.entry.checkedAt === version) return this.answer(req, res, found, started);
    this.generations.stamp(found.entry.families).then(
      (stamp) => {
        if (stamp === found.entry.stamp) {
          found.entry.checkedAt = version;
          return this.answer(req, res, found, started);
        }
        this.entries.delete(found.key);
        next(req, res);
      },
      // The cache cannot say: the app's own path degrades as it does for every request.
      () => next(req, res),
    );
  }

  private find(req: IncomingMessage): Hit | undefined {
    const { headers } = req;
    // A cookie may be a session, and a body or its encoding is for the app's rules to judge.
    if (req.method !== 'GET' || headers.cookie !== undefined || headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined || headers['content-encoding'] !== undefined) return undefined;
    const key = this.keyOf(req);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    const encoding = negotiateEncoding(headers['accept-encoding']);
    return encoding === 'identity' ? undefined : { key, entry, encoding };
  }

  /**
   * What a visitor's page depends on besides its stamp: the address, the Host,
   * and the scheme and host the proxies say when they are believed. Two
   * requests with the same key met the app's rules alike and got the same page.
   */
  private keyOf(req: IncomingMessage): string {
    const { headers, socket } = req;
    const proto = headers['x-forwarded-proto'];
    const host = headers['x-forwarded-host'];
    const believed = (proto !== undefined || host !== undefined) && this.options.trust(socket.remoteAddress ?? '', 0);
    // Node joins a repeated X-Forwarded-* header into one string, as Fastify then reads it.
    const forwarded = believed ? `${String(proto ?? '')}\n${String(host ?? '')}` : '';
    const tls = (socket as { encrypted?: boolean }).encrypted === true ? 's' : '';
    return `${tls}\n${forwarded}\n${headers.host ?? ''}\n${req.url ?? ''}`;
  }

  private answer(req: IncomingMessage, res: ServerResponse, { entry, encoding }: Hit, started: number | undefined): void {
    let statusCode = 200;
    if (matchesEtag(req.headers['if-none-match'], entry.page.etag)) {
      statusCode = 304;
      res.writeHead(304, entry.heads.notModified).end();
    } else {
      res.writeHead(200, entry.heads[encoding]).end(entry.page[encoding]);
    }
    // The access log's line, as the app writes one per request (logging.ts).
    if (started !== undefined) {
      const responseTime = Math.round((performance.now() - started) * 10) / 10;
      this.log!.info({ reqId: `door-${(this.answered++).toString(36)}`, method: req.method, url: req.url, statusCode, responseTime }, 'request completed');
    }
  }

  private record(key: string, sent: SentPage, reply: FastifyReply): void {
    const headers: string[] = [];
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value === undefined || NOT_REPLAYED.has(name.toLowerCase())) continue;
      // A page that set a cookie is not every visitor's.
      if (name.toLowerCase() === 'set-cookie') return;
      headers.push(name, String(value));
    }
    if (this.options.serverTiming) headers.push('Server-Timing', 'db;desc="0 queries";dur=0.00');
    const withBody = (encoding: 'br' | 'gzip') => [...headers, 'Content-Encoding', encoding, 'Content-Length', String(sent.page[encoding].length)];
    this.entries.set(key, { ...sent, heads: { br: withBody('br'), gzip: withBody('gzip'), notModified: headers } });
  }
}
