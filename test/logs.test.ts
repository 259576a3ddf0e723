// The built server logs one line per request: readable in a terminal
// (LOG_FORMAT=pretty, the default outside production), JSON otherwise.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess } from './support/server-process.js';
import { testDbKind } from './support/test-db.js';

/** Serves /new (200) and /nope (404) once each, then stops; returns every line the server printed. */
async function logLines(format: string): Promise<string[]> {
  // --no-worker: the in-process outbox worker's start and stop lines are not requests'.
  const server = await startServerProcess({ LOG_FORMAT: format, DATA_DIR: dir, DATABASE_URL: `sqlite:${join(dir, 'charcha.db')}`, SECRET_KEY: randomBytes(32).toString('base64url') }, ['--no-worker']);
  for (const [path, status] of [['/new', 200], ['/nope', 404]] as const) {
    const response = await fetch(server.origin + path);
    await response.text();
    expect(response.status).toBe(status);
  }
  await server.stop();
  return server.output().trim().split('\n');
}

let dir: string;

// The logs do not depend on the database: SQLite only.
// Child processes are slow to start on a busy machine.
describe.skipIf(testDbKind !== 'sqlite')('request logs', { timeout: 120_000 }, () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'charcha-logs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pretty: one readable line per request', async () => {
    const lines = await logLines('pretty');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d INFO {2}Server listening at http:\/\/127\.0\.0\.1:\d+$/);
    // In either order: a line is written when the answer is flushed, which may come after the next request.
    expect(lines.slice(1, 3).sort((a, b) => a.slice(9).localeCompare(b.slice(9)))).toEqual([
      expect.stringMatching(/^\d\d:\d\d:\d\d INFO {2}GET \/new 200 \d+\.\d ms$/),
      expect.stringMatching(/^\d\d:\d\d:\d\d INFO {2}GET \/nope 404 \d+\.\d ms$/),
    ]);
    expect(lines[3]).toMatch(/SIGTERM: closing$/);
  });

  it('json: one JSON line per request, with method, URL, status and time', async () => {
    const entries = (await logLines('json')).map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = entries.filter((e) => 'url' in e).sort((a, b) => String(a.url).localeCompare(String(b.url)));
    expect(requests.map(({ level, msg, method, url, statusCode }) => ({ level, msg, method, url, statusCode }))).toEqual([
      { level: 30, msg: 'request completed', method: 'GET', url: '/new', statusCode: 200 },
      { level: 30, msg: 'request completed', method: 'GET', url: '/nope', statusCode: 404 },
    ]);
    for (const request of requests) expect(typeof request.responseTime).toBe('number');
    expect(entries).toHaveLength(4);
  });
});
