// PostgreSQL's named statements (src/db/database.ts, StatementNames): a
// page's queries are parsed once per connection, never a `select *` (a
// column added by a migration while the app runs would break it), and a
// statement whose result type a schema change altered costs one error, after
// which its connection is replaced.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatementNames, type Db } from '../src/db/database.js';
import { createTestDatabase, testDbKind, type TestDatabase } from './support/test-db.js';

describe('which query texts get a name', () => {
  it('those with parameters and no `*` but count(*), up to the limit, each text always the same name', () => {
    const names = new StatementNames(3);
    const named = (text: string, values: unknown[] = [1]) => names.config(text, values).name;
    expect(named('select "id" from "users" where "id" = $1')).toBe('charcha_0');
    expect(named('select "id" from "users" where "id" = $1')).toBe('charcha_0');
    expect(named('select count(*) as "n" from "posts" where "author_id" = $1')).toBe('charcha_1');
    expect(named('select * from "posts" where "id" = $1')).toBeUndefined();
    expect(named('select "posts".* from "posts" where "id" = $1')).toBeUndefined();
    expect(named('insert into "tags" ("name") values ($1) returning *')).toBeUndefined();
    expect(named('alter table "posts" add column "x" integer', [])).toBeUndefined();
    expect(named('select "id" from "posts" where "id" in ($1, $2)')).toBe('charcha_2');
    expect(named('select "id" from "posts" where "id" in ($1, $2, $3)')).toBeUndefined();
    expect(names.config('select "id" from "users" where "id" = $1', [7])).toEqual({ name: 'charcha_0', text: 'select "id" from "users" where "id" = $1', values: [7] });
  });
});

describe.runIf(testDbKind === 'postgres')('named statements on PostgreSQL', () => {
  let database: TestDatabase;
  let db: Db;
  let other: Db;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.open();
    other = database.open();
    await sql`create table gauges (id integer primary key, reading integer not null)`.execute(db.kysely);
    await sql`insert into gauges values (1, 10), (2, 20)`.execute(db.kysely);
  });
  afterAll(async () => {
    await db.close();
    await other.close();
    await database.drop();
  });

  const reading = (conn: Db['kysely'], id: number) => conn.selectFrom('gauges' as never).select('reading' as never).where('id' as never, '=', id as never).executeTakeFirstOrThrow();
  const prepared = async (conn: Db['kysely']) =>
    (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(conn)).rows.map((row) => row.statement);
  const backend = async (conn: Db['kysely']) => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn)).rows[0]!.pid;

  it('prepares a query once on its connection, and runs it by name after', async () => {
    await db.kysely.connection().execute(async (conn) => {
      expect(await reading(conn, 1)).toEqual({ reading: 10 });
      expect(await reading(conn, 2)).toEqual({ reading: 20 });
      const statements = await prepared(conn);
      expect(statements.filter((text) => text.includes('from "gauges"'))).toEqual(['select "reading" from "gauges" where "id" = $1']);
      await conn.selectFrom('gauges' as never).selectAll().where('id' as never, '=', 1 as never).execute();
      expect((await prepared(conn)).filter((text) => text.includes('select *'))).toEqual([]);
    });
  });

  it('answers after a migration adds a column, and replaces a connection whose statement changed its result type', async () => {
    let firstBackend = 0;
    await db.kysely.connection().execute(async (conn) => {
      firstBackend = await backend(conn);
      await reading(conn, 1);
      await sql`alter table gauges add column unit text`.execute(other.kysely);
      // Named statements list their columns: a new one changes nothing.
      expect(await reading(conn, 2)).toEqual({ reading: 20 });
      await sql`alter table gauges alter column reading type bigint`.execute(other.kysely);
      await expect(reading(conn, 1)).rejects.toThrow(/cached plan must not change result type/);
    });
    // That connection was dropped on release: the next one prepares the statement afresh.
    await db.kysely.connection().execute(async (conn) => {
      expect(await backend(conn)).not.toBe(firstBackend);
      expect(await reading(conn, 1)).toEqual({ reading: 10 });
    });
  });
});
