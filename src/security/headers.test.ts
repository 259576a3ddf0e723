// The framing mechanism on its own: each rule a route can declare, the
// default, and what an error from an embeddable route gets.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { FramingRule } from './framing.js';
import { installSecurityHeaders } from './headers.js';

async function appWith(embedOrigins: string[]) {
  const app = Fastify();
  installSecurityHeaders(app, { embedOrigins });
  app.get('/default', async () => 'ok');
  for (const framing of ['deny', 'sameorigin', 'embed'] as const satisfies FramingRule[]) {
    app.get(`/${framing}`, { config: { framing } }, async () => 'ok');
  }
  app.get('/embed-failing', { config: { framing: 'embed' } }, async () => {
    throw new Error('boom');
  });
  await app.ready();
  return app;
}

async function framing(app: Awaited<ReturnType<typeof appWith>>, url: string) {
  const { headers } = await app.inject({ method: 'GET', url });
  const frameAncestors = /frame-ancestors ([^;]*)/.exec(String(headers['content-security-policy']))?.[1];
  return { frameAncestors, xFrameOptions: headers['x-frame-options'] };
}

describe('per-route framing rules', () => {
  it('refuse every frame by default and for deny, allow our own pages for sameorigin', async () => {
    const app = await appWith([]);
    const deny = { frameAncestors: "'none'", xFrameOptions: 'DENY' };
    expect(await framing(app, '/default')).toEqual(deny);
    expect(await framing(app, '/deny')).toEqual(deny);
    expect(await framing(app, '/no-such-route')).toEqual(deny);
    expect(await framing(app, '/sameorigin')).toEqual({ frameAncestors: "'self'", xFrameOptions: 'SAMEORIGIN' });
    await app.close();
  });

  it('let any site frame an embed when no origins are listed, and only the listed ones otherwise, without X-Frame-Options', async () => {
    const open = await appWith([]);
    expect(await framing(open, '/embed')).toEqual({ frameAncestors: '*', xFrameOptions: undefined });
    await open.close();
    const listed = await appWith(['https://a.example', 'http://localhost:8080']);
    expect(await framing(listed, '/embed')).toEqual({ frameAncestors: 'https://a.example http://localhost:8080', xFrameOptions: undefined });
    expect(await framing(listed, '/default')).toEqual({ frameAncestors: "'none'", xFrameOptions: 'DENY' });
    await listed.close();
  });

  it('never let an embeddable route’s error page be framed', async () => {
    const app = await appWith([]);
    expect(await framing(app, '/embed-failing')).toEqual({ frameAncestors: "'none'", xFrameOptions: 'DENY' });
    await app.close();
  });
});
