import SqliteDatabase from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { withStatementCache } from './database.js';

describe('the SQLite statement cache', () => {
  const sqlite = new SqliteDatabase(':memory:');
  let prepared = 0;
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((sql: string) => {
    prepared += 1;
    return prepare(sql);
  });
  afterEach(() => {
    prepared = 0;
  });

  it('prepares a SQL text once and reuses it, with each call’s own parameters', () => {
    const db = withStatementCache(sqlite);
    expect(db.prepare('select ? as n').all([1])).toEqual([{ n: 1 }]);
    expect(db.prepare('select ? as n').all([2])).toEqual([{ n: 2 }]);
    expect(prepared).toBe(1);
  });

  it('keeps a bounded number, dropping the least recently used', () => {
    const db = withStatementCache(sqlite);
    db.prepare('select 0 as n');
    for (let i = 1; i <= 600; i++) {
      db.prepare(`select ${i} as n`);
      db.prepare('select 0 as n'); // kept warm: never the least recently used
    }
    expect(prepared).toBe(601);
    expect(db.prepare('select 600 as n').all([])).toEqual([{ n: 600 }]);
    expect(prepared).toBe(601);
    expect(db.prepare('select 1 as n').all([])).toEqual([{ n: 1 }]); // evicted long ago
    expect(prepared).toBe(602);
  });

  it('gives the same row objects as better-sqlite3 (a repeated name: the last wins), from all and iterate alike', () => {
    const db = withStatementCache(sqlite);
    const sql = "select 1 as a, 'x' as b, null as c, 2 as a union all select 3, 'y', 4.5, 5";
    const expected = sqlite.prepare(sql).all();
    expect(expected).toEqual([{ a: 2, b: 'x', c: null }, { a: 5, b: 'y', c: 4.5 }]);
    expect(db.prepare(sql).all([])).toEqual(expected);
    expect([...db.prepare(sql).iterate([])]).toEqual(expected);
    sqlite.exec('create table t (n integer)');
    expect(db.prepare('delete from t').reader).toBe(false);
    expect(db.prepare('insert into t (n) values (?)').run([7]).changes).toBe(1);
    expect(db.prepare('insert into t (n) values (?) returning n').all([8])).toEqual([{ n: 8 }]);
  });
});
