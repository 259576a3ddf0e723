// Brute force and abuse through HTTP, at the real limits (RATE_LIMIT_SCALE=1),
// with the test clock standing in for waiting. Clients come from chosen
// addresses through the (trusted) proxy's X-Forwarded-For.
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { withoutToken } from './support/browser-session.js';
import { BrowserAt } from './support/browser-at.js';
import { comment, startDiscussion } from './support/forum.js';

const PASSWORD = 'correct-horse-battery';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let addresses = 0;
const newAddress = () => `198.51.100.${++addresses}`;
let names = 0;
const newName = (prefix: string) => `${prefix}${++names}x${Math.floor(Math.random() * 1e6)}`;

function expectTooMany(response: LightMyRequestResponse, retryAfterSeconds: number, message: string) {
  expect(response.statusCode).toBe(429);
  expect(response.headers['retry-after']).toBe(String(retryAfterSeconds));
  expect(response.body).toContain(message);
}

describe('rate limits', () => {
  const t = useTestApp({ RATE_LIMIT_SCALE: '1', TRUST_PROXY: 'true' });

  const account = async () => {
    const username = newName('member');
    await t().services.accounts.signup({ username, password: PASSWORD });
    return username;
  };
  const loginForm = async (ip = newAddress()) => {
    const browser = new BrowserAt(t().app, ip);
    await browser.get('/login');
    return browser;
  };
  const signedIn = async () => {
    const browser = await loginForm();
    const response = await browser.post('/login', { username: await account(), password: PASSWORD });
    expect(response.statusCode).toBe(303);
    await browser.get('/'); // a page with the session's form token
    return browser;
  };

  describe('log-in', () => {
    it('locks a username after 5 failures for 1 minute, doubling with each further failure up to 1 hour; a success resets it', async () => {
      const username = await account();
      const attacker = await loginForm();
      for (let i = 1; i <= 4; i++) {
        const response = await attacker.post('/login', { username, password: `wrong-guess-${i}` });
        expect(response.statusCode).toBe(400);
        expect(response.body).toContain('Wrong username or password.');
      }
      const locks: number[] = [];
      for (let i = 0; i < 8; i++) {
        const response = await attacker.post('/login', { username, password: 'another-wrong-guess' });
        expect(response.statusCode).toBe(429);
        const seconds = Number(response.headers['retry-after']);
        locks.push(seconds);
        // The form again, with the username kept and the wait in words.
        expect(response.body).toContain('action="/login"');
        expect(response.body).toContain(`value="${username}"`);
        expect(response.body).toMatch(/Too many failed log-in attempts\. Try again in (1 hour|\d+ minutes?)\./);
        t().clock.advance(seconds * 1000);
      }
      expect(locks).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600]);

      expect((await attacker.post('/login', { username, password: PASSWORD })).statusCode).toBe(303);
      const afterSuccess = await loginForm();
      expect((await afterSuccess.post('/login', { username, password: 'wrong-again' })).statusCode).toBe(400);
    });

    it('answers a locked username alike whether the password was right or not, and without checking it', async () => {
      const username = await account();
      const attacker = await loginForm();
      for (let i = 0; i < 5; i++) await attacker.post('/login', { username, password: 'wrong-guess' });
      const wrong = await attacker.post('/login', { username, password: 'still-wrong' });
      const right = await attacker.post('/login', { username, password: PASSWORD });
      expectTooMany(right, 60, 'Try again in 1 minute.');
      expect(withoutToken(right.body)).toBe(withoutToken(wrong.body));
      expect(right.cookies.find((c) => c.name === 'sid')).toBeUndefined();
    });

    it('still lets the owner in from an address that has not been failing, once an hour per address', async () => {
      const username = await account();
      const attacker = await loginForm();
      for (let i = 0; i < 5; i++) await attacker.post('/login', { username, password: 'wrong-guess' });
      expect((await attacker.post('/login', { username, password: PASSWORD })).statusCode).toBe(429);

      const owner = await loginForm();
      expect((await owner.post('/login', { username, password: PASSWORD })).statusCode).toBe(303);

      // The owner's success lifted the lock: relock it, then a clean address gets one try, no more.
      for (let i = 0; i < 5; i++) await attacker.post('/login', { username, password: 'wrong-guess' });
      const other = await loginForm();
      expectTooMany(await other.post('/login', { username, password: 'a-guess' }), 60, 'Too many failed log-in attempts');
      expectTooMany(await other.post('/login', { username, password: PASSWORD }), 60, 'Too many failed log-in attempts');
    });

    it('locks an address after 20 failures across usernames, however right the next password', async () => {
      const sprayer = await loginForm();
      for (let i = 1; i <= 19; i++) {
        expect((await sprayer.post('/login', { username: newName('nobody'), password: 'Summer2026!!' })).statusCode).toBe(400);
      }
      expectTooMany(await sprayer.post('/login', { username: newName('nobody'), password: 'Summer2026!!' }), 60, 'Try again in 1 minute.');
      const username = await account();
      expect((await sprayer.post('/login', { username, password: PASSWORD })).statusCode).toBe(429);
      expect((await (await loginForm()).post('/login', { username, password: PASSWORD })).statusCode).toBe(303);
    });

    it('counts no successful log-ins against the address (an office behind one address)', async () => {
      const [ip, username] = [newAddress(), await account()];
      for (let i = 0; i < 25; i++) {
        const browser = await loginForm(ip);
        expect((await browser.post('/login', { username, password: PASSWORD })).statusCode).toBe(303);
      }
    });

    it('answers JSON callers with { error } and Retry-After', async () => {
      const username = newName('nobody');
      const client = await loginForm();
      for (let i = 0; i < 4; i++) await client.post('/login', { username, password: 'wrong-guess' });
      const response = await client.post('/login', { username, password: 'wrong-guess' }, { accept: 'application/json' });
      expect(response.statusCode).toBe(429);
      expect(response.headers['retry-after']).toBe('60');
      expect(response.json()).toEqual({ error: 'Too many failed log-in attempts. Try again in 1 minute.' });
    });
  });

  describe('speed limits', () => {
    it('allows 10 sign-ups an hour per address', async () => {
      const ip = newAddress();
      const signUp = async (from: string) => {
        const browser = new BrowserAt(t().app, from);
        await browser.get('/signup');
        return browser.post('/signup', { username: newName('new'), password: PASSWORD });
      };
      for (let i = 0; i < 10; i++) expect((await signUp(ip)).statusCode).toBe(303);
      expectTooMany(await signUp(ip), 3600, 'Too many sign-ups from your network. Try again in 1 hour.');
      expect((await signUp(newAddress())).statusCode).toBe(303);
      t().clock.advance(HOUR);
      expect((await signUp(ip)).statusCode).toBe(303);
    });

    it('allows each member 5 new discussions an hour', async () => {
      const author = await signedIn();
      const countPosts = async () => (await t().db.kysely.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
      for (let i = 0; i < 5; i++) await startDiscussion(author, { title: `Post ${i}` });
      const postsBefore = Number(await countPosts());
      const refused = await author.post('/start-discussion/', { title: 'One too many', text: 'text' });
      expectTooMany(refused, 3600, 'You can start another in 1 hour.');
      const json = await author.post('/start-discussion/', { title: 'One too many', text: 'text' }, { accept: 'application/json' });
      expect(json.json()).toEqual({ error: 'You are starting discussions faster than this forum allows. You can start another in 1 hour.' });
      expect(Number(await countPosts())).toBe(postsBefore);

      await startDiscussion(await signedIn());
      t().clock.advance(HOUR);
      await startDiscussion(author);
    });

    it('allows each member 10 comments and replies together per 10 minutes', async () => {
      const author = await signedIn();
      const postId = await startDiscussion(author);
      const first = await comment(author, postId, 'comment 0');
      t().clock.advance(MINUTE);
      for (let i = 1; i < 6; i++) await comment(author, postId, `comment ${i}`);
      for (let i = 6; i < 10; i++) await comment(author, postId, `reply ${i}`, first);
      expectTooMany(await author.post(`/comments/${first}/reply/`, { text: 'reply 10' }), 540, 'You can comment again in 9 minutes.');
      expectTooMany(await author.post(`/discuss/${postId}/`, { text: 'comment 10' }), 540, 'You are commenting faster than this forum allows.');

      await comment(await signedIn(), postId, 'someone else');
      t().clock.advance(9 * MINUTE);
      await comment(author, postId, 'comment 10');
    });

    it('allows each staff member 60 admin changes per 10 minutes, the user page and the matrix together', async () => {
      const admin = await signedIn();
      const username = String(/href="\/profile\/([^/]+)\/"/.exec((await admin.get('/')).body)![1]);
      const { id } = await t().services.accounts.requireByUsername(username);
      await t().services.admin.makeSuperuser(id);
      const grants = [...(await t().services.admin.groupGrants())];
      await admin.get('/admin/groups/');
      for (let i = 0; i < 30; i++) expect((await admin.post('/admin/groups/', { grant: grants })).statusCode).toBe(303);
      for (let i = 0; i < 30; i++) expect((await admin.post(`/admin/users/${id}/`, { groups: '1', is_staff: '1' })).statusCode).toBe(303);
      expectTooMany(await admin.post('/admin/groups/', { grant: grants }), 600, 'You can make more in 10 minutes.');
      t().clock.advance(10 * MINUTE);
      expect((await admin.post('/admin/groups/', { grant: grants })).statusCode).toBe(303);
    });
  });
});
