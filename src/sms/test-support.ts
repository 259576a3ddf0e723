// Test support, used only by src/sms/*.test.ts: stand-in Watertel and Milio
// servers on loopback that speak the protocols of docs/sms.md and can be told
// to misbehave, plus a recording logger and a seeded random source.

import { spawn } from 'node:child_process';
import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { jsonField } from './http.js';
import type { SmsLogger } from './sender.js';

export interface RecordedRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** performance.now() when the whole request had arrived. */
  at: number;
}

/** What the server does instead of answering normally, once per queued fault. */
export type Fault =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | 'stall' // read the request, never answer
  | 'reset' // read the request, then drop the connection
  | { holdUntil: Promise<unknown> }; // answer normally, but only once this settles (as the server stands then)

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface StandInServer {
  url: string;
  requests: RecordedRequest[];
  /** Requests to one path, e.g. `/login`. */
  requestsTo(path: string): RecordedRequest[];
  /** The next requests to `path` meet these faults, in order, before normal service resumes. */
  fail(path: string, ...faults: Fault[]): void;
  /** Every request to `path` meets this fault until cleared with `undefined`. */
  failAlways(path: string, fault: Fault | undefined): void;
  close: () => Promise<void>;
}

async function startStandIn(answer: (request: RecordedRequest) => Answer): Promise<StandInServer> {
  const requests: RecordedRequest[] = [];
  const queued = new Map<string, Fault[]>();
  const always = new Map<string, Fault>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const text = Buffer.concat(chunks).toString('utf8');
      const request: RecordedRequest = {
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
        at: performance.now(),
      };
      requests.push(request);
      const fault = queued.get(request.path)?.shift() ?? always.get(request.path);
      if (fault === 'stall') return;
      if (fault === 'reset') return void req.socket.resetAndDestroy();
      if (fault !== undefined && 'holdUntil' in fault) {
        return void fault.holdUntil.then(() => reply(res, answer(request)));
      }
      reply(res, fault ?? answer(request));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    requestsTo: (path) => requests.filter((request) => request.path === path),
    fail: (path, ...faults) => queued.set(path, [...(queued.get(path) ?? []), ...faults]),
    failAlways: (path, fault) => (fault === undefined ? always.delete(path) : always.set(path, fault)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function reply(res: ServerResponse, answer: Answer): void {
  const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  res.end(body);
}

export interface WatertelServer extends StandInServer {
  /** Forgets the live token, as if it had expired. */
  expireTokens(): void;
}

/**
 * Watertel: POST /login for a token, POST /sms?accessToken=… to send. As the
 * real one, an account has one live token: each login revokes the one before.
 */
export async function startWatertelServer(account: {
  username: string;
  password: string;
  /** Seconds a token lives, as told to the client. */
  expiry?: number;
}): Promise<WatertelServer> {
  let liveToken: string | undefined;
  let issued = 0;
  let sent = 0;
  const standIn = await startStandIn((request) => {
    const { body } = request;
    if (request.path === '/login') {
      if (jsonField(body, 'username') !== account.username || jsonField(body, 'password') !== account.password) {
        return { status: 401, body: { error_message: 'bad credentials' } };
      }
      const token = `wt-token-${++issued}`;
      liveToken = token;
      return { status: 200, body: { accessToken: token, expiry: account.expiry ?? 3600 } };
    }
    if (request.path === '/sms') {
      if (liveToken === undefined || request.query.get('accessToken') !== liveToken) {
        return { status: 401, body: { error_message: 'token unknown or expired' } };
      }
      const valid =
        typeof jsonField(body, 'message') === 'string' &&
        typeof jsonField(body, 'phone') === 'string' &&
        ['normal', 'high'].includes(jsonField(body, 'priority') as string);
      if (!valid) return { status: 400, body: { error_message: 'message, phone and priority required' } };
      return { status: 200, body: { messageId: `wt-${++sent}` } };
    }
    return { status: 404, body: { error_message: 'no such route' } };
  });
  return {
    ...standIn,
    expireTokens: () => {
      liveToken = undefined;
    },
  };
}

/** Milio: POST /v1/messages with a bearer token. */
export async function startMilioServer(account: { accessToken: string }): Promise<StandInServer> {
  let accepted = 0;
  return startStandIn((request) => {
    if (request.path !== '/v1/messages') {
      return { status: 404, body: { error: { code: 'not_found', message: 'no such route' } } };
    }
    if (request.headers.authorization !== `Bearer ${account.accessToken}`) {
      return { status: 401, body: { error: { code: 'unauthorized', message: 'bad token' } } };
    }
    const { body } = request;
    if (typeof jsonField(body, 'to') !== 'string' || typeof jsonField(body, 'body') !== 'string') {
      return { status: 400, body: { error: { code: 'invalid', message: 'to and body required' } } };
    }
    return { status: 202, body: { id: `mi-${++accepted}` } };
  });
}

/** A loopback URL where nothing listens: connections are refused. */
export async function refusedUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * A loopback URL where connections hang before being established, to prove
 * the connect timeout. A child process listens with a backlog of one and
 * never accepts (its thread is parked); once the kernel's queue is full it
 * drops new connection attempts instead of completing them.
 */
export async function unconnectableUrl(): Promise<{ url: string; close: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('node:net').createServer();
       s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
         process.stdout.write(s.address().port + '\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve) =>
    child.stdout.once('data', (data: Buffer) => resolve(Number(String(data).trim()))),
  );
  const fillers: net.Socket[] = [];
  for (let attempt = 0; attempt < 16; attempt++) {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    fillers.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      setTimeout(() => resolve(false), 200);
    });
    if (!connected) break; // the queue is full: further connections hang
  }
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of fillers) socket.destroy();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg: string | undefined;
}

export function recordingLogger(): SmsLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry['level']) => (obj: object, msg?: string) => {
    entries.push({ level, obj, msg });
  };
  return { entries, info: at('info'), warn: at('warn'), error: at('error') };
}

/** A seeded generator (mulberry32) in [0, 1), so distributions are repeatable. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A sleep that records what it was asked to wait, and does not wait. */
export function recordingSleep(): ((ms: number) => Promise<void>) & { waits: number[] } {
  const waits: number[] = [];
  return Object.assign(
    async (ms: number) => {
      waits.push(ms);
    },
    { waits },
  );
}
