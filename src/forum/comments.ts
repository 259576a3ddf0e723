import type { Kysely, Transaction } from 'kysely';
import type { Actor, Policy } from '../access/policy.js';
import type { DialectName } from '../db/database.js';
import type { Comment, Database } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { ForbiddenError, NotFoundError, ValidationError, type Clock } from '../errors.js';
import { family, type Changes } from '../cache/changes.js';
import type { NotificationService } from '../notifications/service.js';
import type { DeliveryService } from '../notifications/delivery.js';
import { live } from './live.js';
import { refusedEdit, TEXT_MAX, type DeleteAudit } from './posts.js';
import { bestPath, type ThreadSort } from './thread.js';
import { renderText } from './text.js';
import { MAX_DEPTH, MAX_SIBLINGS, childPath } from './wbs.js';

/** A page shows at most this many comments; the rest follow behind "more comments". */
export const COMMENTS_PER_PAGE = 300;

/** The same text sent twice within this window (a double click) is stored once. */
export const DUPLICATE_COMMENT_WINDOW_MS = 10 * 60_000;

export interface NewComment {
  postId: number;
  parentId?: number | undefined;
  author: Actor;
  text: string;
}

export type CommentWithAuthor = Comment & { author: string; author_joined: number };

/** What a thread shows of a comment: no Markdown source, the larger half of a row. */
export type ThreadComment = Pick<Comment, 'id' | 'parent_id' | 'author_id' | 'depth' | 'text_html' | 'upvotes' | 'downvotes' | 'created_at' | 'deleted_at' | 'hidden_at'> & {
  author: string;
  /** When the author joined: new accounts are marked. */
  author_joined: number;
};

function validText(raw: string): string {
  const text = raw.trim();
  if (text.length === 0) throw new ValidationError({ text: 'Write something first.' });
  if (text.length > TEXT_MAX) throw new ValidationError({ text: `Keep it within ${TEXT_MAX} characters.` });
  return text;
}

