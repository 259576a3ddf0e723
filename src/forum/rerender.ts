// `charcha rerender`: Markdown is rendered once, on write, and stored. When the
// rendering rules change (markdown.ts), the stored HTML is the old rules'
// until every post and comment is rendered again from its source; so is an
// @mention of an account made or deleted since (forum/text.ts).
import type { Db } from '../db/database.js';
import { renderText } from './text.js';

export interface RerenderCount {
  /** Live rows read and rendered. */
  checked: number;
  /** Rows whose stored HTML differed, now rewritten. */
  changed: number;
  batches: number;
}

export type RerenderResult = Record<'posts' | 'comments', RerenderCount>;

export const RERENDER_BATCH = 500;

/**
 * Renders every live post and comment again, `batchSize` rows at a time in id
 * order, one short transaction a batch, so it can run beside a serving forum:
 * writers wait for one batch at most. Only rows whose HTML changed are written,
 * and only while their source is still the text rendered (an edit made
 * meanwhile keeps its own rendering). Deleted rows are left as they are, empty.
 */
export async function rerenderAll(db: Db, batchSize = RERENDER_BATCH): Promise<RerenderResult> {
  return { posts: await rerenderTable(db, 'posts', batchSize), comments: await rerenderTable(db, 'comments', batchSize) };
}

async function rerenderTable(db: Db, table: 'posts' | 'comments', batchSize: number): Promise<RerenderCount> {
  const count: RerenderCount = { checked: 0, changed: 0, batches: 0 };
  for (let after = 0; ; ) {
    const rows = await db.kysely
      .selectFrom(table)
      .select(['id', 'text', 'text_html'])
      .where('id', '>', after)
      .where('deleted_at', 'is', null)
      .orderBy('id')
      .limit(batchSize)
      .execute();
    if (rows.length === 0) return count;
    count.batches++;
    count.checked += rows.length;
    after = rows[rows.length - 1]!.id;
    const stale: { id: number; text: string; fresh: string }[] = [];
    for (const row of rows) {
      const fresh = (await renderText(db.kysely, row.text)).html;
      if (fresh !== row.text_html) stale.push({ ...row, fresh });
    }
    if (stale.length === 0) continue;
    await db.kysely.transaction().execute(async (trx) => {
      for (const row of stale) {
        const result = await trx
          .updateTable(table)
          .set({ text_html: row.fresh })
          .where('id', '=', row.id)
          .where('text', '=', row.text)
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        count.changed += Number(result.numUpdatedRows);
      }
    });
  }
}
