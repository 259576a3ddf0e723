// `charcha createsuperuser`, `charcha grant` and `charcha two-step-off`: the
// functions with scripted answers, and the built CLI as a child process (exit
// codes, environment).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createSuperuser, grant, turnOffTwoStep, type AdminCliIo } from '../src/admin/cli.js';
import { useTestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { member } from './support/forum.js';
import { enrolTotp } from './support/totp.js';

const PASSWORD = 'correct-horse-battery';

/** Answers the questions in order; asking past the end is the input ending. */
function scripted(answers: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const asked: { question: string; hidden: boolean }[] = [];
  const io: AdminCliIo = {
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    ask: async (question, options) => {
      asked.push({ question, hidden: Boolean(options?.hidden) });
      const answer = answers.shift();
      if (answer === undefined) throw new Error('input ended');
      return answer;
    },
  };
  return { io, out, err, asked };
}

describe('charcha createsuperuser and grant', () => {
  const t = useTestApp();

  const account = async (username: string) => {
    const user = await t().services.accounts.requireByUsername(username);
    const groups = await t()
      .db.kysely.selectFrom('user_groups')
      .innerJoin('groups', 'groups.id', 'user_groups.group_id')
      .select('groups.name')
      .where('user_groups.user_id', '=', user.id)
      .orderBy('groups.name')
      .execute();
    return { ...user, groups: groups.map((g) => g.name) };
  };

  it('asks again until each answer is acceptable, hides the password, and makes a superuser who can open the admin', async () => {
    await t().services.accounts.signup({ username: 'taken', password: PASSWORD });
    const run = scripted(['no spaces', 'taken', 'chief', 'chief@example.org', PASSWORD, 'something-else-entirely', 'short', 'short', PASSWORD, PASSWORD]);
    expect(await createSuperuser([], t().services, undefined, run.io)).toBe(0);
    expect(run.err).toEqual([
      'Error: Use 3 to 30 letters, digits, underscores or dashes.',
      'Error: That username is taken.',
      'Error: The two passwords differ.',
      expect.stringMatching(/^Error: /),
    ]);
    expect(run.asked.filter((q) => q.question.startsWith('Password')).every((q) => q.hidden)).toBe(true);
    expect(run.asked.filter((q) => !q.question.startsWith('Password')).some((q) => q.hidden)).toBe(false);
    const chief = await account('chief');
    expect(chief).toMatchObject({ is_staff: 1, is_superuser: 1, email: 'chief@example.org', groups: ['admin', 'member'] });

    const browser = new BrowserSession(t().app);
    await browser.login('chief', PASSWORD);
    expect((await browser.get('/admin/')).statusCode).toBe(200);
  });

  it('creates no one when the input ends', async () => {
    const run = scripted(['quitter']);
    expect(await createSuperuser([], t().services, undefined, run.io)).toBe(1);
    expect(await t().services.accounts.findByUsername('quitter')).toBeUndefined();
  });

  it('with --noinput, takes the password from CHARCHA_SUPERUSER_PASSWORD and asks nothing', async () => {
    const run = scripted([]);
    expect(await createSuperuser(['--username', 'scripted', '--noinput'], t().services, PASSWORD, run.io)).toBe(0);
    expect(run.asked).toEqual([]);
    expect(await account('scripted')).toMatchObject({ is_staff: 1, is_superuser: 1, email: null });

    const missing = scripted([]);
    expect(await createSuperuser(['--username', 'nopassword', '--noinput'], t().services, undefined, missing.io)).toBe(1);
    expect(missing.err.join('\n')).toContain('CHARCHA_SUPERUSER_PASSWORD');
    const weak = scripted([]);
    expect(await createSuperuser(['--username', 'weakling', '--noinput'], t().services, 'weakling', weak.io)).toBe(1);
    expect(weak.err[0]).toMatch(/^password: /);
    expect(await createSuperuser(['--noinput'], t().services, PASSWORD, scripted([]).io)).toBe(2);
    expect(await createSuperuser(['--username', 'x', '--bogus'], t().services, PASSWORD, scripted([]).io)).toBe(2);
  });

  it('grants a group, says when nothing changed, and names the groups when one is unknown', async () => {
    await t().services.accounts.signup({ username: 'helper', password: PASSWORD });
    const run = scripted([]);
    expect(await grant(['helper', 'moderator'], t().services, run.io)).toBe(0);
    expect(await grant(['HELPER', 'moderator'], t().services, run.io)).toBe(0);
    expect(run.out).toEqual(['helper is now in the group moderator.', 'HELPER was already in the group moderator: nothing changed.']);
    expect((await account('helper')).groups).toEqual(['member', 'moderator']);

    const unknown = scripted([]);
    expect(await grant(['helper', 'wizards'], t().services, unknown.io)).toBe(1);
    expect(unknown.err).toEqual(['No group is called "wizards" (groups: member, moderator, admin).']);
    expect(await grant(['nobody', 'admin'], t().services, unknown.io)).toBe(1);
    expect(await grant(['helper'], t().services, unknown.io)).toBe(2);
  });

  it('turns off a member’s two-step sign-in and signs them out everywhere, keeping their phone for notifications', async () => {
    const lost = await member(t().app);
    const otherDevice = new BrowserSession(t().app);
    await otherDevice.login(lost.username);
    await enrolTotp(lost, t().clock);
    const { id } = await t().services.accounts.requireByUsername(lost.username);
    await t().db.kysely.insertInto('phones').values({ user_id: id, number: '+919876500001', verified_at: t().clock.now(), sign_in_codes: 1 }).execute();
    expect(await t().services.twoStep.methodsFor(id)).toEqual(expect.arrayContaining(['totp', 'sms']));

    const run = scripted([]);
    expect(await turnOffTwoStep([lost.username.toUpperCase()], t().services, run.io)).toBe(0);
    expect(run.out).toEqual([
      `Two-step sign-in is off for ${lost.username} (authenticator app removed, sign-in codes by text turned off), and every session of theirs is signed out.`,
      'They sign in with their password alone now, and should set up two-step sign-in again.',
    ]);
    expect(await t().services.twoStep.methodsFor(id)).toEqual([]);
    expect(await t().services.phones.phoneOf(id)).toMatchObject({ number: '+919876500001', signInCodes: false });
    for (const device of [lost, otherDevice]) expect((await device.get('/settings/sessions/')).statusCode).toBe(303);
    // The password alone signs in now.
    const back = new BrowserSession(t().app);
    expect((await back.login(lost.username)).headers.location).toBe('/');

    const again = scripted([]);
    expect(await turnOffTwoStep([lost.username], t().services, again.io)).toBe(0);
    expect(again.out).toEqual([`${lost.username} has no two-step sign-in: nothing changed.`]);
    expect((await back.get('/settings/sessions/')).statusCode).toBe(200);
    const refused = scripted([]);
    expect(await turnOffTwoStep(['nobody-at-all'], t().services, refused.io)).toBe(1);
    expect(refused.err).toEqual(['No account is called "nobody-at-all".']);
    expect(await turnOffTwoStep([], t().services, refused.io)).toBe(2);
    expect(await turnOffTwoStep(['a', 'b'], t().services, refused.io)).toBe(2);
  });

  it('runs from the built CLI with exit codes a script can test', () => {
    const cli = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['dist/cli.js', ...args], {
        encoding: 'utf8',
        timeout: 20_000,
        env: { ...process.env, BASE_URL: '', DATABASE_URL: t().database.url, DATA_DIR: t().database.dir, PASSWORD_HASH_COST: 'low', NODE_ENV: 'test', ...env },
      });
    const created = cli(['createsuperuser', '--username', 'boss', '--email', 'boss@example.org', '--noinput'], { CHARCHA_SUPERUSER_PASSWORD: PASSWORD });
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    expect(created.stdout).toContain('Superuser "boss" created');
    // Each run starts Node and the app's modules (about 2 s here): three runs say enough.
    const refused = cli(['grant', 'nobody', 'admin']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('No user is called "nobody".');
    expect(cli(['grant']).status).toBe(2);
  });
});
