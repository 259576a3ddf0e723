// Slow and greedy clients against a server that faces them directly: a body
// or headers dribbled a byte at a time are cut off at their timeout, idle
// connections do not linger, the connection cap holds, and everyone else is
// served meanwhile. The limits are shortened here; production values are in
// docs/operations.md ("Timeouts and limits").
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { openRaw, type RawAnswer } from './support/raw-http.js';

const HEADERS_TIMEOUT_MS = 600;
const REQUEST_TIMEOUT_MS = 1_200;
const KEEP_ALIVE_TIMEOUT_MS = 300;
const MAX_CONNECTIONS = 12;
// Node checks timeouts on an interval (a quarter of the headers timeout here), and the machine may be busy.
const SLACK_MS = 1_500;

/** Writes `chunk` every `everyMs` until the server closes the connection; resolves with its answer. */
async function dribble(port: number, head: string, chunk: string, everyMs: number): Promise<RawAnswer> {
  const { socket, answer } = openRaw(port, 15_000);
  socket.write(head);
  const timer = setInterval(() => {
    if (!socket.destroyed && socket.writable) socket.write(chunk);
  }, everyMs);
  try {
    return await answer;
  } finally {
    clearInterval(timer);
  }
}

/** Status and time of ordinary requests made one after another while `during` runs. */
async function servedMeanwhile(origin: string, during: Promise<unknown>): Promise<{ status: number; ms: number }[]> {
  const results: { status: number; ms: number }[] = [];
  let done = false;
  void during.finally(() => (done = true));
  while (!done) {
    const started = Date.now();
    const response = await fetch(`${origin}/`);
    await response.text();
    results.push({ status: response.status, ms: Date.now() - started });
    await sleep(100);
  }
  return results;
}

describe('slow and greedy clients', () => {
  const t = useTestApp({
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
    MAX_CONNECTIONS: String(MAX_CONNECTIONS),
  });
  let port: number;
  let origin: string;

  beforeAll(async () => {
    await t().app.listen({ host: '127.0.0.1', port: 0 });
    port = (t().app.server.address() as { port: number }).port;
    origin = `http://127.0.0.1:${port}`;
  });

  it('cuts off a body sent a byte at a time (408, our page), and serves others meanwhile', async () => {
    const head = 'POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n';
    const slow = dribble(port, head, 'a', 100);
    const others = await servedMeanwhile(origin, slow);
    const answer = await slow;
    expect(answer.statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expect(answer.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(answer.body).toContain('The request took too long to arrive.');
    expect(answer.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(answer.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
    expect(others.length).toBeGreaterThan(3);
    expect(others.every((r) => r.status === 200), JSON.stringify(others)).toBe(true);
  });

  it('cuts off headers sent a line at a time (slowloris) at the headers timeout', async () => {
    const answer = await dribble(port, 'GET / HTTP/1.1\r\nHost: localhost\r\n', 'X-Slow: 1\r\n', 100);
    expect(answer.status).toBe(408);
    expect(answer.closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
  });

  it('closes a connection that never sends a byte, and an idle kept-alive one', async () => {
    const silent = openRaw(port);
    expect((await silent.answer).closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);

    const keptAlive = openRaw(port);
    keptAlive.socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const answer = await keptAlive.answer;
    expect(answer.status).toBe(200);
    // Node waits a second beyond the timeout it announces, so that the client closes first.
    expect(answer.closedAfterMs).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + 1_000 + SLACK_MS);
  });

  it('holds the connection cap, and serves again once idle connections are cut', async () => {
    const idle = Array.from({ length: MAX_CONNECTIONS }, () => openRaw(port));
    await sleep(100);
    const beyond = openRaw(port);
    const refused = await beyond.answer;
    expect(refused.status).toBe(0); // closed without a word
    expect(refused.closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS);
    await Promise.all(idle.map((c) => c.answer));
    expect((await fetch(`${origin}/`)).status).toBe(200);
  });
});
