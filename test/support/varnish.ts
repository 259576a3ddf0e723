// A throwaway varnishd running the shipped deploy/varnish.vcl, its backends
// block replaced by the test's app processes: a free loopback port, 32 MB of
// memory storage, stopped and its directories removed afterwards.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { freePort } from './free-port.js';
import { requiredTool } from './required-tool.js';

export const VARNISHD = process.env.VARNISHD ?? '/usr/sbin/varnishd';

/** Whether the Varnish tests can run. Missing varnishd fails CI and skips, with a warning, elsewhere. */
export function varnishInstalled(): boolean {
  const problem = 'varnishd not found (apt-get install varnish)';
  return requiredTool(!spawnSync(VARNISHD, ['-V']).error, { problem, ciNeeds: 'Varnish for the reverse-proxy tests', skipped: 'the Varnish tests' });
}

/** deploy/varnish.vcl with one backend per origin (http://127.0.0.1:PORT) behind its round-robin director. */
export function vclFor(origins: readonly string[]): string {
  const shipped = readFileSync('deploy/varnish.vcl', 'utf8');
  const block = /^# ---- backends:.*?^# ---- end of backends ----$/ms;
  if (!block.test(shipped)) throw new Error('deploy/varnish.vcl lost its "# ---- backends:" … "# ---- end of backends ----" block');
  const backends = origins.map((origin, i) => {
    const { hostname, port } = new URL(origin);
    return `backend app${i + 1} { .host = "${hostname}"; .port = "${port}"; .connect_timeout = 2s; }`;
  });
  const added = origins.map((_, i) => `    app.add_backend(app${i + 1});`);
  return shipped.replace(block, [...backends, 'sub vcl_init {', '    new app = directors.round_robin();', ...added, '}'].join('\n'));
}

export interface Varnish {
  origin: string;
  /** What varnishd printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** `port`: a given one (freePort()), for app processes started first with PURGE_URL pointing at it. */
export async function startVarnish(backendOrigins: readonly string[], port?: number): Promise<Varnish> {
  const dir = mkdtempSync(join(tmpdir(), 'charcha-varnish-'));
  // As root, varnishd compiles the VCL as its own unprivileged user, which must reach the work directory.
  chmodSync(dir, 0o755);
  const vcl = join(dir, 'charcha.vcl');
  writeFileSync(vcl, vclFor(backendOrigins));
  port ??= await freePort();
  const args = ['-F', '-a', `127.0.0.1:${port}`, '-f', vcl, '-n', join(dir, 'work'), '-s', 'malloc,32m'];
  const child = spawn(VARNISHD, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready once a request goes through to an app process.
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`varnishd exited with ${child.exitCode}:\n${output}`);
    }
    const status = await fetch(`${origin}/healthz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`varnishd did not start (last status ${status}):\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { origin, output: () => output, stop };
}

/** X-Varnish holds two transaction ids on a hit (this request's and the stored object's), one on a miss or pass. */
export function isHit(response: Response): boolean {
  return (response.headers.get('x-varnish') ?? '').trim().split(/\s+/).length === 2;
}

/** The first score on a page: the discussion's own. */
export function scoreOn(body: string): number {
  return Number(/class="score">(-?\d+) points?</.exec(body)?.[1]);
}

/** What a page through Varnish must never show: internals, or a cookie out of the cache. */
export function expectNothingLeaked(response: Response): void {
  expect(response.headers.get('x-cache-families')).toBeNull();
  if (isHit(response)) expect(response.headers.getSetCookie()).toEqual([]);
}
