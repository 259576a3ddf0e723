// `charcha vapid-keys` (the built CLI): environment lines that the config
// accepts as they are, holding a key pair a push service accepts signatures
// from. It needs no configuration: not even a broken one stops it.
import { spawnSync } from 'node:child_process';
import webPush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startPushService, type PushServiceStandin } from './support/push-service.js';

describe('charcha vapid-keys', () => {
  let service: PushServiceStandin;
  beforeAll(async () => {
    service = await startPushService();
  });
  afterAll(() => service?.stop());

  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, ...env } });

  it('prints a fresh pair as env lines to paste, which the config takes and a push service accepts', async () => {
    // A half-configured forum (one key only) is what someone fixing it has: the command still runs.
    const run = cli(['vapid-keys'], { VAPID_PUBLIC_KEY: 'left-over' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const env = Object.fromEntries(
      run.stdout
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    expect(Object.keys(env)).toEqual(['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY', 'VAPID_SUBJECT']);
    const push = loadConfig({ SECRET_KEY: 'x'.repeat(32), DATA_DIR: '/tmp/charcha-vapid-test', ...env }).push!;
    expect(push.publicKey).toBe(env.VAPID_PUBLIC_KEY);

    const subscription = service.subscribe();
    await webPush.sendNotification(subscription, JSON.stringify({ title: 't', body: 'b', url: '/', tag: 'n1' }), {
      vapidDetails: { subject: push.subject, publicKey: push.publicKey, privateKey: push.privateKey },
      agent: service.agent,
    });
    expect(service.problems).toEqual([]);
    expect(service.deliveries).toMatchObject([{ publicKey: env.VAPID_PUBLIC_KEY, message: { title: 't', body: 'b', url: '/', tag: 'n1' } }]);

    const usage = cli(['vapid-keys', 'extra']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('Usage: charcha vapid-keys');
  }, 60_000);
});
