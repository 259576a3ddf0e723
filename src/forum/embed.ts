// The embeddable view of a discussion: other sites frame it (EMBED_ORIGINS),
// so it is read-only, shows nothing personal, sets no cookie, and its links
// open the full site.
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { RouteDeps } from '../web/route-deps.js';
import type { ViewContext } from '../web/context.js';
import { html, type SafeHtml } from '../web/html.js';
import { embeddedPage } from '../web/layout.js';
import { sendHtml } from '../web/respond.js';
import { IdParams } from '../web/schemas.js';
import { commentTree, discussionTitle, postArticle, type DiscussionView } from './views.js';

export function embedPage(ctx: ViewContext, view: DiscussionView): SafeHtml {
  const full = `/discuss/${view.post.id}/`;
  return embeddedPage(ctx, {
    title: discussionTitle(ctx, view.post),
    head: html`<link rel="canonical" href="${full}">`,
    body: html`${postArticle(ctx, view)}
${commentTree(ctx, view)}
<p class="more"><a href="${full}">${view.hasMore ? 'More comments' : 'Join the discussion'} on Charcha →</a></p>`,
  });
}

export const embedRoutes: FastifyPluginAsync<RouteDeps> = async (root, deps) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { posts, comments } = deps.services;

  app.get(
    '/embed/discuss/:id',
    {
      // Everyone sees what a visitor sees (no name, token or votes of their own):
      // the session is not even read, so no cookie is touched either.
      config: { access: 'public', framing: 'embed', session: false },
      schema: { params: IdParams, querystring: Type.Object({}, { additionalProperties: false }) },
    },
    async (request, reply) => {
      const post = await posts.require(request.params.id);
      const thread = await comments.threadPage(post.id, 'best', 1);
      const ctx = deps.view(request);
      const view: DiscussionView = {
        post,
        comments: thread.comments,
        sortable: thread.sortable,
        sort: 'best',
        page: 1,
        hasMore: thread.hasMore,
        postVote: undefined,
        commentVotes: new Map(),
        readOnly: true,
      };
      return sendHtml(reply, embedPage(ctx, view));
    },
  );
};
