// The anonymous page cache: a visitor's page is made once per version of
// what it shows, stored compressed, and served to every visitor after, with
// headers that let browsers (ETag) and a reverse proxy (s-maxage) keep it too.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppCache } from '../cache/index.js';
import type { Clock } from '../errors.js';
import { compressForCache, negotiateEncoding } from './compression.js';
import type { ProxyTrust } from '../security/proxy-trust.js';
import { FrontDoor, matchesEtag, type DoorPage } from './front-door.js';
import type { SafeHtml } from './html.js';
import { addVary, sendHtml } from './respond.js';

/** A cached page: its validator, when it leaves the cache, and both compressed forms. */
interface StoredPage extends DoorPage {
  expiresAt: number;
}

/** One buffer per entry: a 4-byte length, the JSON head, then the brotli and gzip bytes. */
function pack(page: StoredPage): Buffer {
  const head = Buffer.from(JSON.stringify({ etag: page.etag, expiresAt: page.expiresAt, br: page.br.length }));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(head.length);
  return Buffer.concat([length, head, page.br, page.gzip]);
}

function unpack(bytes: Buffer): StoredPage {
  const headEnd = 4 + bytes.readUInt32BE(0);
  const head = JSON.parse(bytes.subarray(4, headEnd).toString()) as { etag: string; expiresAt: number; br: number };
  return { etag: head.etag, expiresAt: head.expiresAt, br: bytes.subarray(headEnd, headEnd + head.br), gzip: bytes.subarray(headEnd + head.br) };
}

export interface PageCacheOptions {
  /** How long a page is kept (PAGE_CACHE_SECONDS); 0 turns the page cache off. */
  ttlSeconds: number;
  /** DEBUG_QUERIES: the door's hits say they ran none (front-door.ts). */
  serverTiming: boolean;
  /** TRUST_PROXY as Fastify applies it: the door reads the scheme and host by it (front-door.ts). */
  trust: ProxyTrust;
  /**
   * Whether the request may share a page with every other visitor: not
   * signed in, and no session cookie on its way out (an expired one is
   * cleared by this very answer).
   */
  isVisitor(request: FastifyRequest): boolean;
}

export class PageCache {
  /** Misses being made in this process, so a burst of visitors makes the page once. */
  private readonly making = new Map<string, Promise<StoredPage>>();
  /** Answers this process's visitors before the app (the server's listener, and door.install). */
  readonly door: FrontDoor;

  constructor(
    private readonly cache: AppCache,
    private readonly now: Clock,
    private readonly options: PageCacheOptions,
  ) {
    this.door = new FrontDoor(cache.generations, now, options);
  }

  /**
   * Answers a page that shows `families` (src/cache/changes.ts): for a
   * visitor from the cache when it holds this version, else made by
   * `render` and stored; for a signed-in reader always made afresh.
   */
  async send(request: FastifyRequest, reply: FastifyReply, families: readonly string[], render: () => Promise<SafeHtml>): Promise<FastifyReply> {
    if (!this.shares(request)) return sendHtml(reply, await render());
    // The stamp is read before the page's data, so a write committed meanwhile makes a newer stamp (generations.ts).
    const stamp = await this.cache.generations.stamp(families);
    if (stamp === undefined) return sendHtml(reply, await render());
    const page = await this.lookup(`page:${request.url}|${stamp}`, render);
    const { ttlSeconds } = this.options;
    reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', `public, max-age=0, s-maxage=${ttlSeconds}`)
      .header('ETag', page.etag)
      // For a reverse proxy's ban (PURGE_URL); the VCL keeps it from clients.
      .header('X-Cache-Families', families.join(' '));
    addVary(reply, 'Accept-Encoding');
    if (matchesEtag(request.headers['if-none-match'], page.etag)) return reply.code(304).send();
    this.door.remember(request, { families, stamp, page, expiresAt: page.expiresAt });
    const encoding = negotiateEncoding(request.headers['accept-encoding']);
    if (encoding === 'identity') return reply.send(gunzipSync(page.gzip));
    return reply.header('Content-Encoding', encoding).send(page[encoding]);
  }

  /** Whether this request gets the page every visitor shares (else it is made for it). */
  shares(request: FastifyRequest): boolean {
    return this.options.ttlSeconds > 0 && this.options.isVisitor(request);
  }

  private async lookup(key: string, render: () => Promise<SafeHtml>): Promise<StoredPage> {
    const stored = await this.cache.store.get(key);
    if (stored) return unpack(stored);
    const pending = this.making.get(key);
    if (pending) return pending;
    const made = this.make(key, render).finally(() => this.making.delete(key));
    this.making.set(key, made);
    return made;
  }

  private async make(key: string, render: () => Promise<SafeHtml>): Promise<StoredPage> {
    const body = Buffer.from((await render()).value);
    const etag = `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    const page = { etag, expiresAt: this.now() + this.options.ttlSeconds * 1000, ...compressForCache(body) };
    await this.cache.store.set(key, pack(page), this.options.ttlSeconds);
    return page;
  }
}
