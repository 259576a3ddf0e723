import { wilsonLowerBound } from './ranking.js';

export type ThreadSort = 'best' | 'old';

// "best" order is stored, like "old" (the WBS path), so a page of either is one
// indexed range read. A comment's best path is its parent's plus one segment:
// its rank among its siblings (the Wilson lower bound of its votes, best
// first), then its 4-digit place in the path, so ties stay oldest first.
// Replies follow their parent because the parent's best path is their prefix.
// Digits only: every collation sorts them the same way.

/** Characters a rank takes in a segment: a 64-bit integer in decimal. */
const RANK_DIGITS = 20;
/** A segment: the rank, then the place among siblings (the WBS path's 4 digits). */
export const BEST_SEGMENT_LENGTH = RANK_DIGITS + 4;

const MAX_U64 = (1n << 64n) - 1n;
const SIGN = 1n << 63n;
const float = new DataView(new ArrayBuffer(8));

/**
 * The rank of a score as digits that sort the best first: a double's bits,
 * made into an integer that orders like the double (the usual flip of the
 * sign bit, or of all bits for negatives), then counted down from the top.
 * Exact: scores that differ as doubles never tie.
 */
function descendingRank(score: number): string {
  float.setFloat64(0, score + 0); // -0 and 0 are equal, as they compare
  const bits = float.getBigUint64(0);
  const ascending = bits & SIGN ? MAX_U64 - bits : bits | SIGN;
  return (MAX_U64 - ascending).toString().padStart(RANK_DIGITS, '0');
}

/** A comment's best path, from its parent's (empty at the top), its WBS path and its votes. */
export function bestPath(parentBestPath: string, path: string, upvotes: number, downvotes: number): string {
  return `${parentBestPath}${descendingRank(wilsonLowerBound(upvotes, downvotes))}${path.slice(-4)}`;
}

/** The same comment's best path after its votes changed: its last segment's rank replaced. */
export function rerankedBestPath(bestPathBefore: string, upvotes: number, downvotes: number): string {
  const parent = bestPathBefore.slice(0, -BEST_SEGMENT_LENGTH);
  return bestPath(parent, bestPathBefore, upvotes, downvotes);
}
