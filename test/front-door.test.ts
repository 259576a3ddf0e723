// The page cache's front door (src/web/front-door.ts): a visitor's cached page
// answered by the server's listener before the app, the same answer the route
// would give, never to a request with a cookie, and never once a write or the
// TTL has ended it. The door stands before Fastify, so these visits go over
// real HTTP (app.inject would walk past it).
import { request, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestApp, type TestApp } from './support/app.js';
import { queryCount } from './support/browser-session.js';
import { comment, member, startDiscussion } from './support/forum.js';

const BROWSER = { 'accept-encoding': 'gzip, deflate, br' };

interface Visit {
  statusCode: number;
  headers: IncomingHttpHeaders;
  rawPayload: Buffer;
}

/** A GET over loopback as a browser sends it, its body as it came over the wire. */
function visit(app: FastifyInstance, path: string, headers: Record<string, string> = {}): Promise<Visit> {
  const { port } = app.server.address() as { port: number };
  return new Promise((resolve, reject) => {
    const sent = request({ host: '127.0.0.1', port, path, headers: { ...BROWSER, ...headers } }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => resolve({ statusCode: answer.statusCode ?? 0, headers: answer.headers, rawPayload: Buffer.concat(chunks) }));
    });
    sent.on('error', reject).end();
  });
}

function decoded({ headers, rawPayload }: Visit): string {
  const encoding = headers['content-encoding'];
  return (encoding === 'br' ? brotliDecompressSync(rawPayload) : encoding === 'gzip' ? gunzipSync(rawPayload) : rawPayload).toString();
}

function listening(t: () => TestApp): void {
  beforeAll(async () => {
    await t().app.listen({ host: '127.0.0.1', port: 0 });
  });
}

/** The headers that say something about the page (not when or over which connection it went). */
function pageHeaders(headers: Record<string, unknown>): Record<string, string> {
  const kept = Object.entries(headers).filter(([name]) => !['date', 'connection', 'keep-alive', 'server-timing'].includes(name.toLowerCase()));
  return Object.fromEntries(kept.map(([name, value]) => [name.toLowerCase(), String(value)]));
}

describe("the page cache's front door", () => {
  const t = useTestApp();
  listening(t);

  it('answers the next visitor with the very bytes and headers the route sent, running no query', async () => {
    const alice = await member(t().app);
    await startDiscussion(alice, { title: 'At the door' });
    // A profile's route reads whose it is before its cached page (one query): the door reads none.
    for (const url of ['/', `/profile/${alice.username}/`]) {
      const made = await visit(t().app, url);
      const fromRoute = await visit(t().app, url, { 'accept-encoding': 'gzip' });
      const atDoor = await visit(t().app, url);
      expect(made.headers['content-encoding']).toBe('br');
      expect(queryCount(atDoor)).toBe(0);
      expect(atDoor.rawPayload.equals(made.rawPayload)).toBe(true);
      expect(pageHeaders(atDoor.headers)).toEqual(pageHeaders(made.headers));
      // The gzip form too, once the route has sent it.
      const gzipAtDoor = await visit(t().app, url, { 'accept-encoding': 'gzip' });
      expect(gzipAtDoor.rawPayload.equals(fromRoute.rawPayload)).toBe(true);
      expect(gzipAtDoor.headers['content-encoding']).toBe('gzip');
      expect(gzipAtDoor.headers['set-cookie']).toBeUndefined();
    }
    expect(queryCount(await visit(t().app, `/profile/${alice.username}/`))).toBe(0);
  });

  it('answers 304 to a matching validator', async () => {
    const first = await visit(t().app, '/new');
    await visit(t().app, '/new');
    const revalidated = await visit(t().app, '/new', { 'if-none-match': String(first.headers.etag) });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.rawPayload.length).toBe(0);
    expect(revalidated.headers.etag).toBe(first.headers.etag);
    expect(revalidated.headers['cache-control']).toBe('public, max-age=0, s-maxage=300');
  });

  it('shows a write on the very next visit', async () => {
    const alice = await member(t().app);
    const bob = await member(t().app);
    const postId = await startDiscussion(alice, { title: 'Watched at the door' });
    const page = `/discuss/${postId}/`;
    await visit(t().app, page);
    await visit(t().app, page);
    await comment(bob, postId, 'News the door must not hide');
    const after = await visit(t().app, page);
    expect(decoded(after)).toContain('News the door must not hide');
  });

  it('never answers a request with a cookie: a member gets their own page', async () => {
    const alice = await member(t().app);
    await visit(t().app, '/');
    await visit(t().app, '/');
    const cookie = [...alice.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const own = await visit(t().app, '/', { cookie });
    expect(decoded(own)).toContain(alice.username);
    expect(own.headers['cache-control']).toBe('private, no-store');
  });

  it('keeps a page no longer than the page cache does', async () => {
    const alice = await member(t().app);
    const url = `/profile/${alice.username}/`;
    await visit(t().app, url);
    expect(queryCount(await visit(t().app, url))).toBe(0);
    t().clock.advance(301_000);
    expect(queryCount(await visit(t().app, url))).toBeGreaterThan(0);
  });

  it('still refuses what every request must pass: a bad Host', async () => {
    await visit(t().app, '/');
    await visit(t().app, '/');
    expect((await visit(t().app, '/', { host: 'bad host!' })).statusCode).toBe(400);
  });
});

describe('the front door with FORCE_HTTPS', () => {
  const t = useTestApp({ FORCE_HTTPS: 'true', TRUST_PROXY: '1' });
  listening(t);

  it('leaves plain HTTP to the redirect, and keeps HSTS for HTTPS', async () => {
    const https = { 'x-forwarded-proto': 'https' };
    await visit(t().app, '/', https);
    const atDoor = await visit(t().app, '/', https);
    expect(queryCount(atDoor)).toBe(0);
    expect(atDoor.headers['strict-transport-security']).toMatch(/max-age=/);
    const plain = await visit(t().app, '/');
    expect(plain.statusCode).toBe(301);
    expect(plain.headers.location).toMatch(/^https:\/\//);
  });
});

describe('the front door in the access log', () => {
  const t = useTestApp({ LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
  listening(t);

  it('writes the line every request gets', async () => {
    await visit(t().app, '/new');
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((text) => {
      lines.push(String(text));
      return true;
    });
    try {
      const atDoor = await visit(t().app, '/new');
      expect(queryCount(atDoor)).toBe(0);
    } finally {
      write.mockRestore();
    }
    expect(lines.filter((line) => / GET \/new 200 /.test(line))).toHaveLength(1);
  });
});
