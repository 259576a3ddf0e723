// The embeddable discussion (/embed/discuss/:id/): read-only, the same for
// everyone, no cookie, and no more queries than the discussion page.
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { queryCount } from './support/browser-session.js';
import { seedDiscussion, type DiscussionFixture } from './support/discussion-fixture.js';

const PAGE_BUDGET = 5;

describe('the embeddable discussion', () => {
  const t = useTestApp();
  let f: DiscussionFixture;
  let url: string;
  let memberCookie: string;

  beforeAll(async () => {
    f = await seedDiscussion(t().services);
    url = `/embed/discuss/${f.post.id}/`;
    memberCookie = `sid=${await t().services.sessions.create(f.asha.id, { userAgent: 'test', ip: '127.0.0.1' })}`;
  });

  const get = (cookie = '') => t().app.inject({ method: 'GET', url, headers: { cookie } });

  it('shows the post and its comment tree, with nothing to click but links to the full site', async () => {
    const response = await get();
    expect(response.statusCode).toBe(200);
    const body = response.body;
    expect(body).toContain(`<h1>${f.post.title}</h1>`);
    expect(body).toContain('<code>&lt;details&gt;</code> for threads');
    expect(body).toMatch(new RegExp(`<li id="c${f.question.id}" class="comment">.*<ol class="replies"><li id="c${f.answer.id}"`, 's'));
    expect(body).toContain(`href="/discuss/${f.post.id}/#c${f.answer.id}"`);
    expect(body).toContain(`<a href="/discuss/${f.post.id}/">Join the discussion on Charcha →</a>`);
    // Every link leaves the frame for a new tab.
    expect(body).toContain('<base target="_blank">');
    for (const chrome of ['<form', '<button', '<input', '<textarea', '<script', '<nav', '<header', '<footer', 'reply</a>', 'Log in to vote']) {
      expect(body, chrome).not.toContain(chrome);
    }
  });

  it('is the same page for a signed-in member: no name, no token, no cookie', async () => {
    const visitor = await get();
    const member = await get(memberCookie);
    expect(member.body).toBe(visitor.body);
    expect(member.body).not.toContain('_csrf');
    expect(member.headers['set-cookie']).toBeUndefined();
    // The session hook would clear a stale cookie; a framed view leaves it alone.
    const stale = await get('sid=no-such-session');
    expect(stale.statusCode).toBe(200);
    expect(stale.headers['set-cookie']).toBeUndefined();
  });

  it(`costs at most ${PAGE_BUDGET} queries, whatever the thread's size`, async () => {
    const { services } = t();
    const created = await services.posts.create(await services.accounts.actor(f.ben.id), { title: 'A long thread', text: 'x' });
    if (!created.created) throw new Error('not created');
    for (let i = 0; i < 350; i++) {
      await services.comments.add({ postId: created.post.id, author: await services.accounts.actor(i % 2 ? f.asha.id : f.ben.id), text: `comment ${i}` });
    }
    const small = queryCount(await get());
    const long = await t().app.inject({ method: 'GET', url: `/embed/discuss/${created.post.id}/` });
    expect(long.body).toContain('More comments on Charcha →');
    expect(queryCount(long)).toBe(small);
    expect(small).toBeLessThanOrEqual(PAGE_BUDGET);
    // A member costs no more than a visitor: the embed does not even look the session up.
    expect(queryCount(await get(memberCookie))).toBe(small);
  }, 60_000);
});
