// The forum under test: seeded with the demo data, signed in like a browser.
import { Buffer } from 'node:buffer';
import { URLSearchParams, fileURLToPath } from 'node:url';
import { runNode, startServer } from './processes.mjs';

/* global fetch */

export const DEMO_USER = 'ramesh';
const DEMO_PASSWORD = 'demo-password-123';
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** Seeds the demo data into `env`'s database; returns the path of the 1,000-comment thread. */
export async function seedDemo(env) {
  const output = await runNode([CLI, 'seed', '--demo'], env);
  const path = /long thread at (\/discuss\/\d+\/)/.exec(output)?.[1];
  if (!path) throw new Error(`seed did not name the long thread:\n${output}`);
  return path;
}

/** Serves the forum (HOST, PORT, DATA_DIR… in `env`) in a child process; resolves once `origin` answers. */
export function startForum(env, origin) {
  return startServer('forum', [CLI, 'serve'], env, origin);
}

/** The body of a page that must answer 200 (anything else would be measuring an error page). */
export async function fetchPage(url, cookie) {
  const response = await fetch(url, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** Signs in through the login form; returns the `sid=…` cookie to send. */
export async function signIn(origin) {
  const form = await fetch(`${origin}/login`);
  const presession = cookieFrom(form, 'csrf_pre');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrf) throw new Error('the login page has no _csrf field');
  const response = await fetch(`${origin}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin, cookie: presession, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: DEMO_USER, password: DEMO_PASSWORD, _csrf: csrf }).toString(),
  });
  if (response.status !== 303) throw new Error(`POST /login answered ${response.status}, expected 303`);
  return cookieFrom(response, 'sid');
}

/** `name=value` of the cookie the response sets. */
function cookieFrom(response, name) {
  const cookie = response.headers.getSetCookie().find((header) => header.startsWith(`${name}=`));
  if (!cookie) throw new Error(`${response.url} set no ${name} cookie`);
  return cookie.split(';')[0];
}
