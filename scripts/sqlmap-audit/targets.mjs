// What sqlmap attacks: every route that takes text from a visitor or member,
// and the query strings of the pages. The data it needs (members, a
// discussion, a comment) is made through the site's forms first.
import { ForumClient } from './forum-client.mjs';

const PASSWORD = 'audit-password-2026';

export async function prepareTargets(origin) {
  const author = new ForumClient(origin);
  await author.signUp('author', PASSWORD);
  const postId = await author.submit('/start-discussion/', { title: 'Audit me', text: 'A discussion to comment on' }, /\/discuss\/(\d+)\//);
  await author.request(`/discuss/${postId}/`);
  const commentId = await author.submit(`/discuss/${postId}/`, { text: 'A comment to reply to' }, /#c(\d+)$/);

  const member = new ForumClient(origin);
  await member.signUp('auditor', PASSWORD);
  const visitor = new ForumClient(origin);
  await visitor.request('/login');

  return [
    // A wrong password: a right one would sign the visitor in and end the run's premise.
    { route: 'POST /login', client: visitor, url: '/login', form: { username: 'auditor', password: 'not-the-password', next: '/' } },
    // A taken username: every request is refused alike instead of the first creating an account.
    { route: 'POST /signup', client: visitor, url: '/signup', form: { username: 'author', password: PASSWORD, email: 'audit@example.org', next: '/' } },
    { route: 'GET /login', client: visitor, url: '/login?next=%2Fnew' },
    { route: 'POST /start-discussion', client: member, url: '/start-discussion/', form: { title: 'Audit', url: 'https://example.org/audit', text: 'Audit text' } },
    { route: 'POST /discuss/:id', client: member, url: `/discuss/${postId}/`, form: { text: 'An audit comment' } },
    { route: 'POST /comments/:id/reply', client: member, url: `/comments/${commentId}/reply/`, form: { text: 'An audit reply' } },
    // `*` marks the id in the path as a place to test too.
    { route: 'POST /api/posts/:id/:action', client: member, url: `/api/posts/${postId}*/upvote`, form: { next: '/' }, csrfUrl: `/discuss/${postId}/` },
    { route: 'GET /', client: member, url: '/?page=1' },
    { route: 'GET /new', client: member, url: '/new?page=2' },
    { route: 'GET /discuss/:id', client: member, url: `/discuss/${postId}/?sort=old&page=1` },
    { route: 'GET /profile/:username', client: member, url: '/profile/author*/?page=1' },
  ];
}
