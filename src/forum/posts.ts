import type { Kysely, Transaction } from 'kysely';
import type { Actor, Policy } from '../access/policy.js';
import type { DialectName } from '../db/database.js';
import type { Database, Post } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { ForbiddenError, NotFoundError, ValidationError, type Clock } from '../errors.js';
import { parseLink } from './links.js';
import { live, unheld } from './live.js';
import { renderText } from './text.js';
import { hotness } from './ranking.js';
import { family, type Changes } from '../cache/changes.js';

export const TITLE_MAX = 120;
export const TEXT_MAX = 8192;
export const PAGE_SIZE = 30;
/** A link submitted again within this window leads to the existing discussion. */
export const DUPLICATE_LINK_WINDOW_MS = 30 * 24 * 3_600_000;

export interface PostInput {
  title: string;
  url?: string | undefined;
  text?: string | undefined;
}

export interface PostListItem {
  id: number;
  title: string;
  url: string | null;
  domain: string | null;
  upvotes: number;
  downvotes: number;
  num_comments: number;
  created_at: number;
  author_id: number;
  author: string;
  /** When the author joined: new accounts are marked. */
  author_joined: number;
  pinned_at: number | null;
}

export type PostWithAuthor = Post & { author: string; author_joined: number };

export type CreatePostResult = { created: true; post: Post } | { created: false; existingId: number };

function validPost(input: PostInput) {
  const title = input.title.trim();
  const urlText = input.url?.trim() ?? '';
  const text = input.text?.trim() ?? '';
  const errors: Record<string, string> = {};
  if (title.length === 0) errors.title = 'A title is required.';
  else if ([...title].length > TITLE_MAX) errors.title = `Keep the title within ${TITLE_MAX} characters.`;
  const link = urlText ? parseLink(urlText) : null;
  if (urlText && !link) errors.url = 'Enter a full http:// or https:// address.';
  if (text.length > TEXT_MAX) errors.text = `Keep the text within ${TEXT_MAX} characters.`;
  if (!urlText && !text && !errors.url) errors.text = 'Give a link, some text, or both.';
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  // The columns a post's content fills, alike on create and edit.
  return {
    link,
    columns: {
      title,
      url: link?.url ?? null,
      url_key: link?.key ?? null,
      domain: link?.domain ?? null,
      text,
    },
  };
}

/** Why an edit was refused: someone else's item, or one's own after the edit window. */
export function refusedEdit(item: { author_id: number; hidden_at: number | null }, actor: Actor, what: string): string {
  if (item.author_id !== actor.id) return `You can only edit your own ${what}.`;
  if (item.hidden_at !== null) return 'A moderator hid this; it cannot be edited.';
  return 'The time for editing this has passed.';
}

/** Work done in a delete's transaction once the item is gone (the moderation log's entry). */
export type DeleteAudit<T> = (trx: Transaction<Database>, item: T) => Promise<void>;

