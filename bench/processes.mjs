// Child processes for the bench: each server runs in its own process so the
// load generator's CPU time is never counted in the server's.
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

/* global fetch */

const running = new Set();

// 'exit' handlers must be synchronous: kill() only sends the signal, which is enough.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
// Ctrl-C or kill: leave through process.exit so the handler above runs.
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.once(signal, () => process.exit(code));
}

/** Runs a Node script to completion and returns its stdout; throws with its stderr on failure. */
export async function runNode(args, env) {
  const { stdout } = await promisify(execFile)(process.execPath, args, { env: { ...process.env, ...env } });
  return stdout;
}

/** A port nobody listens on right now on `host` (the OS picks it). */
export async function freePort(host) {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, host, resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts a server script that runs until the bench exits, and waits until `readyUrl` answers. */
export async function startServer(name, args, env, readyUrl) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  running.add(child);
  let exited = false;
  child.once('exit', (code, signal) => {
    exited = true;
    running.delete(child);
    console.error(`${name} exited unexpectedly (code ${code}, signal ${signal})`);
  });
  for (let attempt = 0; attempt < 100; attempt++) {
    if (exited) throw new Error(`${name} exited before answering ${readyUrl}`);
    try {
      await fetch(readyUrl);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${name} did not answer ${readyUrl} within 10 s`);
}
