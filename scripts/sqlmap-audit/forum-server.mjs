// The built server (dist/cli.js serve) on a throwaway SQLite database, with
// debug logs so that every answered request reports its route and whether
// its handler ran (src/security/route-audit-log.ts).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../bench/processes.mjs';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const HOST = '127.0.0.1';

/** Starts the server in `dir`; resolves with its origin, per-route counts, and stop(). */
export async function startForumServer(dir, extraEnv) {
  const port = await freePort(HOST);
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      ...process.env,
      HOST,
      PORT: String(port),
      DATA_DIR: dir,
      DATABASE_URL: `sqlite:${join(dir, 'audit.db')}`,
      SECRET_KEY: randomBytes(32).toString('base64url'),
      BASE_URL: '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'debug',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  /** route → { received, reached } */
  const routes = new Map();
  let listening;
  const ready = new Promise((resolve) => (listening = resolve));
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.includes('Server listening at')) listening();
    if (!line.includes('"route answered"')) return;
    const { route, handled } = JSON.parse(line);
    const counts = routes.get(route) ?? { received: 0, reached: 0 };
    counts.received += 1;
    if (handled) counts.reached += 1;
    routes.set(route, counts);
  });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the server exited with code ${code}`);
  });
  await Promise.race([ready, exited]);
  return {
    origin: `http://${HOST}:${port}`,
    routes,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
