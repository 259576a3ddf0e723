import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { member } from './support/forum.js';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
const signedIn = (body: string) => body.includes('action="/logout"');

describe('session settings', () => {
  const t = useTestApp();

  it('list your sessions and sign out the others', async () => {
    const laptop = await member(t().app);
    const phone = new BrowserSession(t().app);
    await phone.get('/login', { 'user-agent': FIREFOX });
    await phone.post('/login', { username: laptop.username, password: 'correct-horse-battery' }, { 'user-agent': FIREFOX });
    const list = await laptop.get('/settings/sessions/');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Firefox on Linux');
    expect(list.body).toContain('(this device)');
    expect(list.body).toContain('Sign out the 1 other session');

    expect((await laptop.post('/settings/sessions/sign-out-others/')).statusCode).toBe(303);
    expect(signedIn((await phone.get('/')).body)).toBe(false);
    expect(signedIn((await laptop.get('/')).body)).toBe(true);
    expect((await laptop.get('/settings/sessions/')).body).toContain('No other device is signed in.');
  });

  it('change the password only with the current one, then sign out every other session on a new id', async () => {
    const laptop = await member(t().app);
    const phone = new BrowserSession(t().app);
    await phone.login(laptop.username);
    const oldSid = laptop.cookies.get('sid');
    await laptop.get('/settings/password/');

    const wrong = await laptop.post('/settings/password/', { current_password: 'not-my-password', new_password: 'a-brand-new-secret' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('not your current password');
    const weak = await laptop.post('/settings/password/', { current_password: 'correct-horse-battery', new_password: 'short' });
    expect(weak.statusCode).toBe(400);
    expect(signedIn((await phone.get('/')).body)).toBe(true);

    const changed = await laptop.post('/settings/password/', { current_password: 'correct-horse-battery', new_password: 'a-brand-new-secret' });
    expect(changed.statusCode).toBe(303);
    expect(laptop.cookies.get('sid')).not.toBe(oldSid);
    expect(signedIn((await laptop.get('/settings/sessions/?done=password')).body)).toBe(true);
    expect(signedIn((await phone.get('/')).body)).toBe(false);
    const stale = new BrowserSession(t().app);
    stale.cookies.set('sid', oldSid!);
    expect(signedIn((await stale.get('/')).body)).toBe(false);

    expect((await new BrowserSession(t().app).login(laptop.username, 'correct-horse-battery')).statusCode).toBe(400);
    expect((await new BrowserSession(t().app).login(laptop.username, 'a-brand-new-secret')).statusCode).toBe(303);
  });

  it('need a signed-in user', async () => {
    for (const url of ['/settings/sessions/', '/settings/password/']) {
      const response = await t().app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe(`/login?next=${encodeURIComponent(url)}`);
    }
  });
});

// Expiry (idle and absolute) is proved for each SESSION_STORE in test/session-stores.test.ts.

describe('FORCE_HTTPS', () => {
  const t = useTestApp({ FORCE_HTTPS: 'true', TRUST_PROXY: 'true' });
  // As a TLS-terminating proxy forwards a request for https://forum.example.
  const https = { 'x-forwarded-proto': 'https', host: 'forum.example' };

  it('redirects plain HTTP to HTTPS, keeping the method for posts', async () => {
    const get = await t().app.inject({ method: 'GET', url: '/new?page=2', headers: { host: 'forum.example' } });
    expect(get.statusCode).toBe(301);
    expect(get.headers.location).toBe('https://forum.example/new?page=2');
    const post = await t().app.inject({ method: 'POST', url: '/login', headers: { host: 'forum.example' } });
    expect(post.statusCode).toBe(308);
    expect((await t().app.inject({ method: 'GET', url: '/', headers: https })).statusCode).toBe(200);
  });

  it('sets Secure, __Host- prefixed cookies over HTTPS', async () => {
    const login = await t().app.inject({ method: 'GET', url: '/signup', headers: https });
    const pre = login.cookies.find((c) => c.name === 'csrf_pre')!;
    expect(pre.secure).toBe(true);
    const token = /name="_csrf" value="([^"]+)"/.exec(login.body)![1]!;
    const signup = await t().app.inject({
      method: 'POST',
      url: '/signup',
      headers: { ...https, origin: 'https://forum.example', referer: 'https://forum.example/signup', cookie: `csrf_pre=${pre.value}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ username: `secure${Date.now()}`, password: 'a-long-enough-secret', _csrf: token }).toString(),
    });
    expect(signup.statusCode).toBe(303);
    const sid = signup.cookies.find((c) => c.name === '__Host-sid');
    expect(sid).toMatchObject({ secure: true, httpOnly: true, path: '/', sameSite: 'Lax' });
    expect(signup.cookies.find((c) => c.name === 'sid')).toBeUndefined();
  });
});

describe('TRUST_PROXY as a hop count', () => {
  const t = useTestApp({ TRUST_PROXY: '1' });

  it('takes the address the one trusted proxy saw, not one the client wrote', async () => {
    // The client forged 6.6.6.6; the proxy appended the address it really saw.
    const forwarded = { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' };
    const name = `proxied${Date.now()}`;
    const browser = new BrowserSession(t().app);
    await browser.get('/signup', forwarded);
    expect((await browser.post('/signup', { username: name, password: 'a-long-enough-secret' }, forwarded)).statusCode).toBe(303);
    const list = await browser.get('/settings/sessions/', forwarded);
    expect(list.body).toContain('<td>203.0.113.7</td>');
    expect(list.body).not.toContain('6.6.6.6');
  });
});
