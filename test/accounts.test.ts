import { describe, expect, it } from 'vitest';
import { PasswordHasher } from '../src/accounts/passwords.js';
import { AccountService } from '../src/accounts/service.js';
import { useTestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';

const unique = (prefix: string) => `${prefix}${Math.floor(Math.random() * 1e8)}`;

describe('signup', () => {
  const t = useTestApp();

  it('creates the account, signs in with a fresh session cookie, and lands on next', async () => {
    const browser = new BrowserSession(t().app);
    await browser.get('/signup?next=/new');
    const name = unique('Nina');
    const response = await browser.post('/signup', { username: name, password: 'a-long-enough-secret', email: 'nina@example.org', next: '/new' });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/new');
    const cookie = response.cookies.find((c) => c.name === 'sid');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    const page = await browser.get('/');
    expect(page.body).toContain(`href="/profile/${name}/"`);
    expect(page.body).toContain('action="/logout"');
  });

  it('refuses bad usernames, weak passwords and taken names with a message per field, keeping the input', async () => {
    const taken = unique('Taken');
    await new BrowserSession(t().app).signup(taken);
    const countUsers = async () =>
      Number((await t().db.kysely.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const usersBefore = await countUsers();
    const cases: [Record<string, string>, string, string][] = [
      [{ username: 'ab', password: 'a-long-enough-secret' }, 'username', '3 to 30'],
      [{ username: 'bad name!', password: 'a-long-enough-secret' }, 'username', '3 to 30'],
      [{ username: 'x'.repeat(31), password: 'a-long-enough-secret' }, 'username', '3 to 30'],
      [{ username: taken.toUpperCase(), password: 'a-long-enough-secret' }, 'username', 'taken'],
      [{ username: unique('u'), password: 'short' }, 'password', 'at least 10'],
      [{ username: 'samename123', password: 'SameName123' }, 'password', 'cannot be your username'],
      [{ username: unique('u'), password: 'password1234' }, 'password', 'too common'],
      [{ username: unique('u'), password: 'a-long-enough-secret', email: 'not-an-email' }, 'email', 'valid email'],
    ];
    for (const [fields, field, message] of cases) {
      const browser = new BrowserSession(t().app);
      await browser.get('/signup');
      const response = await browser.post('/signup', fields);
      expect(response.statusCode, JSON.stringify(fields)).toBe(400);
      expect(response.body).toContain(`id="f-${field}-error"`);
      expect(response.body).toContain(message);
      expect(response.body).toContain(`value="${fields.username!.replace(/!/g, '!')}"`);
      expect(response.body).not.toContain(fields.password!.length > 5 ? `value="${fields.password}"` : 'value="short"');
      expect(response.cookies.find((c) => c.name === 'sid')).toBeUndefined();
    }
    expect(await countUsers()).toBe(usersBefore);
  });
});

describe('login and logout', () => {
  const t = useTestApp();

  it('logs in with a new session id every time (no fixation), and logout deletes the session server-side', async () => {
    const name = unique('Lena');
    const first = new BrowserSession(t().app);
    await first.signup(name);
    const firstSid = first.cookies.get('sid')!;

    const second = new BrowserSession(t().app);
    const planted = 'attacker-chosen-session-id';
    second.cookies.set('sid', planted); // fixation: the login must not adopt it
    await second.get('/login');
    const login = await second.post('/login', { username: name.toLowerCase(), password: 'correct-horse-battery', next: '/new' });
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toBe('/new');
    const newSid = second.cookies.get('sid')!;
    await second.get('/'); // a page with the session's form token
    expect(newSid).not.toBe(planted);
    expect(newSid).not.toBe(firstSid);
    const attacker = new BrowserSession(t().app);
    attacker.cookies.set('sid', planted);
    expect((await attacker.get('/')).body).not.toContain('action="/logout"');

    // Logging out kills the session for anyone holding a copy of the cookie.
    const copy = new BrowserSession(t().app);
    copy.cookies.set('sid', newSid);
    expect((await copy.get('/')).body).toContain('action="/logout"');
    const logout = await second.post('/logout');
    expect(logout.statusCode).toBe(303);
    expect((await copy.get('/')).body).not.toContain('action="/logout"');
    const rows = await t().db.kysely.selectFrom('sessions').selectAll().execute();
    expect(rows.every((r) => r.id !== newSid)).toBe(true);
  });

  it('refuses a wrong password or unknown user with one message and no session', async () => {
    const name = unique('Omar');
    await new BrowserSession(t().app).signup(name);
    for (const [username, password] of [
      [name, 'wrong-password-123'],
      [unique('nobody'), 'whatever-password'],
    ]) {
      const browser = new BrowserSession(t().app);
      await browser.get('/login');
      const response = await browser.post('/login', { username: username!, password: password! });
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('Wrong username or password.');
      expect(response.body).toContain(`value="${username}"`);
      expect(browser.cookies.has('sid')).toBe(false);
    }
  });

  it('only follows same-site next= paths', async () => {
    const name = unique('Pia');
    await new BrowserSession(t().app).signup(name);
    for (const [next, expected] of [
      ['/discuss/1/', '/discuss/1/'],
      ['https://evil.example/', '/'],
      ['//evil.example/', '/'],
      ['/\\evil.example', '/'],
      ['javascript:alert(1)', '/'],
    ]) {
      const browser = new BrowserSession(t().app);
      await browser.get('/login');
      const response = await browser.post('/login', { username: name, password: 'correct-horse-battery', next: next! });
      expect(response.headers.location, next).toBe(expected);
    }
  });
});

describe('passwords at the standard (production) cost', () => {
  const t = useTestApp({ PASSWORD_HASH_COST: 'standard' });
  const storedHash = async (username: string) =>
    (await t().db.kysely.selectFrom('users').select('password_hash').where('username', '=', username).executeTakeFirstOrThrow()).password_hash;
  const standard = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/;

  it('hashes at OWASP cost on sign-up, and re-hashes a cheaper hash at the next login', async () => {
    const name = unique('Quinn');
    await new BrowserSession(t().app).signup(name);
    expect(await storedHash(name)).toMatch(standard);

    // A member whose hash was made at the low cost, as before the cost was raised.
    const earlier = unique('Rosa');
    await new AccountService(t().db.kysely, t().db.dialect, Date.now, new PasswordHasher('low'), t().services.changes).signup({ username: earlier, password: 'correct-horse-battery' });
    expect(await storedHash(earlier)).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect((await new BrowserSession(t().app).login(earlier)).statusCode).toBe(303);
    expect(await storedHash(earlier)).toMatch(standard);
    expect((await new BrowserSession(t().app).login(earlier)).statusCode).toBe(303);
  });
});

describe('visitors', () => {
  const t = useTestApp();

  it('get no cookie and no server-side state on the pages they read', async () => {
    const name = unique('Ravi');
    const author = new BrowserSession(t().app);
    await author.signup(name);
    const created = await author.post('/start-discussion/', { title: 'Cookie-free reading', text: 'hello' });
    const discussion = created.headers.location as string;
    const before = await t().db.kysely.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    for (const url of ['/', '/new', '/?page=2', discussion, `/profile/${name}/`]) {
      const response = await t().app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['set-cookie'], url).toBeUndefined();
    }
    const after = await t().db.kysely.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('see vote and reply controls that lead to the login page', async () => {
    const author = new BrowserSession(t().app);
    await author.signup(unique('Sam'));
    const discussion = (await author.post('/start-discussion/', { title: 'Log in to vote', text: 'x' })).headers.location as string;
    await author.post(discussion, { text: 'a comment' });
    const page = await t().app.inject({ method: 'GET', url: discussion });
    expect(page.body).toContain(`href="/login?next=${encodeURIComponent(discussion)}"`);
    expect(page.body).not.toContain('formaction="/api/');
  });
});

describe('profiles', () => {
  const t = useTestApp();

  it("show karma, the user's posts and comments, paginated, and 404 for unknown users", async () => {
    const name = unique('Tara');
    const author = new BrowserSession(t().app);
    await author.signup(name);
    const discussion = (await author.post('/start-discussion/', { title: 'Tara writes', text: 'x' })).headers.location as string;
    await author.post(discussion, { text: 'Tara comments' });
    const voter = new BrowserSession(t().app);
    await voter.signup(unique('Uma'));
    const postId = /\/discuss\/(\d+)\//.exec(discussion)![1];
    await voter.fetchJson(`/api/posts/${postId}/upvote`);

    const page = await t().app.inject({ method: 'GET', url: `/profile/${name.toUpperCase()}/` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<dt>Karma</dt><dd>1</dd>');
    expect(page.body).toContain('Tara writes</a> · 1 point ·');
    expect(page.body).toContain('Tara comments');
    expect((await t().app.inject({ method: 'GET', url: '/profile/nobody-here/' })).statusCode).toBe(404);
  });
});
