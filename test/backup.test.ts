// The backup and restore documented in docs/operations.md, run as an operator
// would: the built CLI (dist/cli.js) for SQLite, with the forum serving while
// it backs up; pg_dump and pg_restore for PostgreSQL.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildServices } from '../src/services.js';
import { openDatabase } from '../src/db/database.js';
import { testConfig } from './support/app.js';
import { findPostgresBin } from './support/postgres-cluster.js';
import { HttpClient, startServerProcess, type ServerProcess } from './support/server-process.js';
import { createTestDatabase, testDbKind, type TestDatabase } from './support/test-db.js';

interface CliRun {
  code: number;
  output: string;
}

function charcha(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    // Vite puts BASE_URL=/ in the test runner's environment; it is not ours.
    execFile(process.execPath, ['dist/cli.js', ...args], { env: { ...process.env, BASE_URL: '', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, output: stdout + stderr });
    });
  });
}

async function titles(databaseUrl: string): Promise<string[]> {
  const db = openDatabase(databaseUrl);
  try {
    const rows = await db.kysely.selectFrom('posts').select('title').orderBy('id').execute();
    return rows.map((r) => r.title);
  } finally {
    await db.close();
  }
}

// Each step starts a process (the server, the CLI): slow on a busy machine.
/** The CLI refused (exit 1) and said why. */
function expectRefusal(result: CliRun, reason: string): void {
  expect(result.code, result.output).toBe(1);
  expect(result.output).toContain(reason);
}

describe.skipIf(testDbKind !== 'sqlite')('charcha backup and restore (SQLite)', { timeout: 120_000 }, () => {
  let dir: string;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;
  const live = () => join(dir, 'data', 'charcha.db');
  const backupFile = () => join(dir, 'charcha-backup.db');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'charcha-backup-'));
    env = { DATA_DIR: join(dir, 'data'), DATABASE_URL: `sqlite:${join(dir, 'data', 'charcha.db')}`, SECRET_KEY: randomBytes(32).toString('base64url') };
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs up while the forum serves, and refuses to restore over it while it runs', async () => {
    server = await startServerProcess(env);
    const member = new HttpClient();
    await member.signup(server.origin, 'keeper');
    await member.post(server.origin, '/start-discussion/', { title: 'Written before the backup', text: 'keep me' });

    const backup = await charcha(['backup', backupFile()], env);
    expect(backup.output).toContain('1 users, 1 posts, 0 comments; integrity ok');
    expect(backup.output).toContain('secret_key');
    expect(backup.code).toBe(0);
    expectRefusal(await charcha(['backup', backupFile()], env), 'already exists');

    await member.get(server.origin, '/start-discussion/');
    await member.post(server.origin, '/start-discussion/', { title: 'Written after the backup', text: 'lost on restore' });
    const refused = await charcha(['restore', backupFile(), '--replace'], env);
    expect(refused.output).toContain('is in use: stop the forum');
    expect(refused.code).toBe(1);
    expect(await titles(env.DATABASE_URL!)).toEqual(['Written before the backup', 'Written after the backup']);
    await server.stop();
  });

  it('refuses a file that is not a Charcha database, one from a newer version, and an existing database without --replace', async () => {
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not a database at all, just text that is long enough to have a header'.repeat(10));
    const notSqlite = await charcha(['restore', junk, '--replace'], env);
    expect(notSqlite.output).toContain('cannot be read as an SQLite database');
    expect(notSqlite.code).toBe(1);

    const other = join(dir, 'other.db');
    const db = openDatabase(`sqlite:${other}`);
    await db.kysely.schema.createTable('notes').addColumn('text', 'text').execute();
    await db.close();
    expectRefusal(await charcha(['restore', other, '--replace'], env), 'not a Charcha one');

    const newer = join(dir, 'newer.db');
    copyFileSync(backupFile(), newer);
    const newerDb = openDatabase(`sqlite:${newer}`);
    await sql`insert into kysely_migration (name, timestamp) values ('999_from_the_future', 'now')`.execute(newerDb.kysely);
    await newerDb.close();
    expectRefusal(await charcha(['restore', newer, '--replace'], env), 'made by a newer Charcha (migrations 999_from_the_future)');

    expectRefusal(await charcha(['restore', backupFile()], env), 'run again with --replace');
    expect(await titles(env.DATABASE_URL!)).toHaveLength(2);
  });

  it('restores with --replace, keeping the replaced database beside it, and the forum serves the backup', async () => {
    const restore = await charcha(['restore', backupFile(), '--replace'], env);
    expect(restore.output).toContain('(1 users, 1 posts, 0 comments)');
    expect(restore.code).toBe(0);
    const kept = readdirSync(join(dir, 'data')).filter((f) => f.startsWith('charcha.db.before-restore-'));
    expect(kept).toHaveLength(1);
    expect(restore.output).toContain(kept[0]);
    expect(await titles(`sqlite:${join(dir, 'data', kept[0]!)}`)).toEqual(['Written before the backup', 'Written after the backup']);
    expect(existsSync(`${live()}-wal`)).toBe(false); // no stale log from the replaced file

    server = await startServerProcess(env);
    const page = await new HttpClient().get(server.origin, '/new');
    expect(page).toContain('Written before the backup');
    expect(page).not.toContain('Written after the backup');
    const member = new HttpClient();
    await member.get(server.origin, '/login');
    const login = await member.post(server.origin, '/login', { username: 'keeper', password: 'a-long-enough-secret' });
    expect(login.status).toBe(303);
  });
});

const pgBin = findPostgresBin();

describe.skipIf(testDbKind !== 'postgres' || !pgBin)('backup and restore with pg_dump and pg_restore (PostgreSQL)', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let restoredUrl: string;
  const restoredName = `charcha_restored_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    const admin = new pg.Client({ connectionString: inject('postgresUrl') });
    await admin.connect();
    await admin.query(`drop database if exists ${restoredName} with (force)`);
    await admin.end();
    await database?.drop();
  });

  it('charcha backup points to pg_dump', async () => {
    const run = await charcha(['backup', 'forum.dump'], { DATABASE_URL: database.url, SECRET_KEY: randomBytes(32).toString('base64url') });
    expect(run.output).toContain('pg_dump --format=custom --file=forum.dump "$DATABASE_URL"');
    expect(run.code).toBe(2);
  });

  it('the documented commands carry the data into a new database', async () => {
    const db = database.open();
    const services = buildServices(db, testConfig(database), Date.now, { info() {}, warn() {}, error() {} });
    const author = await services.accounts.signup({ username: 'keeper', password: 'a-long-enough-secret' });
    await services.posts.create(await services.accounts.actor(author.id), { title: 'Kept by pg_dump', url: '', text: 'hello' });
    await db.close();

    const dump = join(database.dir, 'charcha.dump');
    const run = (program: string, args: string[]) => {
      const result = spawnSync(join(pgBin!, program), args, { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    };
    run('pg_dump', ['--format=custom', `--file=${dump}`, database.url]);
    const admin = new pg.Client({ connectionString: inject('postgresUrl') });
    await admin.connect();
    await admin.query(`create database ${restoredName}`);
    await admin.end();
    restoredUrl = database.url.replace(/\/[^/]*$/, `/${restoredName}`);
    run('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${restoredUrl}`, dump]);

    expect(await titles(restoredUrl)).toEqual(['Kept by pg_dump']);
    const migrate = await charcha(['migrate'], { DATABASE_URL: restoredUrl, SECRET_KEY: randomBytes(32).toString('base64url') });
    expect(migrate.output).toContain('database is up to date');
  });
});
