// Moderators' acts on posts, comments and accounts. Every act takes a
// reason, asks the policy, and writes its moderation_log row in the same
// transaction as the change, so the public log never misses or invents one.
import type { Kysely, Transaction } from 'kysely';
import type { Action, Actor, Policy } from '../access/policy.js';
import { endAllSessions } from '../accounts/sessions.js';
import type { DialectName } from '../db/database.js';
import type { Database, ModerationLogTable } from '../db/schema.js';
import { family, type Changes } from '../cache/changes.js';
import { inTransaction } from '../db/transaction.js';
import { ForbiddenError, NotFoundError, ValidationError, type Clock } from '../errors.js';
import type { CommentService } from '../forum/comments.js';
import type { PostService } from '../forum/posts.js';
import type { FlagReason, VoteTarget } from '../forum/votes.js';

export const REASON_MAX = 500;
/** The queue shows at most this many posts and as many comments, most-flagged first. */
export const QUEUE_SIZE = 50;
export const LOG_PAGE_SIZE = 30;

type ItemRow = { flags: number; flags_reviewed: number; hidden_at: number | null; locked_at?: number | null; pinned_at?: number | null };

interface ItemAction {
  /** What the policy must allow, per kind of item (absent: the act does not apply to that kind). */
  needs: Partial<Record<VoteTarget, Action>>;
  /** Whether the act would change anything (acting twice, by a double click, logs once). */
  applies(item: ItemRow): boolean;
  /** The columns it sets. Hiding, restoring and dismissing all count as reviewing the flags. */
  set(item: ItemRow, now: number): { hidden_at?: number | null; locked_at?: number | null; pinned_at?: number | null; flags_reviewed?: number };
}

export const ITEM_ACTIONS = {
  hide: {
    needs: { post: 'post.hide', comment: 'comment.hide' },
    applies: (item) => item.hidden_at === null,
    set: (item, now) => ({ hidden_at: now, flags_reviewed: item.flags }),
  },
  restore: {
    needs: { post: 'post.hide', comment: 'comment.hide' },
    applies: (item) => item.hidden_at !== null,
    set: (item) => ({ hidden_at: null, flags_reviewed: item.flags }),
  },
  dismiss: {
    needs: { post: 'flags.view', comment: 'flags.view' },
    applies: (item) => item.flags > item.flags_reviewed,
    set: (item) => ({ flags_reviewed: item.flags }),
  },
  lock: { needs: { post: 'post.lock' }, applies: (item) => item.locked_at === null, set: (_item, now) => ({ locked_at: now }) },
  unlock: { needs: { post: 'post.lock' }, applies: (item) => item.locked_at !== null, set: () => ({ locked_at: null }) },
  pin: { needs: { post: 'post.pin' }, applies: (item) => item.pinned_at === null, set: (_item, now) => ({ pinned_at: now }) },
  unpin: { needs: { post: 'post.pin' }, applies: (item) => item.pinned_at !== null, set: () => ({ pinned_at: null }) },
} satisfies Record<string, ItemAction>;
export type ItemActionName = keyof typeof ITEM_ACTIONS;

/** What the log records besides the acts on items. */
export type LoggedAction = ItemActionName | 'delete' | 'ban' | 'unban';

export interface QueueItem {
  target: VoteTarget;
  id: number;
  /** The discussion it belongs to (a post's own id). */
  postId: number;
  /** A post's title; a comment's discussion's title. */
  title: string;
  /** A comment's words, rendered; empty for posts. */
  textHtml: string;
  author: string;
  authorId: number;
  /** When the author joined: new accounts are marked (spam often comes from them). */
  authorJoined: number;
  createdAt: number;
  flags: number;
  unreviewed: number;
  hidden: boolean;
  locked: boolean;
  pinned: boolean;
  /** Flags still standing, counted by reason, most given first. */
  reasons: { reason: string; count: number }[];
}

export interface LogEntry {
  id: number;
  moderator: string;
  action: LoggedAction;
  targetType: 'post' | 'comment' | 'user';
  targetId: number;
  subject: string;
  reason: string;
  createdAt: number;
}

