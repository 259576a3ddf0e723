// What a write changed, said once after it commits: the page cache (by
// generations) and a reverse proxy in front (by a ban on the same names)
// drop every page that showed it.
import type { Generations } from './generations.js';

/**
 * The families of cached pages. A page names the families it shows; a write
 * names the families it changed. Coarse on purpose: a missed family is a
 * stale page, an extra one only a cache miss.
 */
export const family = {
  /** The front page and /new: titles, scores, comment counts, authors; profiles list posts too. */
  lists: 'lists',
  /** A discussion's pages: the post and its comments. */
  post: (postId: number) => `post:${postId}`,
  /** A profile: karma, and the person's comments (their posts come with `lists`). */
  user: (userId: number) => `user:${userId}`,
} as const;

/** Tells a reverse proxy in front (PURGE_URL) to drop what it cached of these families. */
export interface Purger {
  ban(families: readonly string[]): Promise<void>;
}

export interface ChangeLogger {
  warn(obj: object, msg?: string): void;
}

export class Changes {
  constructor(
    private readonly generations: Generations,
    private readonly purger: Purger | undefined,
    private readonly log: ChangeLogger,
  ) {}

  /**
   * Call after the transaction commits, and wait for it: the writer's next
   * page must show the change. Never throws: the write is done whatever the
   * caches say (an unreachable cache already degrades to no caching; an
   * unreachable proxy keeps its pages until their s-maxage, logged).
   */
  async announce(...families: string[]): Promise<void> {
    const unique = [...new Set(families)];
    if (unique.length === 0) return;
    await Promise.all([
      this.generations.bump(...unique),
      this.purger?.ban(unique).catch((error: unknown) => this.log.warn({ err: error, families: unique }, 'reverse proxy purge failed')),
    ]);
  }

  /** Everything changed (a name shown on many pages, Markdown re-rendered). */
  async announceAll(): Promise<void> {
    await Promise.all([
      this.generations.bumpAll(),
      this.purger?.ban(['*']).catch((error: unknown) => this.log.warn({ err: error }, 'reverse proxy purge failed')),
    ]);
  }
}
