// What readers see of posts and comments, decided once: "live" rows are
// neither deleted nor hidden by a moderator, and "unheld" rows have fewer
// unreviewed flags than FLAG_HIDE_THRESHOLD. Listing queries use these
// instead of repeating the column checks.
import { sql, type RawBuilder, type SqlBool } from 'kysely';

export type ItemTable = 'posts' | 'comments';

/** Not deleted and not hidden. */
export function live(table: ItemTable): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${sql.ref(`${table}.deleted_at`)} is null and ${sql.ref(`${table}.hidden_at`)} is null)`;
}

/** Fewer than `threshold` flags since a moderator last reviewed the item. */
export function unheld(table: ItemTable, threshold: number): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${sql.ref(`${table}.flags`)} - ${sql.ref(`${table}.flags_reviewed`)} < ${threshold})`;
}
