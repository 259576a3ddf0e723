// Child processes for the bench: each server runs in its own process so the
// load generator's CPU time is never counted in the server's.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/* global fetch */

const running = new Set();
const cleanups = [];

// 'exit' handlers must be synchronous: kill() only sends the signal, which is enough.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const cleanup of cleanups.reverse()) cleanup();
});
// Ctrl-C or kill: leave through process.exit so the handler above runs.
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.once(signal, () => process.exit(code));
}

/** Runs `cleanup` (synchronous) when the bench exits, however it exits. */
export function atExit(cleanup) {
  cleanups.push(cleanup);
}

/** Spawns a process that is killed when the bench exits, if it is still running then. */
export function spawnKept(command, args, options) {
  const child = spawn(command, args, options);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Runs a Node script to completion (or until the bench exits) and returns its stdout; throws with its stderr on failure. */
export function runNode(args, env) {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, args, { env: { ...process.env, ...env } }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    running.add(child);
    child.once('exit', () => running.delete(child));
  });
}

/** A port nobody listens on right now on `host` (the OS picks it). */
export async function freePort(host) {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, host, resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Starts a Node server script and waits until `readyUrl` answers; returns
 * `stop()`, which sends SIGTERM and waits for the process to end.
 */
export async function startServer(name, args, env, readyUrl) {
  const child = spawnKept(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  let stopping = false;
  const exited = once(child, 'exit');
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited unexpectedly (code ${code}, signal ${signal})`);
  });
  const stop = async () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  for (let attempt = 0; attempt < 600; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited before answering ${readyUrl}`);
    try {
      await fetch(readyUrl);
      return { stop };
    } catch {
      await sleep(100);
    }
  }
  await stop();
  throw new Error(`${name} did not answer ${readyUrl} within 60 s`);
}
