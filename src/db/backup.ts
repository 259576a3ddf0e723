// `charcha backup` and `charcha restore` for SQLite: an online backup through
// SQLite's backup API (no sqlite3 tool needed), and a restore that checks the
// file first, refuses while the forum has the database open, and keeps the
// file it replaces. PostgreSQL has pg_dump and pg_restore for this.
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { migrations } from './migrate.js';

/** The operator asked for something that cannot be done safely; the message says why and what to do. */
export class BackupError extends Error {
  override name = 'BackupError';
}

/** What a backup or restore holds, for the operator to check at a glance. */
export interface Contents {
  users: number;
  posts: number;
  comments: number;
}

/** The SQLite file behind DATABASE_URL, or undefined for PostgreSQL. */
export function sqliteFile(databaseUrl: string): string | undefined {
  return databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : undefined;
}

export function postgresBackupAdvice(file: string): string {
  return [
    'DATABASE_URL is PostgreSQL: back it up with pg_dump (see docs/operations.md, "Backup and restore"):',
    `  pg_dump --format=custom --file=${file} "$DATABASE_URL"`,
  ].join('\n');
}

export function postgresRestoreAdvice(file: string): string {
  return [
    'DATABASE_URL is PostgreSQL: restore with pg_restore into an empty database (see docs/operations.md, "Backup and restore"):',
    `  pg_restore --no-owner --exit-on-error --dbname="$DATABASE_URL" ${file}`,
  ].join('\n');
}

/** Copies the live database, consistently, while the forum keeps serving; then checks the copy. */
export async function backupSqlite(dbFile: string, target: string): Promise<Contents> {
  if (!existsSync(dbFile)) throw new BackupError(`there is no database at ${dbFile} (check DATABASE_URL / DATA_DIR)`);
  if (existsSync(target)) throw new BackupError(`${target} already exists; choose a new name (e.g. with the date) or remove it first`);
  if (!existsSync(dirname(target))) throw new BackupError(`there is no folder ${dirname(target)} to write ${basename(target)} into`);
  const partial = `${target}.partial`;
  // Read-write like the forum's own connections: a read-only one could not
  // tidy the write-ahead log away when it is the last to close.
  const live = new SqliteDatabase(dbFile, { fileMustExist: true });
  try {
    // All pages in one step: a copy made in slices restarts whenever the forum writes in between.
    await live.backup(partial, { progress: () => 0x7fffffff });
    // One self-contained file (the copy would otherwise be in WAL mode, like the original).
    const copy = new SqliteDatabase(partial);
    copy.pragma('journal_mode = DELETE');
    copy.close();
    chmodSync(partial, 0o600); // it holds password hashes
    // Named only once complete and checked: a file under the target name is a good backup.
    const contents = inspect(partial);
    renameSync(partial, target);
    return contents;
  } finally {
    live.close();
    rmSync(partial, { force: true });
  }
}

export interface RestoreResult extends Contents {
  /** Where the database that was in place now lies; undefined when there was none. */
  keptAt: string | undefined;
}

/**
 * Puts a backup in place of the database. Refuses a file that is not a sound
 * Charcha database, a database the forum has open, and, unless `replace`, an
 * existing database; the replaced file is renamed, never deleted.
 */
export async function restoreSqlite(dbFile: string, source: string, options: { replace: boolean }): Promise<RestoreResult> {
  if (!existsSync(source)) throw new BackupError(`there is no file at ${source}`);
  const contents = inspect(source);
  const present = existsSync(dbFile);
  if (present && !options.replace) {
    throw new BackupError(`a database already exists at ${dbFile}; run again with --replace to put the backup in its place (the current file is kept beside it)`);
  }
  // Copy next to the target first, so the final step is a rename on one file system.
  mkdirSync(dirname(dbFile), { recursive: true }); // a new machine's first restore
  const incoming = `${dbFile}.restoring`;
  rmSync(incoming, { force: true });
  const backup = new SqliteDatabase(source, { readonly: true, fileMustExist: true });
  try {
    await backup.backup(incoming);
  } finally {
    backup.close();
  }
  try {
    const keptAt = present ? setAside(dbFile) : undefined;
    renameSync(incoming, dbFile);
    return { ...contents, keptAt };
  } finally {
    rmSync(incoming, { force: true });
  }
}

/**
 * Checks that `file` is an intact SQLite database holding Charcha's tables,
 * made by this version or an older one (newer migrations would not run here).
 */
function inspect(file: string): Contents {
  let db: SqliteDatabase.Database;
  try {
    db = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupError(`${file} cannot be opened as an SQLite database: ${(error as Error).message}`);
  }
  try {
    const problems = tryRead(file, () => db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[]);
    if (problems[0]?.integrity_check !== 'ok') {
      throw new BackupError(`${file} is damaged: ${problems.map((p) => p.integrity_check).join('; ')}`);
    }
    const tables = new Set(db.prepare("select name from sqlite_master where type = 'table'").pluck().all() as string[]);
    if (!['kysely_migration', 'users', 'posts', 'comments'].every((t) => tables.has(t))) {
      throw new BackupError(`${file} is an SQLite database but not a Charcha one (its tables: ${[...tables].join(', ') || 'none'})`);
    }
    const known = new Set(Object.keys(migrations));
    const unknown = (db.prepare('select name from kysely_migration').pluck().all() as string[]).filter((n) => !known.has(n));
    if (unknown.length) throw new BackupError(`${file} was made by a newer Charcha (migrations ${unknown.join(', ')}); upgrade first`);
    const count = (table: string) => db.prepare(`select count(*) from ${table}`).pluck().get() as number;
    return { users: count('users'), posts: count('posts'), comments: count('comments') };
  } finally {
    db.close();
  }
}

function tryRead<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new BackupError(`${file} cannot be read as an SQLite database: ${(error as Error).message}`);
  }
}

/**
 * Renames the database (with any write-ahead log) to `<name>.before-restore-<time>`,
 * after making sure no process has it open: the forum must be stopped first.
 */
function setAside(dbFile: string): string {
  const db = new SqliteDatabase(dbFile, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    // Every connection to a WAL database holds a shared lock while open, so an
    // exclusive one is refused while the forum runs, even when it is idle.
    db.pragma('locking_mode = EXCLUSIVE');
    try {
      db.exec('begin exclusive');
    } catch {
      throw new BackupError(`${dbFile} is in use: stop the forum (every charcha process) before restoring`);
    }
    db.exec('commit');
    // Fold the log into the file, so the copy set aside is one complete file.
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const aside = join(dirname(dbFile), `${basename(dbFile)}.before-restore-${stamp}`);
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(dbFile + suffix)) renameSync(dbFile + suffix, aside + suffix);
  }
  return aside;
}