/** A comment's opening words, as the log names it. */
export function excerpt(text: string, length = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return [...flat].length <= length ? flat : `${[...flat].slice(0, length - 1).join('')}…`;
}

function validReason(raw: string): string {
  const reason = raw.trim();
  if (reason.length === 0) throw new ValidationError({ reason: 'Give a reason: it is shown in the public moderation log.' });
  if ([...reason].length > REASON_MAX) throw new ValidationError({ reason: `Keep the reason within ${REASON_MAX} characters.` });
  return reason;
}

export class ModerationService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly policy: Policy,
    private readonly now: Clock,
    private readonly forum: { posts: PostService; comments: CommentService },
    private readonly changes: Changes,
  ) {}

  /**
   * Hides, restores, locks, pins (or undoes that) or dismisses the flags of
   * a post or comment. Returns false when there was nothing to change.
   */
  async act(actor: Actor, target: VoteTarget, id: number, action: ItemActionName, rawReason: string): Promise<boolean> {
    const rule: ItemAction = ITEM_ACTIONS[action];
    const needs = rule.needs[target];
    if (!needs) throw new NotFoundError(`A ${target} cannot be ${action}ed`);
    if (!this.policy.can(actor, needs as 'post.hide')) throw new ForbiddenError('You may not do that.');
    const reason = validReason(rawReason);
    let changed: string[] = [];
    const acted = await inTransaction(this.db, async (trx) => {
      const item = await this.lockItem(trx, target, id);
      if (item.deleted_at !== null) throw new NotFoundError(`This ${target} was deleted`);
      if (!rule.applies(item)) return false;
      // A post's state shows in the listings; a comment's in its discussion and on its author's profile.
      changed = 'post_id' in item ? [family.post(item.post_id), family.user(item.author_id)] : [family.lists, family.post(id)];
      const now = this.now();
      await trx
        .updateTable(target === 'post' ? 'posts' : ('comments' as 'posts'))
        .set(rule.set(item, now))
        .where('id', '=', id)
        .execute();
      await this.log(trx, actor, { action, target_type: target, target_id: id, subject: item.subject, reason });
      return true;
    });
    await this.changes.announce(...changed);
    return acted;
  }

  /** A moderator deletes someone else's post (the author deletes their own through PostService). */
  async deletePost(actor: Actor, id: number, rawReason: string): Promise<void> {
    const post = await this.forum.posts.require(id);
    if (post.author_id === actor.id) throw new ForbiddenError('Delete your own discussion without a reason: it is not moderation.');
    if (!this.policy.can(actor, 'post.delete', post)) throw new ForbiddenError('You can only delete your own discussions.');
    const reason = validReason(rawReason);
    await this.forum.posts.delete(id, actor, (trx, deleted) =>
      this.log(trx, actor, { action: 'delete', target_type: 'post', target_id: id, subject: deleted.title, reason }),
    );
  }

  /** A moderator deletes someone else's comment. */
  async deleteComment(actor: Actor, id: number, rawReason: string): Promise<void> {
    const comment = await this.forum.comments.require(id);
    if (comment.author_id === actor.id) throw new ForbiddenError('Delete your own comment without a reason: it is not moderation.');
    if (!this.policy.can(actor, 'comment.delete', comment)) throw new ForbiddenError('You can only delete your own comments.');
    const reason = validReason(rawReason);
    await this.forum.comments.delete(id, actor, (trx, deleted) =>
      this.log(trx, actor, { action: 'delete', target_type: 'comment', target_id: id, subject: excerpt(deleted.text), reason }),
    );
  }

  /**
   * Bans a user (until `until`, or until unbanned) and ends every session of
   * theirs at once, in the same transaction. What they wrote stays.
   */
  async ban(actor: Actor, username: string, input: { reason: string; until?: number | null | undefined }): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      const user = await this.targetUser(trx, actor, username, true);
      const reason = validReason(input.reason);
      const until = input.until ?? null;
      if (until !== null && until <= this.now()) throw new ValidationError({ until: 'Choose a day in the future, or leave it empty for a ban until lifted.' });
      await trx.updateTable('users').set({ banned_at: this.now(), banned_until: until, ban_reason: reason }).where('id', '=', user.id).execute();
      await endAllSessions(trx, user.id);
      await this.log(trx, actor, { action: 'ban', target_type: 'user', target_id: user.id, subject: user.username, reason });
    });
  }

  /** Lifts a ban; false when the user was not banned. */
  async unban(actor: Actor, username: string, rawReason: string): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      const user = await this.targetUser(trx, actor, username, true);
      const reason = validReason(rawReason);
      if (user.banned_at === null) return false;
      await trx.updateTable('users').set({ banned_at: null, banned_until: null, ban_reason: null }).where('id', '=', user.id).execute();
      await this.log(trx, actor, { action: 'unban', target_type: 'user', target_id: user.id, subject: user.username, reason });
      return true;
    });
  }

  /**
   * Posts and comments with flags no moderator has reviewed, most unreviewed
   * flags first, with their standing flags counted by reason: four queries.
   */
  async queue(): Promise<QueueItem[]> {
    const posts = await this.db
      .selectFrom('posts')
      .innerJoin('users', 'users.id', 'posts.author_id')
      .select(['posts.id', 'posts.title', 'posts.author_id', 'posts.created_at', 'posts.flags', 'posts.flags_reviewed', 'posts.hidden_at', 'posts.locked_at', 'posts.pinned_at', 'users.username as author', 'users.created_at as author_joined'])
      .where('posts.deleted_at', 'is', null)
      .whereRef('posts.flags', '>', 'posts.flags_reviewed')
      .orderBy((eb) => eb('posts.flags', '-', eb.ref('posts.flags_reviewed')), 'desc')
      .orderBy('posts.id', 'desc')
      .limit(QUEUE_SIZE)
      .execute();
    const comments = await this.db
      .selectFrom('comments')
      .innerJoin('users', 'users.id', 'comments.author_id')
      .innerJoin('posts', 'posts.id', 'comments.post_id')
      .select(['comments.id', 'comments.post_id', 'comments.text_html', 'comments.author_id', 'comments.created_at', 'comments.flags', 'comments.flags_reviewed', 'comments.hidden_at', 'posts.title', 'users.username as author', 'users.created_at as author_joined'])
      .where('comments.deleted_at', 'is', null)
      .whereRef('comments.flags', '>', 'comments.flags_reviewed')
      .orderBy((eb) => eb('comments.flags', '-', eb.ref('comments.flags_reviewed')), 'desc')
      .orderBy('comments.id', 'desc')
      .limit(QUEUE_SIZE)
      .execute();
    const postReasons = await this.reasonCounts('post', posts.map((p) => p.id));
    const commentReasons = await this.reasonCounts('comment', comments.map((c) => c.id));
    const items: QueueItem[] = [
      ...posts.map((p) => ({
        target: 'post' as const,
        id: p.id,
        postId: p.id,
        title: p.title,
        textHtml: '',
        author: p.author,
        authorJoined: p.author_joined,
        authorId: p.author_id,
        createdAt: p.created_at,
        flags: p.flags,
        unreviewed: p.flags - p.flags_reviewed,
        hidden: p.hidden_at !== null,
        locked: p.locked_at !== null,
        pinned: p.pinned_at !== null,
        reasons: postReasons.get(p.id) ?? [],
      })),
      ...comments.map((c) => ({
        target: 'comment' as const,
        id: c.id,
        postId: c.post_id,
        title: c.title,
        textHtml: c.text_html,
        author: c.author,
        authorJoined: c.author_joined,
        authorId: c.author_id,
        createdAt: c.created_at,
        flags: c.flags,
        unreviewed: c.flags - c.flags_reviewed,
        hidden: c.hidden_at !== null,
        locked: false,
        pinned: false,
        reasons: commentReasons.get(c.id) ?? [],
      })),
    ];
    return items.sort((a, b) => b.unreviewed - a.unreviewed || b.flags - a.flags || b.createdAt - a.createdAt);
  }

  /** One page of the public log, newest first, plus whether another follows: one query. */
  async logPage(page: number): Promise<{ entries: LogEntry[]; hasMore: boolean }> {
    const rows = await this.db
      .selectFrom('moderation_log')
      .innerJoin('users', 'users.id', 'moderation_log.moderator_id')
      .select([
        'moderation_log.id',
        'moderation_log.action',
        'moderation_log.target_type',
        'moderation_log.target_id',
        'moderation_log.subject',
        'moderation_log.reason',
        'moderation_log.created_at',
        'users.username as moderator',
      ])
      .orderBy('moderation_log.created_at', 'desc')
      .orderBy('moderation_log.id', 'desc')
      .limit(LOG_PAGE_SIZE + 1)
      .offset((page - 1) * LOG_PAGE_SIZE)
      .execute();
    const entries = rows.slice(0, LOG_PAGE_SIZE).map((r) => ({
      id: r.id,
      moderator: r.moderator,
      action: r.action as LoggedAction,
      targetType: r.target_type,
      targetId: r.target_id,
      subject: r.subject,
      reason: r.reason,
      createdAt: r.created_at,
    }));
    return { entries, hasMore: rows.length > LOG_PAGE_SIZE };
  }

  /** The user a moderator means to ban or unban, if the policy lets this moderator. */
  async requireBannable(actor: Actor, username: string) {
    return this.targetUser(this.db, actor, username);
  }

  private async targetUser(db: Kysely<Database>, actor: Actor, username: string, lock = false) {
    const user = await db
      .selectFrom('users')
      .select(['id', 'username', 'is_staff', 'is_superuser', 'banned_at', 'banned_until', 'ban_reason'])
      .where('username_key', '=', username.toLowerCase())
      .$if(lock && this.dialect === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
    if (!user) throw new NotFoundError('No such user');
    if (!this.policy.can(actor, 'user.ban', user)) throw new ForbiddenError('You may not ban or unban this account.');
    return user;
  }

  private async lockItem(trx: Transaction<Database>, target: VoteTarget, id: number) {
    const columns = ['id', 'flags', 'flags_reviewed', 'hidden_at', 'deleted_at'] as const;
    const item =
      target === 'post'
        ? await trx
            .selectFrom('posts')
            .select([...columns, 'locked_at', 'pinned_at', 'title as subject'])
            .where('id', '=', id)
            .$if(this.dialect === 'postgres', (q) => q.forUpdate())
            .executeTakeFirst()
        : await trx
            .selectFrom('comments')
            .select([...columns, 'text', 'post_id', 'author_id'])
            .where('id', '=', id)
            .$if(this.dialect === 'postgres', (q) => q.forUpdate())
            .executeTakeFirst()
            .then((c) => c && { ...c, subject: excerpt(c.text) });
    if (!item) throw new NotFoundError(`No such ${target}`);
    return item;
  }

  private async reasonCounts(target: VoteTarget, ids: number[]): Promise<Map<number, { reason: string; count: number }[]>> {
    const counts = new Map<number, { reason: string; count: number }[]>();
    if (ids.length === 0) return counts;
    const table = target === 'post' ? 'post_votes' : ('comment_votes' as 'post_votes');
    const key = target === 'post' ? 'post_id' : ('comment_id' as 'post_id');
    const rows = await this.db
      .selectFrom(table)
      .select([key, 'flag_reason'])
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where(key, 'in', ids)
      .where('flagged', '=', 1)
      .groupBy([key, 'flag_reason'])
      .execute();
    for (const row of rows) {
      const list = counts.get(row[key]) ?? [];
      // Flags given before reasons existed have none.
      list.push({ reason: (row.flag_reason as FlagReason | null) ?? 'unstated', count: Number(row.count) });
      counts.set(row[key], list.sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)));
    }
    return counts;
  }

  private async log(trx: Transaction<Database>, actor: Actor, entry: Omit<ModerationLogTable, 'id' | 'moderator_id' | 'created_at'>): Promise<void> {
    await trx
      .insertInto('moderation_log')
      .values({ ...entry, moderator_id: actor.id, created_at: this.now() })
      .execute();
  }
}
