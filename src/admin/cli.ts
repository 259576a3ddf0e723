// `charcha createsuperuser` and `charcha grant`, as Django's manage.py has:
// the way to the first admin account, and to roles without the admin; and
// `charcha two-step-off`, for a member who lost both their phone and their
// recovery codes.
import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { passwordProblem } from '../accounts/passwords.js';
import { USERNAME_RE } from '../accounts/service.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { Services } from '../services.js';

export interface AdminCliIo {
  stdout(line: string): void;
  stderr(line: string): void;
  /** Asks one question and returns the answer; rejects when the input ends. */
  ask(question: string, options?: { hidden?: boolean }): Promise<string>;
}

export const CREATESUPERUSER_USAGE = 'usage: charcha createsuperuser [--username NAME] [--email ADDRESS] [--noinput]';
export const GRANT_USAGE = 'usage: charcha grant USERNAME GROUP';
export const TWO_STEP_OFF_USAGE = 'usage: charcha two-step-off USERNAME';

// Exit codes: 0 done, 1 refused (bad input, unknown name), 2 wrong arguments.
const REFUSED = 1;
const BAD_ARGUMENTS = 2;

interface NewSuperuser {
  username: string;
  email: string | undefined;
  password: string;
}

/**
 * Creates a staff superuser who is also in the admin group. Interactive by
 * default; with --noinput the password comes from CHARCHA_SUPERUSER_PASSWORD
 * (`superuserPassword`), so scripts never put it on a command line.
 */
export async function createSuperuser(args: string[], services: Services, superuserPassword: string | undefined, io: AdminCliIo): Promise<number> {
  let values: { username?: string | undefined; email?: string | undefined; noinput?: boolean | undefined };
  try {
    values = parseArgs({ args, options: { username: { type: 'string' }, email: { type: 'string' }, noinput: { type: 'boolean' } } }).values;
  } catch (error) {
    io.stderr((error as Error).message);
    io.stderr(CREATESUPERUSER_USAGE);
    return BAD_ARGUMENTS;
  }
  let wanted: NewSuperuser;
  if (values.noinput) {
    if (!values.username) {
      io.stderr('--noinput needs --username.');
      io.stderr(CREATESUPERUSER_USAGE);
      return BAD_ARGUMENTS;
    }
    if (!superuserPassword) {
      io.stderr('--noinput takes the password from CHARCHA_SUPERUSER_PASSWORD, which is not set.');
      return REFUSED;
    }
    wanted = { username: values.username, email: values.email, password: superuserPassword };
  } else {
    try {
      wanted = await askForSuperuser(services, io, values);
    } catch {
      io.stderr('\nInput ended: no user created.');
      return REFUSED;
    }
  }
  try {
    const user = await services.accounts.signup(wanted);
    await services.admin.makeSuperuser(user.id);
    io.stdout(`Superuser "${user.username}" created: staff, superuser and in the admin group. Sign in at /login, then open /admin/.`);
    return 0;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    for (const [field, message] of Object.entries(error.fields)) io.stderr(`${field}: ${message}`);
    return REFUSED;
  }
}

/** Asks each question until its answer is acceptable, as Django does. */
async function askForSuperuser(services: Services, io: AdminCliIo, given: { username?: string | undefined; email?: string | undefined }): Promise<NewSuperuser> {
  let username = given.username?.trim() ?? '';
  for (;;) {
    if (!username) username = (await io.ask('Username: ')).trim();
    const problem = !USERNAME_RE.test(username)
      ? 'Use 3 to 30 letters, digits, underscores or dashes.'
      : (await services.accounts.findByUsername(username))
        ? 'That username is taken.'
        : null;
    if (!problem) break;
    io.stderr(`Error: ${problem}`);
    username = '';
  }
  const email = given.email ?? ((await io.ask('Email address (optional): ')).trim() || undefined);
  for (;;) {
    const password = await io.ask('Password: ', { hidden: true });
    const again = await io.ask('Password (again): ', { hidden: true });
    const problem = password !== again ? 'The two passwords differ.' : passwordProblem(password, username);
    if (!problem) return { username, email, password };
    io.stderr(`Error: ${problem}`);
  }
}

/** `charcha grant USERNAME GROUP`: adds the user to the group (member, moderator, admin, …). */
export async function grant(args: string[], services: Services, io: Pick<AdminCliIo, 'stdout' | 'stderr'>): Promise<number> {
  const [username, group, ...extra] = args;
  if (!username || !group || extra.length > 0) {
    io.stderr(GRANT_USAGE);
    return BAD_ARGUMENTS;
  }
  try {
    const added = await services.admin.grant(username, group);
    io.stdout(added ? `${username} is now in the group ${group}.` : `${username} was already in the group ${group}: nothing changed.`);
    return 0;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    io.stderr(error.message);
    return REFUSED;
  }
}

/**
 * `charcha two-step-off USERNAME`: turns off what makes the second step
 * (the authenticator app, sign-in codes by text; the verified phone stays for
 * notifications), and signs the account out everywhere, so whoever held a
 * session must sign in again. For after the operator has made sure, out of
 * band, that it is really the person asking.
 */
export async function turnOffTwoStep(args: string[], services: Services, io: Pick<AdminCliIo, 'stdout' | 'stderr'>): Promise<number> {
  const [username, ...extra] = args;
  if (!username || extra.length > 0) {
    io.stderr(TWO_STEP_OFF_USAGE);
    return BAD_ARGUMENTS;
  }
  let user;
  try {
    user = await services.accounts.requireByUsername(username);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    io.stderr(`No account is called "${username}".`);
    return REFUSED;
  }
  const [app, textCodes] = [await services.totp.enrolled(user.id), (await services.phones.phoneOf(user.id))?.signInCodes === true];
  if (!app && !textCodes) {
    io.stdout(`${user.username} has no two-step sign-in: nothing changed.`);
    return 0;
  }
  await services.totp.disable(user.id);
  await services.phones.setSignInCodes(user.id, false);
  await services.sessions.destroyOthers(user.id);
  const removed = [app && 'authenticator app removed', textCodes && 'sign-in codes by text turned off'].filter(Boolean).join(', ');
  io.stdout(`Two-step sign-in is off for ${user.username} (${removed}), and every session of theirs is signed out.`);
  io.stdout('They sign in with their password alone now, and should set up two-step sign-in again.');
  return 0;
}

/** Questions on the terminal; a hidden answer is not echoed. Lines piped in are read one per question. */
export function terminalIo(): AdminCliIo & { close(): void } {
  let muted = false;
  // Opened at the first question, so --noinput never touches stdin.
  let rl: Interface | undefined;
  let lines: AsyncIterator<string> | undefined;
  const open = () => {
    // readline echoes what is typed to its output: this one drops it while a password is typed.
    const output = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        if (!muted) process.stdout.write(chunk);
        done();
      },
    });
    rl = createInterface({ input: process.stdin, output, terminal: Boolean(process.stdin.isTTY) });
    return rl[Symbol.asyncIterator]();
  };
  return {
    stdout: (line) => console.log(line),
    stderr: (line) => console.error(line),
    async ask(question, options = {}) {
      lines ??= open();
      process.stdout.write(question);
      muted = Boolean(options.hidden);
      try {
        const next = await lines.next();
        if (next.done) throw new Error('input ended');
        return next.value;
      } finally {
        if (muted) process.stdout.write('\n');
        muted = false;
      }
    },
    close: () => rl?.close(),
  };
}
