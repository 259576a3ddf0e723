import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type LogEvent,
  type PostgresPool,
  type PostgresPoolClient,
  type SqliteDatabase as SqliteDialectDatabase,
  type SqliteStatement,
} from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { isDatabaseUnavailable } from './faults.js';
import { recordQuery } from './query-stats.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  close(): Promise<void>;
}

// SQLite transactions here always write. `BEGIN IMMEDIATE` takes the write lock
// up front, so two processes sharing the file queue on busy_timeout instead of
// failing with SQLITE_BUSY when a read lock would need upgrading mid-transaction.
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

// Kysely prepares every query afresh; with better-sqlite3, preparing costs
// about as much as running a small query. Keep the statements of the last few
// hundred distinct SQL texts (an `IN (…)` list of another length is another text).
const STATEMENT_CACHE_SIZE = 500;

export function withStatementCache(db: SqliteDatabase.Database): SqliteDialectDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement) {
        statements.delete(sql); // re-inserted below: the Map's order is recency
      } else {
        statement = withPlainRows(db.prepare(sql));
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}

/**
 * Rows as better-sqlite3 reads them (arrays), made into objects here: its
 * own row objects cost twice the whole read (a 300-comment thread page,
 * 2.6 ms against 1.3 ms), objects built in JavaScript next to nothing.
 * Same objects: one property per column, in order, the last of a repeated name winning.
 */
function withPlainRows(statement: SqliteDatabase.Statement): SqliteStatement {
  if (!statement.reader) return statement;
  const names = statement.columns().map((c) => c.name);
  statement.raw(true);
  const toObject = (values: unknown): Record<string, unknown> => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) row[names[i]!] = (values as unknown[])[i];
    return row;
  };
  return {
    reader: true,
    all: (parameters) => statement.all(parameters).map(toObject),
    run: (parameters) => statement.run(parameters),
    *iterate(parameters) {
      for (const values of statement.iterate(parameters)) yield toObject(values);
    },
  };
}

// PostgreSQL returns bigint (our epoch-ms times, counts) as strings; they fit a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

function logQuery(event: LogEvent): void {
  recordQuery(event.queryDurationMillis);
}

/** Client-side limits: a frozen server enforces nothing itself. */
export interface DatabaseOptions {
  /** PostgreSQL: give up on getting a connection (from the pool or a new one) after this long. */
  connectTimeoutMs: number;
  /** PostgreSQL: give up waiting for a query's answer after this long. */
  queryTimeoutMs: number;
  /** SQLite: wait this long for another process's write lock. better-sqlite3 waits synchronously, blocking every request meanwhile. */
  sqliteBusyTimeoutMs: number;
  /** A connection failed while no query was running on it (server restart, failover, idle timeout): it is dropped, and this reports it. */
  onConnectionError(error: Error): void;
}

export const DEFAULT_DATABASE_OPTIONS: DatabaseOptions = {
  connectTimeoutMs: 5_000,
  queryTimeoutMs: 10_000,
  sqliteBusyTimeoutMs: 2_000,
  onConnectionError: (error) => console.error('database connection lost:', error.message),
};

/**
 * PostgreSQL parses and plans every unnamed query afresh, and for a page's
 * small queries that is most of their cost (a signed-in thread page went
 * from 0.19 to 0.30 of the same bytes named). A named statement is parsed
 * once per connection. The texts that get a name:
 * - ones with parameters: not DDL or one-off statements;
 * - none that selects or returns `*`: a column a migration adds while this
 *   process runs (a rolling deploy) would change a prepared statement's
 *   result type, which PostgreSQL refuses;
 * - the process's first STATEMENTS_NAMED distinct texts (an IN list of
 *   another length is another text), so a connection holds at most that many.
 * A statement whose result type changed all the same (a column's type
 * altered) fails once, and its connection is then dropped (isStalePlan).
 */
export class StatementNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly limit = STATEMENTS_NAMED) {}

  /** `values` as Kysely hands them over: an array of this query's own, passed on as it is. */
  config(text: string, values: unknown[]): pg.QueryConfig {
    let name = this.names.get(text);
    if (name === undefined && this.names.size < this.limit && values.length > 0 && !SELECTS_STAR.test(text)) {
      name = `charcha_${this.names.size}`;
      this.names.set(text, name);
    }
    return name === undefined ? { text, values } : { name, text, values };
  }
}

const STATEMENTS_NAMED = 200;
/** `select *`, `"posts".*`, `returning *`; not `count(*)`. */
const SELECTS_STAR = /\*(?!\))/;

/** PostgreSQL refused a prepared statement whose result type a schema change altered. */
function isStalePlan(error: unknown): boolean {
  return (error as { code?: unknown }).code === '0A000' && String((error as { message?: unknown }).message).includes('cached plan must not change result type');
}

/**
 * pg's pool with two repairs. A connection whose query timed out or failed
 * for want of a server is destroyed on release rather than reused: a late
 * answer to the abandoned query would otherwise reach the next one (and one
 * holding a stale plan, so its statements are prepared afresh on another). And a
 * checked-out connection that fails between queries (pg emits 'error' with
 * no listener then, which would end the process) is marked the same way.
 */
function resilientPool(pool: pg.Pool, onConnectionError: (error: Error) => void): PostgresPool {
  // Idle connections: the pool drops them; without a listener the error would end the process.
  pool.on('error', onConnectionError);
  const statements = new StatementNames();
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let broken = false;
      const onError = (error: Error) => {
        broken = true;
        onConnectionError(error);
      };
      client.on('error', onError);
      return {
        query: ((text: string, values: unknown[]) =>
          client.query(statements.config(text, values)).catch((error: unknown) => {
            if (isDatabaseUnavailable(error) || isStalePlan(error)) broken = true;
            throw error;
          })) as unknown as PostgresPoolClient['query'],
        release(destroy?: boolean) {
          client.removeListener('error', onError);
          client.release(destroy || broken);
        },
      };
    },
    end: () => pool.end(),
  };
}

export function openDatabase(url: string, given: Partial<DatabaseOptions> = {}): Db {
  const options = { ...DEFAULT_DATABASE_OPTIONS, ...given };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const sqlite = new SqliteDatabase(file, { timeout: options.sqliteBusyTimeoutMs });
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    const kysely = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }), log: logQuery });
    return { kysely, dialect: 'sqlite', close: () => kysely.destroy() };
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: options.connectTimeoutMs,
    query_timeout: options.queryTimeoutMs,
    // Notices a dead peer (a failover, a cut network) on idle connections too.
    keepAlive: true,
  });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: resilientPool(pool, options.onConnectionError) }), log: logQuery });
  return { kysely, dialect: 'postgres', close: () => kysely.destroy() };
}
