// SIGTERM (a deploy, a scale-down): the process stops taking connections,
// lets the requests it is answering finish, closes its pools and exits 0.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRaw } from './support/raw-http.js';
import { startServerProcess } from './support/server-process.js';

describe('graceful shutdown', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'charcha-shutdown-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('finishes a request in flight, refuses new connections, and exits 0', async () => {
    const server = await startServerProcess({ DATA_DIR: dataDir, SECRET_KEY: 'test-secret-key-that-is-long-enough-000' });
    const port = Number(new URL(server.origin).port);
    // A request the server is in the middle of: headers in, body still coming.
    const body = 'username=nobody&password=not-the-password';
    const { socket, answer } = openRaw(port);
    socket.write(`POST /login HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    socket.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const exited = server.terminate();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.exited()).toBe(false); // still waiting for that request
    await expect(fetch(server.origin + '/healthz')).rejects.toThrow(); // no new connections
    socket.write(body.slice(10));
    // Refused for its missing form token, but answered in full.
    expect((await answer).status).toBe(403);
    expect(await exited).toBe(0);
    expect(server.output()).toContain('SIGTERM: closing');
  });
});
