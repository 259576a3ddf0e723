import { wilsonLowerBound } from './ranking.js';

export type ThreadSort = 'best' | 'old';

/** The columns needed to order a thread: a few bytes per comment. */
export interface CommentSkeleton {
  id: number;
  parent_id: number | null;
  upvotes: number;
  downvotes: number;
}

/**
 * Orders a thread given in path order (which is "old"). For "best", siblings
 * are ranked by the Wilson lower bound of their votes; the sort is stable, so
 * ties stay in path order, i.e. oldest first. Replies always follow their parent.
 */
export function orderThread<T extends CommentSkeleton>(inPathOrder: T[], sort: ThreadSort): T[] {
  if (sort === 'old') return inPathOrder;
  const children = new Map<number | null, T[]>();
  for (const comment of inPathOrder) {
    const siblings = children.get(comment.parent_id);
    if (siblings) siblings.push(comment);
    else children.set(comment.parent_id, [comment]);
  }
  const confidence = new Map(inPathOrder.map((c) => [c.id, wilsonLowerBound(c.upvotes, c.downvotes)]));
  for (const siblings of children.values()) siblings.sort((a, b) => confidence.get(b.id)! - confidence.get(a.id)!);

  const ordered: T[] = [];
  const visit = (parentId: number | null) => {
    for (const comment of children.get(parentId) ?? []) {
      ordered.push(comment);
      visit(comment.id);
    }
  };
  visit(null);
  return ordered;
}
