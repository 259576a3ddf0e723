// A throwaway redis-server on loopback for the Redis configurations: nothing
// saved to disk, killed when the bench exits. (test/support/redis-server.ts
// is the tests' twin; the bench is plain JavaScript and cannot import it.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { atExit, freePort, spawnKept } from './processes.mjs';

export function redisServerInstalled() {
  return !spawnSync('redis-server', ['--version']).error;
}

/** Starts redis-server; resolves with its redis:// URL once it accepts connections. */
export async function startRedisServer(host) {
  const dir = mkdtempSync(join(tmpdir(), 'charcha-bench-redis-'));
  atExit(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort(host);
  const args = ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no', '--dir', dir];
  const child = spawnKept('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.stdout.on('data', (chunk) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on('data', (chunk) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
  });
  // Past start-up, its log only fills the pipe.
  child.stdout.resume();
  return `redis://${host}:${port}`;
}
