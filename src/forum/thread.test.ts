import { describe, expect, it } from 'vitest';
import { wilsonLowerBound } from './ranking.js';
import { bestPath, rerankedBestPath } from './thread.js';

interface Node {
  id: number;
  path: string;
  up?: number;
  down?: number;
  replies?: Node[];
}

/** The ids of a tree in "best" order: sorted by their best paths, as the database does. */
function bestOrder(roots: Node[]): number[] {
  const keyed: { id: number; best: string }[] = [];
  const walk = (nodes: Node[], parentBest: string) => {
    for (const n of nodes) {
      const best = bestPath(parentBest, n.path, n.up ?? 0, n.down ?? 0);
      keyed.push({ id: n.id, best });
      walk(n.replies ?? [], best);
    }
  };
  walk(roots, '');
  return keyed.sort((a, b) => (a.best < b.best ? -1 : a.best > b.best ? 1 : 0)).map((k) => k.id);
}

describe('best paths', () => {
  // 1, its replies 2 (with reply 4) and 3 (5 up), then 5 (1 up) at the top.
  const tree: Node[] = [
    { id: 1, path: '.0001', replies: [{ id: 2, path: '.0001.0001', replies: [{ id: 4, path: '.0001.0001.0001' }] }, { id: 3, path: '.0001.0002', up: 5 }] },
    { id: 5, path: '.0002', up: 1 },
  ];

  it('rank siblings best first, keeping each reply under its parent', () => {
    expect(bestOrder(tree)).toEqual([5, 1, 3, 2, 4]);
  });

  it('break ties by path, oldest first', () => {
    expect(bestOrder([1, 2, 3].map((id) => ({ id, path: `.000${id}`, up: 2 })))).toEqual([1, 2, 3]);
    // Many siblings: the place sorts as a number (4 digits), not as text.
    const many = Array.from({ length: 12 }, (_, i) => ({ id: i + 1, path: `.${String(i + 1).padStart(4, '0')}` }));
    expect(bestOrder(many)).toEqual(many.map((n) => n.id));
  });

  it('order exactly as the Wilson lower bound does, for every vote count up to 40', () => {
    const nodes: Node[] = [];
    for (let up = 0; up <= 40; up++) for (let down = 0; down <= 40; down++) nodes.push({ id: nodes.length, path: `.${String(nodes.length + 1).padStart(4, '0')}`, up, down });
    const byScore = [...nodes].sort((a, b) => wilsonLowerBound(b.up!, b.down!) - wilsonLowerBound(a.up!, a.down!)).map((n) => n.id);
    expect(bestOrder(nodes)).toEqual(byScore);
  });

  it('change only the last segment when a comment is voted on', () => {
    const parent = bestPath('', '.0003', 1, 0);
    const before = bestPath(parent, '.0003.0007', 0, 0);
    const after = rerankedBestPath(before, 4, 1);
    expect(after).toBe(bestPath(parent, '.0003.0007', 4, 1));
    expect(after < before).toBe(true);
    expect(rerankedBestPath(after, 0, 0)).toBe(before);
  });
});
