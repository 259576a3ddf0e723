// `charcha serve --workers N`: several processes on one port (node:cluster),
// allowed only with a shared cache and shared rate limits.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { redisServerInstalled, useRedisServer } from './support/redis-server.js';
import { startServerProcess } from './support/server-process.js';

const run = promisify(execFile);
const SECRET_KEY = 'test-secret-key-that-is-long-enough-000';

describe('serve --workers', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'charcha-workers-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { ...process.env, BASE_URL: '', DATA_DIR: dataDir, SECRET_KEY, PORT: '0', HOST: '127.0.0.1' };

  /** How `charcha serve` refuses to start (it would run forever if it started: killed after 20 s). */
  const refusal = (args: string[], extraEnv: Record<string, string> = {}) =>
    run(process.execPath, ['dist/cli.js', 'serve', ...args], { env: { ...env, ...extraEnv }, timeout: 20_000 }).then(
      () => ({ code: 0, stderr: 'it started' }),
      (error: { code: number; stderr: string }) => error,
    );

  it('refuses more than one worker without a shared cache and shared rate limits, saying what is missing', async () => {
    const bare = await refusal(['--workers', '2']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('2 workers need a shared CACHE_URL (redis://, memcached:// or db://) and REDIS_URL (for the rate limits)');
    const cacheOnly = await refusal([], { WEB_CONCURRENCY: '3', CACHE_URL: 'db://' });
    expect(cacheOnly.code).toBe(2);
    expect(cacheOnly.stderr).toContain('3 workers need REDIS_URL (for the rate limits)');
    expect((await refusal(['--workers', 'two'])).stderr).toContain('--workers takes a whole number');
  });

  describe.skipIf(!redisServerInstalled())('with Redis', () => {
    const redis = useRedisServer();

    it('runs N processes on one port, the outbox worker in the primary only, and stops them all on SIGTERM', async () => {
      const server = await startServerProcess({ DATA_DIR: dataDir, SECRET_KEY, REDIS_URL: redis().url, CACHE_URL: redis().url }, ['--workers', '2']);
      // Both workers listen (each prints its line); the port answers.
      await expect.poll(() => server.output().match(/Server listening at/g)?.length ?? 0, { timeout: 20_000 }).toBe(2);
      for (let i = 0; i < 6; i++) expect((await fetch(server.origin + '/healthz')).status).toBe(200);
      // One outbox worker for the machine: the primary's, not one per HTTP worker.
      expect(server.output().match(/outbox worker started/g)).toHaveLength(1);
      expect(await server.terminate()).toBe(0);
      expect(server.output()).toContain('SIGTERM: closing 2 workers');
      expect(server.output()).toContain('outbox worker stopped');
    }, 60_000);
  });
});
