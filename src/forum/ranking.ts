// Front page: Reddit's "hot" formula, which Lobsters' hotness follows.
//   hotness = sign(score) · log10(max(|score|, 1)) + seconds_since_epoch / 45000
// Age decays a post's standing: every 12.5 hours a newer post needs ten times
// fewer votes to rank level with an older one. Unlike HN's (score-1)/(age+2)^1.8,
// it does not change as the clock runs, so it is stored, indexed and only
// recomputed when the score changes — the front page is one indexed range read.
const EPOCH_MS = Date.UTC(2020, 0, 1);
const DECAY_SECONDS = 45_000;

export function hotness(score: number, createdAtMs: number): number {
  const order = Math.log10(Math.max(Math.abs(score), 1));
  return Math.sign(score) * order + (createdAtMs - EPOCH_MS) / 1000 / DECAY_SECONDS;
}

// Comments among siblings: the lower bound of the Wilson score interval of the
// share of upvotes (as Lobsters' "confidence", at its z for 80 %). A comment
// with 10 up / 1 down outranks one with 1 up / 0 down.
const Z = 1.281551565545;

export function wilsonLowerBound(upvotes: number, downvotes: number): number {
  const n = upvotes + downvotes;
  if (n === 0) return 0;
  const p = upvotes / n;
  const z2 = Z * Z;
  return (p + z2 / (2 * n) - Z * Math.sqrt((p * (1 - p) + z2 / (4 * n)) / n)) / (1 + z2 / n);
}
