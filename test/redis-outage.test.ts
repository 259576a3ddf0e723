// With REDIS_URL set and Redis away, the rate-limited routes answer 503 with
// Retry-After (never unlimited, never a 500); pages that are not limited keep
// being served.
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';

describe('Redis unreachable', () => {
  // Port 1: nothing listens there, so every connection is refused at once.
  const t = useTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });

  it('answers rate-limited forms 503 with Retry-After and keeps serving pages', async () => {
    const visitor = new BrowserSession(t().app);
    expect((await visitor.get('/signup')).statusCode).toBe(200);
    const signup = await visitor.post('/signup', { username: 'redisdown', password: 'correct-horse-battery' });
    expect(signup.statusCode).toBe(503);
    expect(signup.headers['retry-after']).toBe('5');
    expect(signup.body).toContain('Temporarily unavailable');
    expect(await t().services.accounts.findByUsername('redisdown')).toBeUndefined();
    expect((await visitor.get('/')).statusCode).toBe(200);
  });
});
