// Counts the SQL queries a request runs, for Server-Timing and for tests that
// hold each page to a fixed number of queries.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface QueryStats {
  count: number;
  durationMs: number;
}

const current = new AsyncLocalStorage<QueryStats>();

export function withQueryStats<T>(stats: QueryStats, fn: () => T): T {
  return current.run(stats, fn);
}

export function recordQuery(durationMs: number): void {
  const stats = current.getStore();
  if (stats) {
    stats.count += 1;
    stats.durationMs += durationMs;
  }
}
