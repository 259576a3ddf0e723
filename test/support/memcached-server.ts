// A throwaway memcached for one test file: a free loopback port, 16 MB,
// stopped afterwards.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { requiredTool } from './required-tool.js';
import { freePort } from './free-port.js';

/** Whether the memcached tests can run. Missing memcached fails CI and skips, with a warning, elsewhere. */
export function memcachedInstalled(): boolean {
  const problem = 'memcached not found (apt-get install memcached)';
  return requiredTool(!spawnSync('memcached', ['--version']).error, { problem, ciNeeds: 'memcached for the cache tests', skipped: 'the memcached tests' });
}

export interface MemcachedServer {
  /** memjs's server list: host:port. */
  servers: string;
  port: number;
  /** The server's process, to freeze it (SIGSTOP) as a hung server. */
  pid: number;
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** `port`: a given one, to start a stopped server again where its clients look for it. */
export async function startMemcached(port?: number): Promise<MemcachedServer> {
  port ??= await freePort();
  // memcached refuses to run as root unless told whom to become.
  const asUser = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const child = spawn('memcached', ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '16', ...asUser], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  for (const started = Date.now(); !(await accepts(port)); ) {
    if (child.exitCode !== null) throw new Error(`memcached exited with ${child.exitCode}:\n${output}`);
    if (Date.now() - started > 10_000) throw new Error(`memcached did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    servers: `127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}
