// In-app notifications: who hears of a new comment, and their list.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, NotificationsTable } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import type { Clock } from '../errors.js';

export type NotificationKind = NotificationsTable['kind'];

/** A page of the list shows this many. */
export const NOTIFICATIONS_PER_PAGE = 30;

/** What the list shows of one. */
export interface NotificationItem {
  id: number;
  kind: NotificationKind;
  actor: string;
  post_id: number;
  post_title: string;
  comment_id: number;
  excerpt: string;
  created_at: number;
  read_at: number | null;
}

/** A new comment, as its transaction knows it. */
export interface NewCommentEvent {
  commentId: number;
  postId: number;
  actorId: number;
  /** Who is answered: the parent comment's author, else the post's. */
  repliedTo: { userId: number; kind: 'post_reply' | 'comment_reply' };
  /** Lower-cased names the text links as @mentions. */
  mentions: readonly string[];
}

export class NotificationService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: Clock,
  ) {}

  /**
   * Inside the comment's own transaction: one notification per person
   * (a reply counts before a mention), never to the writer nor to a deleted
   * account; each recipient's unread count moves with it. Returns the
   * notifications written, for their deliveries.
   */
  async onNewComment(trx: Transaction<Database>, event: NewCommentEvent): Promise<{ id: number; userId: number; kind: NotificationKind }[]> {
    const { mentions, repliedTo } = event;
    const people = await trx
      .selectFrom('users')
      .select('id')
      .where('deleted_at', 'is', null)
      .where('id', '!=', event.actorId)
      .where((eb) => eb.or([eb('id', '=', repliedTo.userId), ...(mentions.length > 0 ? [eb('username_key', 'in', [...mentions])] : [])]))
      .execute();
    if (people.length === 0) return [];
    const kindOf = (id: number): NotificationKind => (id === repliedTo.userId ? repliedTo.kind : 'mention');
    const createdAt = this.now();
    const written = await trx
      .insertInto('notifications')
      .values(people.map(({ id }) => ({ user_id: id, kind: kindOf(id), actor_id: event.actorId, post_id: event.postId, comment_id: event.commentId, created_at: createdAt })))
      .returning(['id', 'user_id as userId', 'kind'])
      .execute();
    await trx
      .updateTable('users')
      .set((eb) => ({ unread_notifications: eb('unread_notifications', '+', 1) }))
      .where('id', 'in', people.map(({ id }) => id))
      .execute();
    return written;
  }

  /** A page of someone's notifications, newest first: one query. */
  async page(userId: number, page: number): Promise<{ items: NotificationItem[]; hasMore: boolean }> {
    const rows = await this.db
      .selectFrom('notifications as n')
      .innerJoin('users as a', 'a.id', 'n.actor_id')
      .innerJoin('posts as p', 'p.id', 'n.post_id')
      .innerJoin('comments as c', 'c.id', 'n.comment_id')
      .select(['n.id', 'n.kind', 'a.username as actor', 'n.post_id', 'p.title as post_title', 'n.comment_id', 'c.text as excerpt', 'n.created_at', 'n.read_at'])
      .select(['p.deleted_at as post_deleted', 'p.hidden_at as post_hidden', 'c.deleted_at as comment_deleted', 'c.hidden_at as comment_hidden'])
      .where('n.user_id', '=', userId)
      .orderBy('n.id', 'desc')
      .limit(NOTIFICATIONS_PER_PAGE + 1)
      .offset((page - 1) * NOTIFICATIONS_PER_PAGE)
      .execute();
    // What was deleted or hidden since is not shown here either.
    const items = rows.slice(0, NOTIFICATIONS_PER_PAGE).map(({ post_deleted, post_hidden, comment_deleted, comment_hidden, ...row }) => ({
      ...row,
      post_title: post_deleted !== null ? '[deleted]' : post_hidden !== null ? '[hidden by a moderator]' : row.post_title,
      excerpt:
        comment_deleted !== null ? '[deleted]' : comment_hidden !== null ? '[hidden by a moderator]' : row.excerpt.length > 140 ? `${row.excerpt.slice(0, 139)}…` : row.excerpt,
    }));
    return { items, hasMore: rows.length > NOTIFICATIONS_PER_PAGE };
  }

  /** Marks one read (false when it is not theirs or was read); the count moves in the same transaction. */
  async markRead(userId: number, id: number): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      const { numUpdatedRows } = await trx
        .updateTable('notifications')
        .set({ read_at: this.now() })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('read_at', 'is', null)
        .executeTakeFirst();
      if (numUpdatedRows === 0n) return false;
      await trx
        .updateTable('users')
        .set({ unread_notifications: sql<number>`case when unread_notifications > 0 then unread_notifications - 1 else 0 end` })
        .where('id', '=', userId)
        .execute();
      return true;
    });
  }

  /** Marks all read. */
  async markAllRead(userId: number): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      await trx.updateTable('notifications').set({ read_at: this.now() }).where('user_id', '=', userId).where('read_at', 'is', null).execute();
      await trx.updateTable('users').set({ unread_notifications: 0 }).where('id', '=', userId).execute();
    });
  }
}
