// "Sign in with GitHub": OAuth 2 (no OpenID Connect), against a stand-in for
// GitHub's endpoints over real HTTP on 127.0.0.1 (test/support/github-standin.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, stopTestApp, type TestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { startGithubStandin, type GithubStandin } from './support/github-standin.js';

const CLIENT = { clientId: 'gh-client', clientSecret: 'gh-secret' };
let t: TestApp;
let github: GithubStandin;

beforeAll(async () => {
  github = await startGithubStandin(CLIENT);
  t = await startTestApp({
    AUTH_PROVIDERS: 'github',
    GITHUB_CLIENT_ID: CLIENT.clientId,
    GITHUB_CLIENT_SECRET: CLIENT.clientSecret,
    GITHUB_OAUTH_URL: github.url,
    GITHUB_API_URL: github.url,
  });
});

afterAll(async () => {
  if (t) await stopTestApp(t);
  await github?.stop();
});

/** To GitHub and back: the app's answer to the callback, and the callback path itself. */
async function roundTrip(browser: BrowserSession, next = '/') {
  const leave = await browser.get(`/auth/github/login?next=${encodeURIComponent(next)}`);
  expect(leave.statusCode).toBe(303);
  const authorize = new URL(String(leave.headers.location));
  expect(authorize.origin + authorize.pathname).toBe(`${github.url}/login/oauth/authorize`);
  expect(authorize.searchParams.get('scope')).toBe('read:user user:email');
  expect(authorize.searchParams.has('nonce')).toBe(false);
  const flowCookie = browser.cookies.get('auth_flow')!;
  const atGithub = await fetch(authorize, { redirect: 'manual' });
  const back = new URL(atGithub.headers.get('location')!);
  expect(back.origin).toBe('http://localhost');
  const callback = back.pathname + back.search;
  flowCookies.set(callback, flowCookie);
  return { callback, response: await browser.get(callback) };
}

/** The flow cookie each callback was made with (copied before the app spent it). */
const flowCookies = new Map<string, string>();
const flowCookieOf = (callback: string) => flowCookies.get(callback)!;
const pageError = (body: string) => /class="error-summary-title">([^<]*)</.exec(body)?.[1];

describe('sign in with GitHub', () => {
  it('creates an account named after the GitHub login, with the verified primary address, and signs it in again later', async () => {
    github.next = {
      id: 583231,
      login: 'octocat',
      emails: [
        { email: 'octo@unverified.example', primary: false, verified: false },
        { email: 'octocat@github.example', primary: true, verified: true },
      ],
    };
    const browser = new BrowserSession(t.app);
    const { response } = await roundTrip(browser, '/new');
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/new');
    const user = await t.db.kysely.selectFrom('users').selectAll().where('username_key', '=', 'octocat').executeTakeFirstOrThrow();
    expect(user).toMatchObject({ email: 'octocat@github.example', password_hash: null });
    expect(await t.services.identities.listForUser(user.id)).toMatchObject([{ provider: 'github', subject: '583231' }]);

    // GitHub's login may change; the numeric id is what identifies the person.
    github.next = { ...github.next, login: 'renamed-octocat' };
    const again = new BrowserSession(t.app);
    expect((await roundTrip(again)).response.statusCode).toBe(303);
    expect((await again.get('/')).body).toContain('<a href="/profile/octocat/">octocat</a>');
  });

  it('ends on the login page when the person cancels at GitHub', async () => {
    github.next = 'cancel';
    const browser = new BrowserSession(t.app);
    const { response } = await roundTrip(browser);
    expect(response.statusCode).toBe(400);
    expect(pageError(response.body)).toBe('You did not allow signing in with GitHub, so you are not signed in.');
    expect(browser.cookies.has('sid')).toBe(false);
  });

  it('refuses a replayed code (GitHub answers 200 with bad_verification_code)', async () => {
    github.next = { id: 99, login: 'replayer', emails: [] };
    const browser = new BrowserSession(t.app);
    const { callback, response } = await roundTrip(browser);
    expect(response.statusCode).toBe(303);
    // The same callback with a copy of the flow cookie taken before it was spent.
    const thief = new BrowserSession(t.app);
    thief.cookies.set('auth_flow', flowCookieOf(callback));
    const replay = await thief.get(callback);
    expect(replay.statusCode).toBe(400);
    expect(pageError(replay.body)).toBe('This sign-in with GitHub had expired or was already used. Please try again.');
    expect(thief.cookies.has('sid')).toBe(false);
  });
});
