// Stored HTML rendered by older Markdown rules is rendered again from its
// source: by rerenderAll in batches, and by `charcha rerender`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../src/forum/markdown.js';
import { rerenderAll } from '../src/forum/rerender.js';
import { useTestApp } from './support/app.js';

// What the old rules stored: a page-size <h1> and a stray "!" before a link.
const SOURCE = '# Results\n\n![the chart](https://example.org/chart.png)';
const OLD_HTML = '<h1>Results</h1>\n<p>!<a href="https://example.org/chart.png" rel="nofollow ugc noopener">the chart</a></p>\n';

describe('rerendering stored Markdown', () => {
  const t = useTestApp();

  /** A discussion and comments whose stored HTML is the old rules', plus deleted ones. */
  async function staleForum(comments: number) {
    const { services, db } = t();
    const alice = await services.accounts.signup({ username: `alice${Math.floor(Math.random() * 1e6)}`, password: 'correct-horse-battery' });
    const created = await services.posts.create(await services.accounts.actor(alice.id), { title: `Stale ${Math.random()}`, text: SOURCE });
    if (!created.created) throw new Error('not created');
    const postId = created.post.id;
    const ids: number[] = [];
    for (let i = 0; i < comments; i++) ids.push((await services.comments.add({ postId, author: await services.accounts.actor(alice.id), text: `${SOURCE}\n\nnumber ${i}` })).comment.id);
    const deleted = (await services.comments.add({ postId, author: await services.accounts.actor(alice.id), text: 'to be taken back' })).comment.id;
    await services.comments.delete(deleted, await services.accounts.actor(alice.id));
    const deletedPost = await services.posts.create(await services.accounts.actor(alice.id), { title: `Gone ${Math.random()}`, text: SOURCE });
    if (!deletedPost.created) throw new Error('not created');
    await services.posts.delete(deletedPost.post.id, await services.accounts.actor(alice.id));

    await db.kysely.updateTable('posts').set({ text_html: OLD_HTML }).where('id', '=', postId).execute();
    await db.kysely.updateTable('comments').set({ text_html: OLD_HTML }).where('id', 'in', ids).execute();
    return { postId, ids, deleted, deletedPostId: deletedPost.post.id };
  }

  async function storedHtml(f: Awaited<ReturnType<typeof staleForum>>) {
    const { db } = t();
    const post = await db.kysely.selectFrom('posts').select(['text_html', 'edited_at']).where('id', '=', f.postId).executeTakeFirstOrThrow();
    const comments = await db.kysely.selectFrom('comments').select(['id', 'text', 'text_html', 'edited_at']).where('post_id', '=', f.postId).orderBy('id').execute();
    const deletedPost = await db.kysely.selectFrom('posts').select(['text', 'text_html']).where('id', '=', f.deletedPostId).executeTakeFirstOrThrow();
    return { post, comments, deletedPost };
  }

  it('renders every live post and comment again, in batches, and leaves deleted ones empty', async () => {
    const f = await staleForum(5);
    const result = await rerenderAll(t().db, 2);

    // Every batch of comments was read: 5 stale + 1 deleted (skipped) → at least 3 batches of 2.
    expect(result.comments.batches).toBeGreaterThanOrEqual(3);
    expect(result.comments.changed).toBe(5);
    expect(result.posts.changed).toBe(1);
    const after = await storedHtml(f);
    expect(after.post.text_html).toBe(renderMarkdown(SOURCE));
    expect(after.post.text_html).toContain('<h2>Results</h2>');
    expect(after.post.text_html).not.toContain('!<a');
    for (const c of after.comments.filter((c) => c.id !== f.deleted)) expect(c.text_html).toBe(renderMarkdown(c.text));
    expect(after.comments.find((c) => c.id === f.deleted)).toMatchObject({ text: '', text_html: '' });
    expect(after.deletedPost).toEqual({ text: '', text_html: '' });
    // Rendering again is not an edit.
    expect(after.post.edited_at).toBeNull();
    expect(after.comments.every((c) => c.edited_at === null)).toBe(true);

    // A second run finds nothing to change.
    const again = await rerenderAll(t().db, 2);
    expect(again.posts.changed + again.comments.changed).toBe(0);
    expect(again.comments.checked).toBeGreaterThanOrEqual(5);
  });

  it('`charcha rerender` does the same from the command line', async () => {
    const f = await staleForum(3);
    const { config, database } = t();
    const { stdout } = await promisify(execFile)(process.execPath, ['dist/cli.js', 'rerender'], {
      env: { ...process.env, BASE_URL: '', DATABASE_URL: database.url, DATA_DIR: config.dataDir, SECRET_KEY: 'test-secret-key-that-is-long-enough-000', LOG_LEVEL: 'silent' },
    });
    expect(stdout).toMatch(/posts: \d+ checked, 1 rewritten; comments: \d+ checked, 3 rewritten/);
    const after = await storedHtml(f);
    expect(after.post.text_html).toBe(renderMarkdown(SOURCE));
    expect(after.comments.filter((c) => c.id !== f.deleted).map((c) => c.text_html)).toEqual(after.comments.filter((c) => c.id !== f.deleted).map((c) => renderMarkdown(c.text)));
  });
});
