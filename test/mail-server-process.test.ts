// The built server, as an operator or a developer starts it: without
// SMTP_URL, development prints each message (links and all) to the log and
// production warns once at start; SMTP_URL without BASE_URL is refused in
// production.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, startServerProcess } from './support/server-process.js';
import { testDbKind } from './support/test-db.js';

let dir: string;
const env = () => ({ DATA_DIR: dir, DATABASE_URL: `sqlite:${join(dir, 'charcha.db')}`, SECRET_KEY: randomBytes(32).toString('base64url') });

// Mail does not depend on the database: SQLite only. Child processes are slow to start on a busy machine.
describe.skipIf(testDbKind !== 'sqlite')('mail in the built server', { timeout: 120_000 }, () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'charcha-mail-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('development without SMTP_URL: the whole message is in the log, and its link works', async () => {
    const server = await startServerProcess({ ...env(), LOG_FORMAT: 'pretty' });
    try {
      const browser = new HttpClient();
      await browser.get(server.origin, '/signup');
      const signup = await browser.post(server.origin, '/signup', { username: 'devmail', password: 'a-long-enough-secret', email: 'dev@example.org' });
      expect(signup.status).toBe(303);
      let link: RegExpExecArray | null = null;
      for (let i = 0; i < 100 && !link; i++, await new Promise((r) => setTimeout(r, 50))) {
        link = /http:\/\/127\.0\.0\.1:\d+(\/verify-email\/[^\s]+)/.exec(server.output());
      }
      expect(server.output()).toContain('E-mail not sent (no SMTP_URL): logged instead to=dev@example.org subject=Confirm your e-mail address');
      expect(server.output()).toContain('This address was given for the account "devmail"');
      const page = await browser.load(server.origin, link![1]!);
      expect(page.status).toBe(200);
      expect(page.body).toContain('dev@example.org is verified');
    } finally {
      await server.stop();
    }
  });

  it('production without SMTP_URL or VAPID keys: one warning line each at start', async () => {
    const server = await startServerProcess({ ...env(), NODE_ENV: 'production', PASSWORD_HASH_COST: 'standard', LOG_FORMAT: 'pretty' });
    await server.stop();
    const warnings = server.output().split('\n').filter((line) => line.includes('SMTP_URL'));
    expect(warnings).toEqual([expect.stringMatching(/WARN {2}SMTP_URL is not set: this forum sends no e-mail, so addresses cannot be verified and passwords cannot be reset by mail$/)]);
    // As for push without its keys: said once, with the way to make them.
    expect(server.output().split('\n').filter((line) => line.includes('VAPID'))).toEqual([expect.stringMatching(/WARN {2}VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are not set: this forum sends no push notifications \(make a pair with `charcha vapid-keys`\)$/)]);
  });

  it('production with SMTP_URL but no BASE_URL: refuses to start, saying why', () => {
    const run = spawnSync(process.execPath, ['dist/cli.js', 'serve'], {
      env: { ...process.env, ...env(), BASE_URL: '', NODE_ENV: 'production', SMTP_URL: 'smtp://user:pass@127.0.0.1:2525', HOST: '127.0.0.1', PORT: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("Configuration error: SMTP_URL needs BASE_URL in production: links sent by mail are built from BASE_URL, never from a request's Host header");
    expect(run.stderr + run.stdout).not.toContain('pass@');
  });
});