export class CommentService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly policy: Policy,
    private readonly now: Clock,
    private readonly changes: Changes,
    private readonly notifications: NotificationService,
    private readonly deliveries: DeliveryService,
  ) {}

  /**
   * Adds a comment or a reply. The parent row (post or comment) is locked
   * while its next child number is taken, so concurrent replies get distinct
   * paths; the unique (post, path) index is the last line of defence.
   * Every write locks the post before any comment, so writes never deadlock.
   */
  async add(input: NewComment): Promise<{ comment: Comment; duplicate: boolean }> {
    const text = validText(input.text);
    const added = await inTransaction(this.db, async (trx) => {
      const post = await this.lockPost(trx, input.postId);
      if (!post || post.deleted_at !== null) throw new NotFoundError('No such discussion');
      if (!this.policy.can(input.author, 'comment.add', post)) {
        throw new ForbiddenError(post.locked_at !== null ? 'This discussion is locked: no new comments.' : 'You may not comment here.');
      }
      let parent: Pick<Comment, 'id' | 'author_id' | 'path' | 'best_path' | 'depth' | 'post_id' | 'deleted_at' | 'hidden_at'> | undefined;
      if (input.parentId !== undefined) {
        parent = await this.lockComment(trx, input.parentId);
        if (!parent || parent.post_id !== input.postId) throw new NotFoundError('No such comment');
        if (parent.deleted_at !== null) throw new ValidationError({ text: 'You cannot reply to a deleted comment.' });
        if (parent.hidden_at !== null && !this.policy.can(input.author, 'comment.hide')) throw new NotFoundError('A moderator hid that comment.');
        if (parent.depth >= MAX_DEPTH) throw new ValidationError({ text: `Threads go ${MAX_DEPTH} levels deep; reply higher up.` });
      }

      const now = this.now();
      const duplicate = await trx
        .selectFrom('comments')
        .selectAll()
        .where('post_id', '=', input.postId)
        .where('author_id', '=', input.author.id)
        .where('parent_id', parent ? '=' : 'is', parent ? parent.id : null)
        .where('text', '=', text)
        .where('deleted_at', 'is', null)
        .where('created_at', '>', now - DUPLICATE_COMMENT_WINDOW_MS)
        .executeTakeFirst();
      if (duplicate) return { comment: duplicate, duplicate: true };

      const { child_count: sequence } = await trx
        .updateTable(parent ? 'comments' : 'posts')
        .set((eb) => ({ child_count: eb('child_count', '+', 1) }))
        .where('id', '=', parent ? parent.id : input.postId)
        .returning('child_count')
        .executeTakeFirstOrThrow();
      if (sequence > MAX_SIBLINGS) throw new ValidationError({ text: `This thread is full (${MAX_SIBLINGS} replies); reply elsewhere.` });

      const { html, mentions } = await renderText(trx, text);
      const path = childPath(parent?.path ?? '', sequence);
      const comment = await trx
        .insertInto('comments')
        .values({
          post_id: input.postId,
          author_id: input.author.id,
          parent_id: parent?.id ?? null,
          path,
          best_path: bestPath(parent?.best_path ?? '', path, 0, 0),
          depth: (parent?.depth ?? 0) + 1,
          text,
          text_html: html,
          created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx
        .updateTable('posts')
        .set((eb) => ({ num_comments: eb('num_comments', '+', 1) }))
        .where('id', '=', input.postId)
        .execute();
      // In the same transaction: a reply is never without its notifications and their delivery jobs, nor they without it.
      const written = await this.notifications.onNewComment(trx, {
        commentId: comment.id,
        postId: input.postId,
        actorId: input.author.id,
        repliedTo: parent ? { userId: parent.author_id, kind: 'comment_reply' } : { userId: post.author_id, kind: 'post_reply' },
        mentions,
      });
      await this.deliveries.fanOut(trx, written, { postId: input.postId, commentId: comment.id, postTitle: post.title, actorId: input.author.id, text });
      return { comment, duplicate: false };
    });
    if (!added.duplicate) await this.changes.announce(family.lists, family.post(input.postId), family.user(input.author.id));
    return added;
  }

  async edit(commentId: number, actor: Actor, rawText: string): Promise<Comment> {
    const comment = await this.requireEditable(commentId, actor);
    const text = validText(rawText);
    const { html } = await renderText(this.db, text);
    // Only a live comment takes the words: a delete that won a race keeps them gone.
    const { numUpdatedRows } = await this.db
      .updateTable('comments')
      .set({ text, text_html: html, edited_at: this.now() })
      .where('id', '=', comment.id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (numUpdatedRows === 0n) throw new NotFoundError('No such comment');
    await this.changes.announce(family.post(comment.post_id), family.user(comment.author_id));
    return comment;
  }

  /**
   * Keeps the comment's place in the tree (replies stay under it) but not its
   * words. Deleting a deleted comment again (a double click, a second tab)
   * changes nothing and succeeds like the first time.
   */
  async delete(commentId: number, actor: Actor, audit?: DeleteAudit<Comment>): Promise<Comment> {
    let deleted = false;
    const comment = await inTransaction(this.db, async (trx) => {
      const found = await trx.selectFrom('comments').select('post_id').where('id', '=', commentId).executeTakeFirst();
      if (!found) throw new NotFoundError('No such comment');
      await this.lockPost(trx, found.post_id);
      const comment = await this.readComment(commentId, trx, { lock: true });
      if (comment.deleted_at !== null) return comment;
      if (!this.policy.can(actor, 'comment.delete', comment)) throw new ForbiddenError('You can only delete your own comments.');
      await trx
        .updateTable('comments')
        .set({ text: '', text_html: '', deleted_at: this.now() })
        .where('id', '=', comment.id)
        .execute();
      await trx
        .updateTable('posts')
        .set((eb) => ({ num_comments: eb('num_comments', '-', 1) }))
        .where('id', '=', comment.post_id)
        .execute();
      await audit?.(trx, comment);
      deleted = true;
      return comment;
    });
    if (deleted) await this.changes.announce(family.lists, family.post(comment.post_id), family.user(comment.author_id));
    return comment;
  }

  async find(commentId: number): Promise<CommentWithAuthor | undefined> {
    return this.db
      .selectFrom('comments')
      .innerJoin('users', 'users.id', 'comments.author_id')
      .selectAll('comments')
      .select(['users.username as author', 'users.created_at as author_joined'])
      .where('comments.id', '=', commentId)
      .executeTakeFirst();
  }

  async require(commentId: number): Promise<CommentWithAuthor> {
    const comment = await this.find(commentId);
    if (!comment) throw new NotFoundError('No such comment');
    return comment;
  }

  /** A live comment the actor may edit, or the reason they cannot. */
  async requireEditable(commentId: number, actor: Actor): Promise<Comment> {
    const comment = await this.readComment(commentId, this.db);
    if (comment.deleted_at !== null) throw new NotFoundError('No such comment');
    if (!this.policy.can(actor, 'comment.edit', comment)) throw new ForbiddenError(refusedEdit(comment, actor, 'comments'));
    return comment;
  }

  /** A live comment the actor may delete, or the reason they cannot. */
  async requireDeletable(commentId: number, actor: Actor): Promise<CommentWithAuthor> {
    const comment = await this.require(commentId);
    if (comment.deleted_at !== null) throw new NotFoundError('No such comment');
    if (!this.policy.can(actor, 'comment.delete', comment)) throw new ForbiddenError('You can only delete your own comments.');
    return comment;
  }

  /** A comment, deleted or not; locked for the transaction when asked (PostgreSQL). */
  private async readComment(commentId: number, db: Kysely<Database>, options = { lock: false }): Promise<Comment> {
    const comment = await db
      .selectFrom('comments')
      .selectAll()
      .where('id', '=', commentId)
      .$if(options.lock && this.dialect === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
    if (!comment) throw new NotFoundError('No such comment');
    return comment;
  }

  /**
   * One page of a discussion's thread: one indexed range read of that page's
   * rows in the stored order ("old": the WBS path; "best": the best path),
   * whatever the thread's size, and one row more to know if more follow.
   * `sortable`: the thread has two comments or more, so its order can be chosen.
   */
  async threadPage(postId: number, sort: ThreadSort, page: number): Promise<{ comments: ThreadComment[]; hasMore: boolean; sortable: boolean }> {
    const start = (page - 1) * COMMENTS_PER_PAGE;
    const rows = await this.db
      .selectFrom('comments')
      .innerJoin('users', 'users.id', 'comments.author_id')
      .select([
        'comments.id',
        'comments.parent_id',
        'comments.author_id',
        'comments.depth',
        'comments.text_html',
        'comments.upvotes',
        'comments.downvotes',
        'comments.created_at',
        'comments.deleted_at',
        'comments.hidden_at',
        'users.username as author',
        'users.created_at as author_joined',
      ])
      .where('comments.post_id', '=', postId)
      .orderBy(sort === 'old' ? 'comments.path' : 'comments.best_path')
      .limit(COMMENTS_PER_PAGE + 1)
      .offset(start)
      .execute();
    const hasMore = rows.length > COMMENTS_PER_PAGE;
    if (hasMore) rows.pop();
    // A later page holds rows only after a full page 1; past the end (a stale link), the thread is counted apart.
    const sortable = rows.length > 1 || (page > 1 && (rows.length > 0 || (await this.threadSize(postId)) > 1));
    return { comments: rows, hasMore, sortable };
  }

  /** How many comments a discussion has, deleted ones included (they hold replies). */
  private async threadSize(postId: number): Promise<number> {
    const { n } = await this.db.selectFrom('comments').select((eb) => eb.fn.countAll().as('n')).where('post_id', '=', postId).executeTakeFirstOrThrow();
    return Number(n);
  }

  /**
   * The thread page (1-based) that shows a comment in this order, in one
   * query whatever the thread's size: how many come before it, counted on
   * the order's index; 1 if the comment is not in the thread.
   */
  async pageOf(postId: number, commentId: number, sort: ThreadSort): Promise<number> {
    const column = sort === 'old' ? 'path' : 'best_path';
    const { before } = await this.db
      .selectFrom('comments')
      .select((eb) => eb.fn.countAll().as('before'))
      .where('post_id', '=', postId)
      .where(column, '<', (eb) => eb.selectFrom('comments').select(column).where('id', '=', commentId).where('post_id', '=', postId))
      .executeTakeFirstOrThrow();
    return Math.floor(Number(before) / COMMENTS_PER_PAGE) + 1;
  }

  /** A user's latest comments with their discussions' titles, newest first. */
  async listByAuthor(authorId: number, page: number, pageSize: number) {
    const rows = await this.db
      .selectFrom('comments')
      .innerJoin('posts', 'posts.id', 'comments.post_id')
      .select([
        'comments.id',
        'comments.post_id',
        'comments.text_html',
        'comments.upvotes',
        'comments.downvotes',
        'comments.created_at',
        'posts.title as post_title',
      ])
      .where('comments.author_id', '=', authorId)
      .where(live('comments'))
      .orderBy('comments.created_at', 'desc')
      .orderBy('comments.id', 'desc')
      .limit(pageSize + 1)
      .offset((page - 1) * pageSize)
      .execute();
    return { comments: rows.slice(0, pageSize), hasMore: rows.length > pageSize };
  }

  // Rows read for update: PostgreSQL locks them; on SQLite, BEGIN IMMEDIATE already holds the write lock.
  private lockPost(trx: Transaction<Database>, id: number) {
    return trx
      .selectFrom('posts')
      .select(['id', 'author_id', 'title', 'created_at', 'deleted_at', 'hidden_at', 'locked_at'])
      .where('id', '=', id)
      .$if(this.dialect === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
  }

  private lockComment(trx: Transaction<Database>, id: number) {
    return trx
      .selectFrom('comments')
      .select(['id', 'author_id', 'path', 'best_path', 'depth', 'post_id', 'deleted_at', 'hidden_at'])
      .where('id', '=', id)
      .$if(this.dialect === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
  }
}
