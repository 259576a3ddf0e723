import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';
import { bestPath } from '../../forum/thread.js';

// A thread page is one indexed range read in either order: "old" by the WBS
// path (the unique (post_id, path) index), "best" by a stored best path (see
// forum/thread.ts), kept up to date on every vote. Existing comments get
// theirs here, each after its parent (path order).

export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .alterTable('comments')
    .addColumn('best_path', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  const { rows } = await sql<{ id: number; post_id: number; parent_id: number | null; path: string; upvotes: number; downvotes: number }>`
    select id, post_id, parent_id, path, upvotes, downvotes from comments order by post_id, path`.execute(db);
  const byId = new Map<number, string>();
  for (const c of rows) {
    const best = bestPath(c.parent_id === null ? '' : byId.get(c.parent_id)!, c.path, c.upvotes, c.downvotes);
    byId.set(c.id, best);
    await sql`update comments set best_path = ${best} where id = ${c.id}`.execute(db);
  }
  await db.schema.createIndex('comments_post_best').on('comments').columns(['post_id', 'best_path']).execute();
}
