// Every form re-rendered with errors: the summary comes before the form, each
// problem links to its field, the fields at fault are marked, and what was
// typed (except passwords) is still there.
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { BrowserSession } from './support/browser-session.js';
import { comment, member, startDiscussion } from './support/forum.js';

/** Checks the page's error summary against the fields it names, and returns the summary's links. */
function expectErrorForm(body: string, invalid: string[]): void {
  const summary = body.indexOf('class="error-summary"');
  const form = body.indexOf('<form method="post"', summary);
  expect(summary, 'an error summary').toBeGreaterThan(-1);
  // The first form after the summary is the one with the fields; no field comes before the summary.
  expect(form).toBeGreaterThan(summary);
  expect(body.indexOf('id="f-')).toBeGreaterThan(summary);
  const links = [...body.slice(summary, form).matchAll(/<a href="#(f-[a-z_]+)">/g)].map((m) => m[1]);
  expect(links).toEqual(invalid.map((name) => `f-${name}`));
  for (const name of invalid) {
    const control = new RegExp(`<(input|textarea) id="f-${name}"[^>]*>`).exec(body)?.[0] ?? '';
    expect(control, name).toContain('aria-invalid="true"');
    expect(control, name).toContain(`aria-describedby="f-${name}-error`);
    expect(body).toContain(`id="f-${name}-error"`);
  }
  expect((body.match(/aria-invalid="true"/g) ?? []).length).toBe(invalid.length);
}

describe('forms re-rendered with errors', () => {
  const t = useTestApp();

  it('sign up: summary above, links to username and email, typed values kept, password not echoed', async () => {
    const browser = new BrowserSession(t().app);
    await browser.get('/signup');
    const response = await browser.post('/signup', { username: 'no spaces', password: 'correct-horse-battery', email: 'not-an-email' });
    expect(response.statusCode).toBe(400);
    expectErrorForm(response.body, ['username', 'email']);
    expect(response.body).toContain('value="no spaces"');
    expect(response.body).toContain('value="not-an-email"');
    expect(response.body).not.toContain('correct-horse-battery');
  });

  it('start a discussion: a bad link and no text mark both fields and keep the title', async () => {
    const browser = await member(t().app);
    await browser.get('/start-discussion/');
    const response = await browser.post('/start-discussion/', { title: 'Keep <this> title', url: 'ftp://example.org/' });
    expect(response.statusCode).toBe(400);
    expectErrorForm(response.body, ['url']);
    expect(response.body).toContain('value="Keep &lt;this&gt; title"');
    expect(response.body).toContain('value="ftp://example.org/"');

    const noText = await browser.post('/start-discussion/', { title: 'Only a title' });
    expectErrorForm(noText.body, ['text']);
  });

  it('comment on a discussion: the summary is above the comment form, not below it', async () => {
    const browser = await member(t().app);
    const postId = await startDiscussion(browser);
    await comment(browser, postId, 'An earlier comment, so a thread sits below the form.');
    await browser.get(`/discuss/${postId}/`);
    const response = await browser.post(`/discuss/${postId}/`, { text: '   ' });
    expect(response.statusCode).toBe(400);
    expectErrorForm(response.body, ['text']);
    expect(response.body.indexOf('class="error-summary"')).toBeLessThan(response.body.indexOf('class="comment-form"'));
  });

  it('edit a comment: the text typed is kept with the error', async () => {
    const browser = await member(t().app);
    const postId = await startDiscussion(browser);
    const id = await comment(browser, postId, 'First words.');
    await browser.get(`/comments/${id}/edit/`);
    const response = await browser.post(`/comments/${id}/edit/`, { text: 'x'.repeat(8193) });
    expect(response.statusCode).toBe(400);
    expectErrorForm(response.body, ['text']);
    expect(response.body).toContain(`>${'x'.repeat(8193)}</textarea>`);
  });

  it('change password: a wrong current password marks that field', async () => {
    const browser = await member(t().app);
    await browser.get('/settings/password/');
    const response = await browser.post('/settings/password/', { current_password: 'not the password', new_password: 'short' });
    expect(response.statusCode).toBe(400);
    expectErrorForm(response.body, ['current_password']);
  });
});
