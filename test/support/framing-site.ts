// Another site, for clickjacking tests: a loopback HTTP server on a port of its
// own (so a different origin from the app's) whose page frames a given URL.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

export interface FramingSite {
  /** The page framing `target`, as served on `host` (127.0.0.1 or localhost: two origins). */
  pageFraming(target: string, host?: string): string;
  origin(host?: string): string;
}

/** Started before, stopped after, the file's tests: `const site = useFramingSite();` then `site().pageFraming(url)`. */
export function useFramingSite(): () => FramingSite {
  let server: Server | undefined;
  let site: FramingSite | undefined;
  beforeAll(async () => {
    server = createServer((request, response) => {
      const target = new URL(request.url ?? '/', 'http://framing.invalid').searchParams.get('target') ?? '';
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><title>Another site</title><h1>Another site</h1><iframe src="${encodeURI(target)}" width="800" height="600"></iframe>`);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const origin = (host = '127.0.0.1') => `http://${host}:${port}`;
    site = { origin, pageFraming: (target, host) => `${origin(host)}/?target=${encodeURIComponent(target)}` };
  });
  afterAll(async () => {
    server?.close();
    if (server?.listening) await once(server, 'close');
  });
  return () => {
    if (!site) throw new Error('useFramingSite(): the site is not started yet');
    return site;
  };
}
