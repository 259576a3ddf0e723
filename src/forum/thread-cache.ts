// A discussion page's shared part, made once per version of the thread and
// kept in this process: the post, the page's comment tree without anyone's
// controls, and the counts. Signed-in readers get it with their own votes
// and controls laid over (views.ts), so a 300-comment page is not made
// again for every reader, and reading it costs no query.
import { LRUCache } from 'lru-cache';
import { family } from '../cache/changes.js';
import type { Generations } from '../cache/generations.js';
import type { Clock } from '../errors.js';
import type { PostWithAuthor } from './posts.js';
import type { ThreadSort } from './thread.js';
import type { ThreadBody } from './thread-body.js';
import type { SharedTree } from './views.js';

export interface SharedThreadPage {
  post: PostWithAuthor;
  /** Two or more comments: the sort links show. */
  sortable: boolean;
  hasMore: boolean;
  tree: SharedTree;
  /** The tree's blocks, compressed per kind of reader as they come (thread-body.ts). */
  body: ThreadBody;
  /** When a "new account" mark in the tree ends: the tree is made again then, though the thread did not change. */
  validUntil: number;
}

/** Bytes of memory the kept pages may take, at most: a 300-comment page is about 250 KB. */
const MAX_BYTES = 32 * 1024 * 1024;

const sizeOf = (page: SharedThreadPage) => page.tree.fragments.reduce((sum, fragment) => sum + fragment.length, 0) + page.tree.slots.length * 64 + 1024;

export class ThreadPages {
  private readonly kept = new LRUCache<string, SharedThreadPage>({ maxSize: MAX_BYTES, sizeCalculation: sizeOf });
  private readonly making = new Map<string, Promise<SharedThreadPage>>();

  constructor(
    private readonly generations: Generations,
    private readonly now: Clock,
  ) {}

  /**
   * The page as it stands: kept when the thread has not changed since (its
   * generation, shared by all processes), else made by `make`. `seesHidden`:
   * moderators' trees show hidden comments, so they are kept apart.
   */
  async get(o: { postId: number; sort: ThreadSort; page: number; seesHidden: boolean }, make: () => Promise<SharedThreadPage>): Promise<SharedThreadPage> {
    // Read before the thread (generations.ts): a write committed meanwhile makes a newer stamp.
    const stamp = await this.generations.stamp([family.post(o.postId)]);
    if (stamp === undefined) return make();
    const key = `${o.postId}:${o.sort}:${o.page}:${o.seesHidden ? 'all' : 'public'}|${stamp}`;
    const kept = this.kept.get(key);
    if (kept && this.now() < kept.validUntil) return kept;
    const pending = this.making.get(key);
    if (pending) return pending;
    const made = make()
      .then((page) => {
        this.kept.set(key, page);
        return page;
      })
      .finally(() => this.making.delete(key));
    this.making.set(key, made);
    return made;
  }
}
