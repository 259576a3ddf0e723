import type { DiscussionFixture } from './discussion-fixture.js';

/** A registered route's URL with real values from the discussion fixture for its parameters. */
export function concreteUrl(url: string, f: DiscussionFixture, staticFile = '', token = ''): string {
  const path = url
    .replace(/\/comments\/:id/, `/comments/${f.answer.id}`)
    .replace(':id', String(f.post.id))
    .replace(':username', f.asha.username)
    .replace(':action', 'upvote')
    .replace(':provider', 'none')
    .replace(':event', 'post_reply')
    .replace(':channel', 'email')
    .replace(/^\/static\/\*$/, staticFile)
    .replace(':token', token);
  if (/[:*]/.test(path)) throw new Error(`give test/support/routes.ts a value for the parameters of ${url}`);
  return path;
}
