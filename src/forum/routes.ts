import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { RouteDeps } from '../web/route-deps.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import type { FieldErrors } from '../web/forms.js';
import { currentUser } from '../web/guards.js';
import { addVary, refererPath, safeNext, sendHtml, wantsJson } from '../web/respond.js';
import { acceptsEncoding } from '../web/compression.js';
import type { ViewContext } from '../web/context.js';
import { gzipDiscussionPage, OwnBlocks, threadBody } from './thread-body.js';
import { CsrfField, IdParams, PageNumber, PageQuery, RowId } from '../web/schemas.js';
import type { ThreadSort } from './thread.js';
import { FLAG_REASONS, VOTE_ACTIONS, type ViewerVote, type VoteTarget } from './votes.js';
import { commentFormPage, deleteCommentPage, deletePostPage, discussionPage, flagPage, itemAnchor, postFormPage, postListPage, sharedCommentTree } from './views.js';
import { ThreadPages } from './thread-cache.js';
import { html, trustedHtml } from '../web/html.js';
import { timeTag } from '../web/time.js';
import { family } from '../cache/changes.js';

// Generous caps here only bound the request; the services give the real limits as field messages.
const PostBody = Type.Object(
  {
    title: Type.String({ maxLength: 2000 }),
    url: Type.Optional(Type.String({ maxLength: 4000 })),
    text: Type.Optional(Type.String({ maxLength: 40_000 })),
    _csrf: CsrfField,
  },
  { additionalProperties: false },
);
const CommentBody = Type.Object({ text: Type.String({ maxLength: 40_000 }), _csrf: CsrfField }, { additionalProperties: false });
const SortQuery = Type.Object({ sort: Type.Optional(Type.Union([Type.Literal('best'), Type.Literal('old')])) }, { additionalProperties: false });
/** A delete: a moderator deleting someone else's item gives a reason; the author deletes without one. */
const DeleteBody = Type.Object({ _csrf: CsrfField, reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
const FlagReasonField = Type.Union(FLAG_REASONS.map((r) => Type.Literal(r)));

/** Field messages of a ValidationError; anything else is rethrown. */
function fieldErrors(error: unknown): FieldErrors {
  if (error instanceof ValidationError) return error.fields;
  throw error;
}

export const forumRoutes: FastifyPluginAsync<RouteDeps> = async (root, deps) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { posts, comments, votes, moderation } = deps.services;
  const discussionUrl = (postId: number, o: { commentId?: number; page?: number; sort?: ThreadSort } = {}) => {
    const query = [o.page && o.page > 1 ? `page=${o.page}` : '', o.sort === 'old' ? 'sort=old' : ''].filter(Boolean).join('&');
    return `/discuss/${postId}/${query ? `?${query}` : ''}${o.commentId ? `#c${o.commentId}` : ''}`;
  };
  /** Where a comment shows: the page of its discussion that holds it (one query), scrolled to it. */
  const commentUrl = async (c: { id: number; post_id: number }, sort: ThreadSort = 'best') =>
    discussionUrl(c.post_id, { commentId: c.id, page: await comments.pageOf(c.post_id, c.id, sort), sort });

  for (const [path, order, heading, title] of [
    ['/', 'hot', 'Top discussions', 'Top'],
    ['/new', 'new', 'Newest discussions', 'New'],
  ] as const) {
    app.get(path, { config: { access: 'public' }, schema: { querystring: PageQuery } }, async (request, reply) =>
      deps.pages.send(request, reply, [family.lists], async () => {
        const page = request.query.page ?? 1;
        const { posts: ranked, hasMore } = await posts.list(order, page);
        // Pinned posts head the front page's first page (one query more there); the ranked list leaves them out.
        const items = order === 'hot' && page === 1 ? [...(await posts.pinned()), ...ranked] : ranked;
        const user = request.session?.user;
        const myVotes = user ? await votes.forPosts(user.id, items.map((p) => p.id)) : new Map<number, ViewerVote>();
        return postListPage(deps.view(request), { heading, title, base: path, posts: items, votes: myVotes, page, hasMore });
      }),
    );
  }

  app.get('/start-discussion', { config: { access: 'forum.add_post' } }, async (request, reply) =>
    sendHtml(reply, postFormPage(deps.view(request), { heading: 'Start a discussion', action: '/start-discussion/', values: {}, submit: 'Submit' })),
  );

  app.post('/start-discussion', { config: { access: 'forum.add_post', speedLimit: 'post' }, schema: { body: PostBody } }, async (request, reply) => {
    try {
      const result = await posts.create(currentUser(request), request.body);
      return reply.redirect(discussionUrl(result.created ? result.post.id : result.existingId), 303);
    } catch (error) {
      const page = postFormPage(deps.view(request), {
        heading: 'Start a discussion',
        action: '/start-discussion/',
        values: request.body,
        errors: fieldErrors(error),
        submit: 'Submit',
      });
      return sendHtml(reply, page, 400);
    }
  });

  const threadPages = new ThreadPages(deps.services.cache.generations, deps.now);
  const ownBlocks = new OwnBlocks();
  /** A discussion page's view for this reader: the shared part (thread-cache.ts), their votes laid over. */
  const discussionView = async (request: FastifyRequest, postId: number, sort: ThreadSort, page: number, commentForm?: { text: string; errors: FieldErrors }) => {
    const asked = deps.view(request);
    // A visitor's login links lead back to the page's own address, however its query was spelled
    // (?page=1&sort=best): so all spellings are one kind of reader, whose blocks are made and kept once (thread-body.ts).
    const ctx = asked.user ? asked : { ...asked, path: discussionUrl(postId, { sort, page }) };
    const shared = await threadPages.get({ postId, sort, page, seesHidden: ctx.can('comment.hide') }, async () => {
      const post = await posts.require(postId);
      const thread = await comments.threadPage(post.id, sort, page);
      const view = { post, comments: thread.comments, sortable: thread.sortable, sort, page, hasMore: thread.hasMore, postVote: undefined, commentVotes: new Map() };
      const tree = sharedCommentTree(ctx, view);
      const now = deps.now();
      const marksEnd = thread.comments.map((c) => deps.services.policy.newAccountUntil(c.author_joined)).filter((until) => until > now);
      const validUntil = Math.min(Number.POSITIVE_INFINITY, ...marksEnd);
      return { post, sortable: thread.sortable, hasMore: thread.hasMore, tree, body: threadBody(tree), validUntil };
    });
    const user = request.session?.user;
    const mine = user ? await votes.forDiscussion(user.id, postId) : { post: undefined, comments: new Map<number, ViewerVote>() };
    const view = {
      post: shared.post,
      comments: [],
      sortable: shared.sortable,
      sort,
      page,
      hasMore: shared.hasMore,
      postVote: mine.post,
      commentVotes: mine.comments,
      commentForm,
      sharedTree: shared.tree,
    };
    return { ctx, view, body: shared.body };
  };
  const showDiscussion = async (request: FastifyRequest, postId: number, sort: ThreadSort, page: number, commentForm?: { text: string; errors: FieldErrors }) => {
    const { ctx, view } = await discussionView(request, postId, sort, page, commentForm);
    return discussionPage(ctx, view);
  };
  /** The same reader with nobody's identity: their rights, none of their comments (thread-body.ts). */
  const neutralOf = (ctx: ViewContext): ViewContext => {
    if (!ctx.user) return ctx;
    const nobody = { ...ctx.user, id: -1 };
    return { ...ctx, user: nobody, can: (action, ...item) => deps.services.policy.can(nobody, action, ...item) };
  };

  app.get(
    '/discuss/:id',
    {
      config: { access: 'public' },
      schema: {
        params: IdParams,
        querystring: Type.Object({ sort: SortQuery.properties.sort, page: PageNumber }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      const [postId, sort, page] = [request.params.id, request.query.sort ?? 'best', request.query.page ?? 1] as const;
      if (deps.pages.shares(request)) return deps.pages.send(request, reply, [family.post(postId)], () => showDiscussion(request, postId, sort, page));
      const { ctx, view, body } = await discussionView(request, postId, sort, page);
      if (!acceptsEncoding(request.headers['accept-encoding'], 'gzip')) return sendHtml(reply, discussionPage(ctx, view));
      addVary(reply, 'Accept-Encoding');
      return reply.type('text/html; charset=utf-8').header('Content-Encoding', 'gzip').send(gzipDiscussionPage(ctx, neutralOf(ctx), view, body, ownBlocks));
    },
  );

  app.post('/discuss/:id', { config: { access: 'forum.add_comment', speedLimit: 'comment' }, schema: { params: IdParams, body: CommentBody } }, async (request, reply) => {
    try {
      const { comment } = await comments.add({ postId: request.params.id, author: currentUser(request), text: request.body.text });
      return reply.redirect(await commentUrl(comment), 303);
    } catch (error) {
      const page = await showDiscussion(request, request.params.id, 'best', 1, { text: request.body.text, errors: fieldErrors(error) });
      return sendHtml(reply, page, 400);
    }
  });

  app.get('/discuss/:id/edit', { config: { access: 'signed-in' }, schema: { params: IdParams } }, async (request, reply) => {
    const post = await posts.requireEditable(request.params.id, currentUser(request));
    const self = discussionUrl(post.id);
    return sendHtml(
      reply,
      postFormPage(deps.view(request), {
        heading: 'Edit discussion',
        action: `${self}edit/`,
        values: { title: post.title, url: post.url ?? '', text: post.text },
        submit: 'Save',
        deleteLink: `${self}delete/`,
      }),
    );
  });

  app.post('/discuss/:id/edit', { config: { access: 'signed-in' }, schema: { params: IdParams, body: PostBody } }, async (request, reply) => {
    const self = discussionUrl(request.params.id);
    try {
      await posts.update(request.params.id, currentUser(request), request.body);
      return reply.redirect(self, 303);
    } catch (error) {
      const view = deps.view(request);
      const page = postFormPage(view, { heading: 'Edit discussion', action: `${self}edit/`, values: request.body, errors: fieldErrors(error), submit: 'Save', deleteLink: `${self}delete/` });
      return sendHtml(reply, page, 400);
    }
  });

  app.get('/discuss/:id/delete', { config: { access: 'signed-in' }, schema: { params: IdParams } }, async (request, reply) => {
    const user = currentUser(request);
    const post = await posts.requireDeletable(request.params.id, user);
    return sendHtml(reply, deletePostPage(deps.view(request), post, post.author_id === user.id ? undefined : {}));
  });

  app.post('/discuss/:id/delete', { config: { access: 'signed-in' }, schema: { params: IdParams, body: DeleteBody } }, async (request, reply) => {
    const user = currentUser(request);
    const post = await posts.require(request.params.id);
    // The author, or a delete already done (a double click): no reason asked, nothing logged.
    if (post.author_id === user.id || post.deleted_at !== null) await posts.delete(post.id, user);
    else {
      try {
        await moderation.deletePost(user, post.id, request.body.reason ?? '');
      } catch (error) {
        return sendHtml(reply, deletePostPage(deps.view(request), post, { reason: request.body.reason, error: fieldErrors(error).reason }), 400);
      }
    }
    return reply.redirect(discussionUrl(request.params.id), 303);
  });

  // Every comment's permalink. Not permanent: votes and new comments move a comment between pages.
  app.get('/comments/:id', { config: { access: 'public' }, schema: { params: IdParams, querystring: SortQuery } }, async (request, reply) => {
    const comment = await comments.require(request.params.id);
    return reply.redirect(await commentUrl(comment, request.query.sort), 302);
  });

  const replyPage = (request: FastifyRequest, parent: Awaited<ReturnType<typeof comments.require>>, text?: string, errors?: FieldErrors) =>
    commentFormPage(deps.view(request), { heading: 'Reply', action: `/comments/${parent.id}/reply/`, context: parent, text, errors, submit: 'Reply' });

  app.get('/comments/:id/reply', { config: { access: 'forum.add_comment' }, schema: { params: IdParams } }, async (request, reply) => {
    const parent = await comments.require(request.params.id);
    if (parent.deleted_at !== null) throw new NotFoundError('That comment was deleted.');
    // Its words show above the form: not for a hidden comment, except to those who may restore it.
    if (parent.hidden_at !== null && !deps.services.policy.can(currentUser(request), 'comment.hide')) throw new NotFoundError('A moderator hid that comment.');
    return sendHtml(reply, replyPage(request, parent));
  });

  app.post('/comments/:id/reply', { config: { access: 'forum.add_comment', speedLimit: 'comment' }, schema: { params: IdParams, body: CommentBody } }, async (request, reply) => {
    const parent = await comments.require(request.params.id);
    try {
      const { comment } = await comments.add({ postId: parent.post_id, parentId: parent.id, author: currentUser(request), text: request.body.text });
      return reply.redirect(await commentUrl(comment), 303);
    } catch (error) {
      return sendHtml(reply, replyPage(request, parent, request.body.text, fieldErrors(error)), 400);
    }
  });

  const editCommentPage = (request: FastifyRequest, id: number, text: string, errors?: FieldErrors) =>
    commentFormPage(deps.view(request), { heading: 'Edit comment', action: `/comments/${id}/edit/`, text, errors, submit: 'Save', deleteLink: `/comments/${id}/delete/` });

  app.get('/comments/:id/edit', { config: { access: 'signed-in' }, schema: { params: IdParams } }, async (request, reply) => {
    const comment = await comments.requireEditable(request.params.id, currentUser(request));
    return sendHtml(reply, editCommentPage(request, comment.id, comment.text));
  });

  app.post('/comments/:id/edit', { config: { access: 'signed-in' }, schema: { params: IdParams, body: CommentBody } }, async (request, reply) => {
    try {
      const comment = await comments.edit(request.params.id, currentUser(request), request.body.text);
      return reply.redirect(await commentUrl(comment), 303);
    } catch (error) {
      return sendHtml(reply, editCommentPage(request, request.params.id, request.body.text, fieldErrors(error)), 400);
    }
  });

  app.get('/comments/:id/delete', { config: { access: 'signed-in' }, schema: { params: IdParams } }, async (request, reply) => {
    const user = currentUser(request);
    const comment = await comments.requireDeletable(request.params.id, user);
    return sendHtml(reply, deleteCommentPage(deps.view(request), comment, comment.author, comment.author_id === user.id ? undefined : {}));
  });

  app.post('/comments/:id/delete', { config: { access: 'signed-in' }, schema: { params: IdParams, body: DeleteBody } }, async (request, reply) => {
    const user = currentUser(request);
    const comment = await comments.require(request.params.id);
    if (comment.author_id === user.id || comment.deleted_at !== null) await comments.delete(comment.id, user);
    else {
      try {
        await moderation.deleteComment(user, comment.id, request.body.reason ?? '');
      } catch (error) {
        const page = deleteCommentPage(deps.view(request), comment, comment.author, { reason: request.body.reason, error: fieldErrors(error).reason });
        return sendHtml(reply, page, 400);
      }
    }
    return reply.redirect(await commentUrl(comment), 303);
  });

  /** "Why flag this?", for a post or a comment; its form posts the reason to the vote endpoint. */
  const showFlagPage = async (request: FastifyRequest, target: VoteTarget, id: number, next?: string, error?: string) => {
    const item = target === 'post' ? await posts.require(id) : await comments.require(id);
    if (!deps.services.policy.can(currentUser(request), 'flag', item)) throw new ForbiddenError('You may not flag this.');
    const self = target === 'post' ? discussionUrl(id) : `/comments/${id}/`;
    const quoted =
      'title' in item
        ? html`<p><strong>${item.title}</strong> by ${item.author}</p>`
        : html`<p class="meta">${item.author} ${timeTag(item.created_at)}</p>${trustedHtml(item.text_html)}`;
    // Back to where the reader pressed "flag", scrolled to the item (a posted `next` is the client's: checked again).
    const back =
      next !== undefined ? safeNext(next, self) : `${safeNext(refererPath(request, deps.origin(request)), self).split('#')[0]}#${itemAnchor(target, id)}`;
    return flagPage(deps.view(request), { target, id, quoted, next: back, cancel: back, error });
  };
  for (const [target, path] of [
    ['post', '/discuss/:id/flag'],
    ['comment', '/comments/:id/flag'],
  ] as const) {
    app.get(path, { config: { access: 'forum.add_flag' }, schema: { params: IdParams } }, async (request, reply) =>
      sendHtml(reply, await showFlagPage(request, target, request.params.id)),
    );
  }

  for (const target of ['post', 'comment'] as const satisfies readonly VoteTarget[]) {
    app.post(
      `/api/${target}s/:id/:action`,
      {
        config: { access: 'signed-in' },
        schema: {
          params: Type.Object(
            { id: RowId, action: Type.Union(VOTE_ACTIONS.map((a) => Type.Literal(a))) },
            { additionalProperties: false },
          ),
          body: Type.Object(
            { _csrf: CsrfField, next: Type.Optional(Type.String({ maxLength: 2000 })), reason: Type.Optional(FlagReasonField) },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const { id, action } = request.params;
        let result;
        try {
          result = await votes.apply(target, id, currentUser(request), action, request.body.reason);
        } catch (error) {
          const message = fieldErrors(error).reason;
          if (wantsJson(request)) return reply.code(400).send({ error: message });
          return sendHtml(reply, await showFlagPage(request, target, id, request.body.next, message), 400);
        }
        if (wantsJson(request)) {
          const { upvotes, downvotes, flags, score, myVote } = result;
          return reply.send({ upvotes, downvotes, flags, score, myVote });
        }
        // Back where the reader was, scrolled to what they voted on (not the top of a long thread).
        const itemPage = target === 'post' ? discussionUrl(id) : `/comments/${id}/`;
        const back = safeNext(request.body.next, refererPath(request, deps.origin(request)) ?? itemPage);
        if (back.includes('#')) return reply.redirect(back, 303);
        if (target === 'comment' && request.body.next === undefined) {
          // Its new score may have moved it to another page of the thread: go where it is now, in the reader's order.
          const sort = new URL(back, 'http://x').searchParams.get('sort') === 'old' ? 'old' : 'best';
          return reply.redirect(await commentUrl(await comments.require(id), sort), 303);
        }
        return reply.redirect(`${back}#${itemAnchor(target, id)}`, 303);
      },
    );
  }
};
