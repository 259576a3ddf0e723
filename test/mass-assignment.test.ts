// Mass assignment: every write route the app registers, sent its own fields
// plus fields a forger would like to set, refuses the request and changes
// nothing. The route list comes from the app itself, so a new write route
// fails this test until it is given a valid body below.
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { PASSWORD, seedDiscussion, type DiscussionFixture } from './support/discussion-fixture.js';
import { concreteUrl } from './support/routes.js';

type Sender = 'visitor' | 'owner' | 'other member';

/** Each write route: who sends it, a body it would accept, and the answer when not 200 or 303. */
const VALID_REQUESTS: Record<string, { as: Sender; body: Record<string, string>; answer?: number }> = {
  'POST /signup': { as: 'visitor', body: { username: 'newcomer', password: 'a-long-enough-secret' } },
  'POST /login': { as: 'visitor', body: { username: 'asha', password: PASSWORD } },
  'POST /logout': { as: 'owner', body: {} },
  'POST /start-discussion': { as: 'owner', body: { title: 'New', text: 'x' } },
  'POST /discuss/:id': { as: 'owner', body: { text: 'a comment' } },
  'POST /discuss/:id/edit': { as: 'owner', body: { title: 'Edited', text: 'edited' } },
  'POST /discuss/:id/delete': { as: 'owner', body: {} },
  'POST /comments/:id/reply': { as: 'owner', body: { text: 'a reply' } },
  'POST /comments/:id/edit': { as: 'owner', body: { text: 'edited' } },
  'POST /comments/:id/delete': { as: 'owner', body: {} },
  'POST /api/posts/:id/:action': { as: 'other member', body: {} },
  'POST /api/comments/:id/:action': { as: 'other member', body: {} },
  'POST /settings/sessions/sign-out-others': { as: 'owner', body: {} },
  'POST /settings/password': { as: 'owner', body: { current_password: PASSWORD, new_password: 'a-brand-new-secret' } },
  // Past validation, the handler answers: no provider is configured here (test/provider-sign-in.test.ts sends them with providers).
  'POST /auth/:provider/login': { as: 'owner', body: {}, answer: 404 },
  'POST /auth/:provider/username': { as: 'visitor', body: { username: 'newcomer2' }, answer: 404 },
  'POST /settings/identities/:id/unlink': { as: 'owner', body: {} },
};

/** The page whose form the request is sent from (it holds the CSRF token). */
const formPage = (route: string, as: Sender) => (as !== 'visitor' ? '/' : route.includes('signup') ? '/signup' : '/login');

const FORGED = { author_id: '999', upvotes: '1000', score: '1000', is_superuser: '1', wbs: '.0001', path: '.0001', created_at: '0', user_id: '1' };

describe('mass assignment', () => {
  const t = useTestApp();
  let f: DiscussionFixture;
  const browsers = {} as Record<Sender, BrowserSession>;

  beforeAll(async () => {
    f = await seedDiscussion(t().services);
    browsers.visitor = new BrowserSession(t().app);
    browsers.owner = new BrowserSession(t().app);
    browsers['other member'] = new BrowserSession(t().app);
    await browsers.owner.login('asha', PASSWORD);
    await browsers['other member'].login('ben', PASSWORD);
  });

  /** Every row a write could touch, as one comparable value. */
  const snapshot = async () => {
    const db = t().db.kysely;
    return JSON.stringify(
      await Promise.all([
        db.selectFrom('users').selectAll().orderBy('id').execute(),
        db.selectFrom('posts').selectAll().orderBy('id').execute(),
        db.selectFrom('comments').selectAll().orderBy('id').execute(),
        db.selectFrom('post_votes').selectAll().orderBy('user_id').orderBy('post_id').execute(),
        db.selectFrom('comment_votes').selectAll().orderBy('user_id').orderBy('comment_id').execute(),
        db.selectFrom('sessions').select(['id', 'user_id', 'csrf_token', 'created_at']).orderBy('id').execute(),
      ]),
    );
  };

  const writeRoutes = () => t().routes.filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method)).map((r) => `${r.method} ${r.url}`);

  it('knows a valid request for every write route the app registers', () => {
    expect(writeRoutes().sort()).toEqual(Object.keys(VALID_REQUESTS).sort());
  });

  it('refuses every write route its forged fields, changing nothing', async () => {
    for (const route of writeRoutes()) {
      const { as, body } = VALID_REQUESTS[route]!;
      const url = concreteUrl(route.split(' ')[1]!, f);
      for (const [field, value] of Object.entries(FORGED)) {
        const browser = browsers[as];
        await browser.get(formPage(route, as));
        const before = await snapshot();
        const response = await browser.post(url, { ...body, [field]: value });
        expect(response.statusCode, `${route} with ${field}`).toBe(400);
        expect(await snapshot(), `${route} with ${field}`).toBe(before);
      }
    }
  });

  it('accepts the same requests without the forged fields (so the refusals above are about them)', async () => {
    // Last, because these really write: delete, log out, change the password.
    for (const route of writeRoutes()) {
      const { as, body, answer } = VALID_REQUESTS[route]!;
      // A visitor who signed up is signed in: each visitor route gets a fresh visitor.
      const browser = as === 'visitor' ? new BrowserSession(t().app) : browsers[as];
      await browser.get(formPage(route, as));
      const response = await browser.post(concreteUrl(route.split(' ')[1]!, f), body);
      expect(answer ? [answer] : [200, 303], `${route} → ${response.statusCode}`).toContain(response.statusCode);
    }
  });
});
