import { describe, expect, it } from 'vitest';
import { orderThread, type CommentSkeleton } from './thread.js';

const c = (id: number, parent_id: number | null, upvotes = 0, downvotes = 0): CommentSkeleton => ({ id, parent_id, upvotes, downvotes });

describe('orderThread', () => {
  // Path order of: 1, 1.1 (=2), 1.2 (=3), 1.1.1 (=4), 5 (top-level).
  const pathOrder = [c(1, null), c(2, 1), c(4, 2), c(3, 1, 5, 0), c(5, null, 1, 0)];

  it('keeps path order for sort=old', () => {
    expect(orderThread(pathOrder, 'old').map((x) => x.id)).toEqual([1, 2, 4, 3, 5]);
  });

  it('ranks siblings best first, keeping each reply under its parent', () => {
    expect(orderThread(pathOrder, 'best').map((x) => x.id)).toEqual([5, 1, 3, 2, 4]);
  });

  it('breaks ties by path, oldest first', () => {
    const tied = [c(1, null, 2, 0), c(2, null, 2, 0), c(3, null, 2, 0)];
    expect(orderThread(tied, 'best').map((x) => x.id)).toEqual([1, 2, 3]);
  });
});