export class PostService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly policy: Policy,
    private readonly now: Clock,
    private readonly settings: { flagHideThreshold: number },
    private readonly changes: Changes,
  ) {}

  async create(author: Actor, input: PostInput): Promise<CreatePostResult> {
    if (!this.policy.can(author, 'post.add')) throw new ForbiddenError('You may not start discussions.');
    const { link, columns } = validPost(input);
    const now = this.now();
    if (link) {
      const existing = await this.db
        .selectFrom('posts')
        .select('id')
        .where('url_key', '=', link.key)
        .where('created_at', '>', now - DUPLICATE_LINK_WINDOW_MS)
        .where('deleted_at', 'is', null)
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      if (existing) return { created: false, existingId: existing.id };
    }
    const { html } = await renderText(this.db, columns.text);
    const post = await this.db
      .insertInto('posts')
      .values({ ...columns, text_html: html, author_id: author.id, created_at: now, hotness: hotness(0, now) })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.changes.announce(family.lists);
    return { created: true, post };
  }

  async update(postId: number, actor: Actor, input: PostInput): Promise<void> {
    const post = await this.requireEditable(postId, actor);
    const { columns } = validPost(input);
    const { html } = await renderText(this.db, columns.text);
    // Only a live post takes the edit: a delete that won a race keeps its content gone.
    const { numUpdatedRows } = await this.db
      .updateTable('posts')
      .set({ ...columns, text_html: html, edited_at: this.now() })
      .where('id', '=', post.id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (numUpdatedRows === 0n) throw new NotFoundError('This discussion was deleted');
    await this.changes.announce(family.lists, family.post(post.id));
  }

  /**
   * The post stays (its comments keep their place) but loses its content.
   * Deleting it again (a double click, a second tab) changes nothing and succeeds.
   */
  async delete(postId: number, actor: Actor, audit?: DeleteAudit<Post>): Promise<void> {
    const deleted = await inTransaction(this.db, async (trx) => {
      const post = await trx
        .selectFrom('posts')
        .selectAll()
        .where('id', '=', postId)
        .$if(this.dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirst();
      if (!post) throw new NotFoundError('No such discussion');
      if (post.deleted_at !== null) return false;
      if (!this.policy.can(actor, 'post.delete', post)) throw new ForbiddenError('You can only delete your own discussions.');
      await trx
        .updateTable('posts')
        .set({ text: '', text_html: '', url: null, url_key: null, domain: null, deleted_at: this.now() })
        .where('id', '=', post.id)
        .execute();
      await audit?.(trx, post);
      return true;
    });
    if (deleted) await this.changes.announce(family.lists, family.post(postId));
  }

  async find(postId: number): Promise<PostWithAuthor | undefined> {
    return this.db
      .selectFrom('posts')
      .innerJoin('users', 'users.id', 'posts.author_id')
      .selectAll('posts')
      .select(['users.username as author', 'users.created_at as author_joined'])
      .where('posts.id', '=', postId)
      .executeTakeFirst();
  }

  async require(postId: number): Promise<PostWithAuthor> {
    const post = await this.find(postId);
    if (!post) throw new NotFoundError('No such discussion');
    return post;
  }

  /** A live post the actor may edit, or the reason they cannot. */
  async requireEditable(postId: number, actor: Actor): Promise<PostWithAuthor> {
    const post = await this.require(postId);
    if (post.deleted_at !== null) throw new NotFoundError('This discussion was deleted');
    if (!this.policy.can(actor, 'post.edit', post)) throw new ForbiddenError(refusedEdit(post, actor, 'discussions'));
    return post;
  }

  /** A live post the actor may delete, or the reason they cannot. */
  async requireDeletable(postId: number, actor: Actor): Promise<PostWithAuthor> {
    const post = await this.require(postId);
    if (post.deleted_at !== null) throw new NotFoundError('This discussion was deleted');
    if (!this.policy.can(actor, 'post.delete', post)) throw new ForbiddenError('You can only delete your own discussions.');
    return post;
  }

  /**
   * One page of a listing, plus whether another follows; one query. The
   * front page and /new leave out items held back by unreviewed flags, and
   * the front page its pinned posts (shown above it: `pinned`).
   */
  async list(order: 'hot' | 'new', page: number, authorId?: number): Promise<{ posts: PostListItem[]; hasMore: boolean }> {
    let query = this.listing();
    if (authorId !== undefined) query = query.where('posts.author_id', '=', authorId);
    else query = query.where(unheld('posts', this.settings.flagHideThreshold));
    query = order === 'hot' ? query.where('posts.pinned_at', 'is', null).orderBy('posts.hotness', 'desc') : query.orderBy('posts.created_at', 'desc');
    const rows = await query
      .orderBy('posts.id', 'desc')
      .limit(PAGE_SIZE + 1)
      .offset((page - 1) * PAGE_SIZE)
      .execute();
    return { posts: rows.slice(0, PAGE_SIZE), hasMore: rows.length > PAGE_SIZE };
  }

  /** The pinned posts, most recently pinned first: the top of the front page's first page. */
  async pinned(): Promise<PostListItem[]> {
    return this.listing()
      .where('posts.pinned_at', 'is not', null)
      .where(unheld('posts', this.settings.flagHideThreshold))
      .orderBy('posts.pinned_at', 'desc')
      .limit(PAGE_SIZE)
      .execute();
  }

  /** Live posts with what a listing shows of them. */
  private listing() {
    return this.db
      .selectFrom('posts')
      .innerJoin('users', 'users.id', 'posts.author_id')
      .select([
        'posts.id',
        'posts.title',
        'posts.url',
        'posts.domain',
        'posts.upvotes',
        'posts.downvotes',
        'posts.num_comments',
        'posts.created_at',
        'posts.author_id',
        'posts.pinned_at',
        'users.username as author',
        'users.created_at as author_joined',
      ])
      .where(live('posts'));
  }
}
