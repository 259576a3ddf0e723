// The built server (dist/) in a child process, for tests that need several
// app processes sharing one database.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface ServerProcess {
  origin: string;
  /** Whether the process has ended (crashed, or stopped). */
  exited(): boolean;
  /** What the process printed so far. */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code once the process has ended. */
  terminate(): Promise<number | null>;
  stop(): Promise<void>;
}

/** `cli` is the built entry point: another build's copy (test/browser/offline.test.ts ships a second version). */
export async function startServerProcess(env: Record<string, string>, args: string[] = [], cli = 'dist/cli.js'): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve', ...args], {
    // Vite puts BASE_URL=/ in the test runner's environment; it is not ours.
    env: { ...process.env, BASE_URL: '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'test', PASSWORD_HASH_COST: 'low', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running behind a failed test.
      child.kill('SIGKILL');
      reject(new Error(`server did not start:\n${output}`));
      // Generous: a loaded 2-core machine has taken over 20 s to start two servers at once.
    }, 45_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return {
    origin,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    output: () => output,
    async terminate() {
      // 'close', not 'exit': the process may exit before its last lines have been read from its pipes.
      const closed = once(child, 'close') as Promise<[number | null]>;
      child.kill('SIGTERM');
      return (await closed)[0];
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** A minimal cookie-keeping HTTP client for a real server. */
export class HttpClient {
  private readonly cookies = new Map<string, string>();
  csrf = '';

  private async request(origin: string, path: string, init: RequestInit): Promise<Response> {
    const response = await fetch(origin + path, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: this.cookieHeader() },
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const [name, value] = pair!.split('=');
      if (value) this.cookies.set(name!, value);
      else this.cookies.delete(name!);
    }
    return response;
  }

  async get(origin: string, path: string): Promise<string> {
    return (await this.load(origin, path)).body;
  }

  /** A page with its status, remembering its form token. */
  async load(origin: string, path: string): Promise<{ status: number; body: string; headers: Headers }> {
    const response = await this.request(origin, path, {});
    const body = await response.text();
    const token = /name="_csrf" value="([^"]*)"/.exec(body);
    if (token?.[1]) this.csrf = token[1];
    return { status: response.status, body, headers: response.headers };
  }

  async post(origin: string, path: string, fields: Record<string, string>): Promise<Response> {
    return this.request(origin, path, {
      method: 'POST',
      body: new URLSearchParams({ _csrf: this.csrf, ...fields }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    });
  }

  /** The Cookie header this client sends, for a request written by hand (raw-http.ts). */
  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async signup(origin: string, username: string): Promise<void> {
    await this.get(origin, '/signup');
    const response = await this.post(origin, '/signup', { username, password: 'a-long-enough-secret' });
    if (response.status !== 303) throw new Error(`signup failed: ${response.status} ${await response.text()}`);
    await this.get(origin, '/');
  }
}
