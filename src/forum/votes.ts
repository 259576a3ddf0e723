import { sql, type Kysely } from 'kysely';
import type { Action, Actor, Policy } from '../access/policy.js';
import type { DialectName } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { ForbiddenError, NotFoundError, ValidationError, type Clock } from '../errors.js';
import { family, type Changes } from '../cache/changes.js';
import { hotness } from './ranking.js';
import { rerankedBestPath } from './thread.js';

export type VoteTarget = 'post' | 'comment';
export const VOTE_ACTIONS = ['upvote', 'downvote', 'unvote', 'flag', 'unflag'] as const;
export type VoteAction = (typeof VOTE_ACTIONS)[number];
export type MyVote = 'up' | 'down' | null;
/** Why something is flagged: every flag gives one, and the moderation queue counts them. */
export const FLAG_REASONS = ['spam', 'off-topic', 'abusive', 'other'] as const;
export type FlagReason = (typeof FLAG_REASONS)[number];

export interface VoteCounts {
  upvotes: number;
  downvotes: number;
  flags: number;
  score: number;
  myVote: MyVote;
  flagged: boolean;
}

/**
 * A comment's new votes may move it among its siblings in "best" order; its
 * replies move with it: the best paths starting with its old one get the new
 * one instead (a range of the (post_id, best_path) index).
 */
async function rerank(trx: Kysely<Database>, postId: number, before: string, counts: { upvotes: number; downvotes: number }): Promise<void> {
  const after = rerankedBestPath(before, counts.upvotes, counts.downvotes);
  if (after === before) return;
  await trx
    .updateTable('comments')
    .set({ best_path: sql<string>`cast(${after} as text) || substr(best_path, ${before.length + 1})` })
    .where('post_id', '=', postId)
    .where('best_path', '>=', before)
    .where(sql<string>`substr(best_path, 1, ${before.length})`, '=', before)
    .execute();
}

/** A viewer's vote and flag on one item, as shown beside it. */
export interface ViewerVote {
  direction: number;
  flagged: boolean;
}

// Posts and comments carry the same counter columns and their vote tables the
// same shape; the casts below name one table of each pair for the type checker.
const TABLES = {
  post: { items: 'posts', votes: 'post_votes', key: 'post_id' },
  comment: { items: 'comments', votes: 'comment_votes', key: 'comment_id' },
} as const;

function nextState(action: VoteAction, current: ViewerVote): ViewerVote {
  switch (action) {
    case 'upvote':
      return { ...current, direction: 1 };
    case 'downvote':
      return { ...current, direction: -1 };
    case 'unvote':
      return { ...current, direction: 0 };
    case 'flag':
      return { ...current, flagged: true };
    case 'unflag':
      return { ...current, flagged: false };
  }
}

/** What giving each vote needs from the policy (taking one back needs nothing). */
const PRIVILEGE: Record<VoteAction, Extract<Action, 'vote.up' | 'vote.down' | 'flag'> | null> = {
  upvote: 'vote.up',
  downvote: 'vote.down',
  flag: 'flag',
  unvote: null,
  unflag: null,
};
const REFUSAL = {
  'vote.up': 'You may not vote.',
  'vote.down': 'Downvoting needs more karma.',
  flag: 'Flagging needs more karma.',
} as const;

const myVote = (direction: number): MyVote => (direction > 0 ? 'up' : direction < 0 ? 'down' : null);

