// A throwaway redis-server for one test file: a free loopback port, nothing
// saved to disk, stopped and its directory removed afterwards.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { requiredTool } from './required-tool.js';
import { freePort } from './free-port.js';

/** Whether the Redis tests can run. Missing redis-server fails CI and skips, with a warning, elsewhere. */
export function redisServerInstalled(): boolean {
  const problem = 'redis-server not found (apt-get install redis-server)';
  return requiredTool(!spawnSync('redis-server', ['--version']).error, { problem, ciNeeds: 'Redis for the shared rate-limit tests', skipped: 'the Redis tests' });
}

export interface RedisServer {
  url: string;
  port: number;
  /** The server's process, to freeze it (SIGSTOP) as a hung server. */
  pid: number;
  stop(): Promise<void>;
}

/** `port`: a given one, to start a stopped server again where its clients look for it. */
export async function startRedisServer(port?: number): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'charcha-redis-'));
  port ??= await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One redis-server for the whole file: `const redis = useRedisServer();` then `redis().url`. */
export function useRedisServer(): () => RedisServer {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('useRedisServer(): the server is not started yet');
    return server;
  };
}