export class VoteService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly policy: Policy,
    private readonly now: Clock,
    private readonly changes: Changes,
  ) {}

  /**
   * Applies a vote action. The item's row is locked for the transaction, so
   * concurrent votes on it queue; counters move by atomic increments in the
   * same transaction as the vote row, so they always equal a recount.
   * Repeating an action changes nothing. A flag needs a reason (flagging
   * again changes it); taking the flag back clears it.
   */
  async apply(target: VoteTarget, itemId: number, actor: Actor, action: VoteAction, reason?: FlagReason): Promise<VoteCounts> {
    if (action === 'flag' && reason === undefined) throw new ValidationError({ reason: 'Say why you flag this.' });
    const t = TABLES[target];
    const userId = actor.id;
    let changed: string[] = [];
    const outcome = await inTransaction(this.db, async (trx) => {
      // A comment vote may rewrite its replies' best paths: lock the discussion first, as comment writes do, so they never deadlock.
      if (target === 'comment' && this.dialect === 'postgres') {
        await trx
          .selectFrom('posts')
          .select('id')
          .where('id', '=', (eb) => eb.selectFrom('comments').select('post_id').where('id', '=', itemId))
          .forUpdate()
          .execute();
      }
      const item = await trx
        .selectFrom(t.items as 'posts')
        .select(['id', 'author_id', 'upvotes', 'downvotes', 'flags', 'created_at', 'deleted_at', 'hidden_at'])
        .select(sql.ref<number>(target === 'post' ? 'id' : 'post_id').as('discussion_id'))
        .$if(target === 'comment', (q) => q.select([sql<number>`post_id`.as('post_id'), sql<string>`best_path`.as('best_path')]))
        .where('id', '=', itemId)
        .$if(this.dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirst();
      if (!item || item.deleted_at !== null) throw new NotFoundError(`No such ${target}`);
      if (item.author_id === userId) throw new ForbiddenError(`You cannot vote on your own ${target}.`);
      // Taking a vote or flag back is always allowed; giving one is a privilege.
      const needs = PRIVILEGE[action];
      if (needs && !this.policy.can(actor, needs, item)) throw new ForbiddenError(REFUSAL[needs]);

      const row = await trx
        .selectFrom(t.votes as 'post_votes')
        .select(['direction', 'flagged', 'flag_reason'])
        .where('user_id', '=', userId)
        .where(t.key as 'post_id', '=', itemId)
        .executeTakeFirst();
      const before: ViewerVote = { direction: row?.direction ?? 0, flagged: row?.flagged === 1 };
      const after = nextState(action, before);
      const up = (after.direction === 1 ? 1 : 0) - (before.direction === 1 ? 1 : 0);
      const down = (after.direction === -1 ? 1 : 0) - (before.direction === -1 ? 1 : 0);
      const flag = Number(after.flagged) - Number(before.flagged);
      const counts = { upvotes: item.upvotes + up, downvotes: item.downvotes + down, flags: item.flags + flag };
      const result = { ...counts, score: counts.upvotes - counts.downvotes, myVote: myVote(after.direction), flagged: after.flagged };
      const flagReason = after.flagged ? (action === 'flag' ? reason! : (row?.flag_reason ?? null)) : null;
      if (up === 0 && down === 0 && flag === 0) {
        if (row && flagReason !== row.flag_reason) {
          await trx
            .updateTable(t.votes as 'post_votes')
            .set({ flag_reason: flagReason })
            .where('user_id', '=', userId)
            .where(t.key as 'post_id', '=', itemId)
            .execute();
        }
        return result;
      }

      if (after.direction === 0 && !after.flagged) {
        await trx
          .deleteFrom(t.votes as 'post_votes')
          .where('user_id', '=', userId)
          .where(t.key as 'post_id', '=', itemId)
          .execute();
      } else if (row) {
        await trx
          .updateTable(t.votes as 'post_votes')
          .set({ direction: after.direction, flagged: Number(after.flagged), flag_reason: flagReason })
          .where('user_id', '=', userId)
          .where(t.key as 'post_id', '=', itemId)
          .execute();
      } else {
        await trx
          .insertInto(t.votes as 'post_votes')
          .values({
            user_id: userId,
            [t.key as 'post_id']: itemId,
            direction: after.direction,
            flagged: Number(after.flagged),
            flag_reason: flagReason,
            created_at: this.now(),
          })
          .execute();
      }

      await trx
        .updateTable(t.items as 'posts')
        .set((eb) => ({
          upvotes: eb('upvotes', '+', up),
          downvotes: eb('downvotes', '+', down),
          flags: eb('flags', '+', flag),
          // A flag taken back after a review lowers the reviewed count with it, so the next new flag counts as unreviewed.
          ...(flag < 0 ? { flags_reviewed: sql<number>`case when flags_reviewed > flags - 1 then flags - 1 else flags_reviewed end` } : {}),
          // The row is locked, so the score read above plus this change is the new score.
          ...(target === 'post' ? { hotness: hotness(result.score, item.created_at) } : {}),
        }))
        .where('id', '=', itemId)
        .execute();
      if (item.best_path !== undefined && item.post_id !== undefined) await rerank(trx, item.post_id, item.best_path, counts);
      if (up !== down) {
        await trx
          .updateTable('users')
          .set((eb) => ({ score: eb('score', '+', up - down) }))
          .where('id', '=', item.author_id)
          .execute();
      }
      // Listings show posts' scores (and hide what flags hid); a profile shows karma and comments.
      changed = [family.post(item.discussion_id), family.user(item.author_id), ...(target === 'post' ? [family.lists] : [])];
      return result;
    });
    await this.changes.announce(...changed);
    return outcome;
  }

  /**
   * The viewer's votes on a discussion page: the post and every comment of it
   * in one query, whatever the thread's size.
   */
  async forDiscussion(userId: number, postId: number): Promise<{ post: ViewerVote | undefined; comments: Map<number, ViewerVote> }> {
    const rows = await this.db
      .selectFrom('post_votes')
      .select(['post_id as id', 'direction', 'flagged'])
      .select((eb) => eb.val('post').as('kind'))
      .where('user_id', '=', userId)
      .where('post_id', '=', postId)
      .unionAll((eb) =>
        eb
          .selectFrom('comment_votes')
          .innerJoin('comments', 'comments.id', 'comment_votes.comment_id')
          .select(['comment_votes.comment_id as id', 'comment_votes.direction', 'comment_votes.flagged'])
          .select((eb2) => eb2.val('comment').as('kind'))
          .where('comment_votes.user_id', '=', userId)
          .where('comments.post_id', '=', postId),
      )
      .execute();
    let post: ViewerVote | undefined;
    const comments = new Map<number, ViewerVote>();
    for (const row of rows) {
      const vote = { direction: row.direction, flagged: row.flagged === 1 };
      if (row.kind === 'post') post = vote;
      else comments.set(row.id, vote);
    }
    return { post, comments };
  }

  /** The viewer's votes on a list of posts (a listing page): one query. */
  async forPosts(userId: number, postIds: number[]): Promise<Map<number, ViewerVote>> {
    if (postIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('post_votes')
      .select(['post_id', 'direction', 'flagged'])
      .where('user_id', '=', userId)
      .where('post_id', 'in', postIds)
      .execute();
    return new Map(rows.map((r) => [r.post_id, { direction: r.direction, flagged: r.flagged === 1 }]));
  }
}
