#!/usr/bin/env node
// `charcha serve | worker | migrate | seed --demo | rerender | backup | restore | createsuperuser | grant | two-step-off | sms send | vapid-keys`
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { createSuperuser, grant, terminalIo, turnOffTwoStep } from './admin/cli.js';
import { buildServices, type Services } from './services.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { BackupError, backupSqlite, postgresBackupAdvice, postgresRestoreAdvice, restoreSqlite, sqliteFile, type Contents } from './db/backup.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { DEMO_PASSWORD, seedDemo } from './forum/demo.js';
import { rerenderAll } from './forum/rerender.js';
import { servePrimary, workersRefusal } from './cluster.js';
import { startWorkerProcess } from './outbox/process.js';
import { startServer } from './server.js';
import { runSmsCli } from './sms/cli.js';
import webPush from 'web-push';

const USAGE = `Usage: charcha <command>

Commands:
  serve [--workers N] [--no-worker]
                 migrate the database, then serve HTTP (HOST, PORT); N processes
                 share the port (default WEB_CONCURRENCY, else 1); runs the
                 outbox worker (e-mail, SMS) in one process too, unless
                 --no-worker (then run \`charcha worker\` beside it)
  worker         migrate the database, then deliver outbox jobs (e-mail, SMS)
                 until SIGTERM; any number may run on PostgreSQL
  migrate        bring the database schema up to date
  seed --demo    fill the database with demo users, discussions and a long thread
  rerender       render every post and comment's Markdown again (after an upgrade
                 that changes how Markdown is rendered)
  backup FILE    copy the SQLite database to FILE while the forum runs
  restore FILE [--replace]
                 put a backup in place (forum stopped; --replace keeps the
                 current database beside it as …before-restore-<time>)
  createsuperuser [--username NAME] [--email ADDRESS] [--noinput]
                 create an admin account (staff, superuser, admin group); asks
                 for the password, or with --noinput reads it from
                 CHARCHA_SUPERUSER_PASSWORD
  grant USERNAME GROUP
                 add a user to a group (member, moderator, admin, or one added
                 at /admin/groups/; quote a name with spaces)
  two-step-off USERNAME
                 turn off a member's two-step sign-in (authenticator app, codes
                 by text) and sign them out everywhere: for a lost phone and
                 lost recovery codes, once you know it is really them
  sms send --to NUMBER --message TEXT [--priority high]
                 send one SMS with the configured providers
  vapid-keys     print a new VAPID key pair for web push, as environment lines
                 (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY, VAPID_SUBJECT) to paste

Configuration comes from the environment; see docs/operations.md.`;

/** Lines for the operator: results on stdout, refusals on stderr. */
const consoleIo = { stdout: (line: string) => console.log(line), stderr: (line: string) => console.error(line) };

// Commands other than `serve` have no HTTP logger; SMS warnings go to stderr.
const quietLogger = { info: () => {}, warn: (obj: object, msg?: string) => console.error(msg ?? '', obj), error: (obj: object, msg?: string) => console.error(msg ?? '', obj) };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Needs no configuration: it makes the keys a configuration lacks (or has wrong).
  if (command === 'vapid-keys') return printVapidKeys(rest);
  const config = loadConfig();
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({ args: rest, options: { workers: { type: 'string' }, 'no-worker': { type: 'boolean' } } });
      const outboxWorker = !values['no-worker'];
      const workers = values.workers === undefined ? config.webConcurrency : Number(values.workers);
      if (!Number.isInteger(workers) || workers < 1) {
        console.error('--workers takes a whole number, 1 or more');
        return 2;
      }
      const refusal = workersRefusal(config, workers);
      if (refusal) {
        console.error(refusal);
        return 2;
      }
      if (workers > 1 && cluster.isPrimary) {
        await servePrimary(config, workers, { outboxWorker });
        return -1; // keep running
      }
      // In a cluster, the primary runs the outbox worker: the HTTP workers never do.
      const { app } = await startServer(config, { outboxWorker: outboxWorker && cluster.isPrimary });
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          app.log.info(`${signal}: closing`);
          void app.close().then(() => process.exit(0));
        });
      }
      return -1; // keep running
    }
    case 'worker': {
      if (rest.length > 0) {
        console.error('Usage: charcha worker');
        return 2;
      }
      const worker = await startWorkerProcess(config);
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          console.error(`${signal}: finishing the jobs in flight`);
          void worker.stop().then(() => process.exit(0));
        });
      }
      return -1; // keep running
    }
    case 'migrate': {
      const db = openDatabase(config.databaseUrl, config.database);
      const result = await migrateToLatest(db);
      await db.close();
      const applied = result.results?.map((r) => r.migrationName) ?? [];
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      return 0;
    }
    case 'seed': {
      const { values } = parseArgs({ args: rest, options: { demo: { type: 'boolean' } } });
      if (!values.demo) {
        console.error('Usage: charcha seed --demo');
        return 2;
      }
      const db = openDatabase(config.databaseUrl, config.database);
      await migrateToLatest(db);
      const result = await seedDemo((now) => buildServices(db, config, now, quietLogger));
      await db.close();
      const what = result.added ? 'demo data added' : 'demo data is already there, nothing added';
      console.log(`${what}; users ${result.users.join(', ')} (password "${DEMO_PASSWORD}"); long thread at /discuss/${result.longThreadId}/`);
      return 0;
    }
    case 'rerender': {
      const db = openDatabase(config.databaseUrl, config.database);
      const { posts, comments } = await rerenderAll(db);
      // Cached pages hold the old HTML: a shared cache (CACHE_URL) drops them now; a server's own memory cache after PAGE_CACHE_SECONDS.
      const services = buildServices(db, config, Date.now, quietLogger);
      await services.changes.announceAll();
      await services.cache.store.close();
      await db.close();
      console.log(`rerendered posts: ${posts.checked} checked, ${posts.changed} rewritten; comments: ${comments.checked} checked, ${comments.changed} rewritten`);
      return 0;
    }
    case 'backup': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true });
      const target = sqliteTarget(config.databaseUrl, positionals, 'charcha backup FILE', postgresBackupAdvice);
      if (!target) return 2;
      const contents = await backupSqlite(target.db, target.file);
      console.log(`backed up ${target.db} to ${target.file} (${describe(contents)}; integrity ok)`);
      console.log(`keep ${config.dataDir}/secret_key with it, unless SECRET_KEY is set`);
      return 0;
    }
    case 'restore': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { replace: { type: 'boolean' } } });
      const target = sqliteTarget(config.databaseUrl, positionals, 'charcha restore FILE [--replace]', postgresRestoreAdvice);
      if (!target) return 2;
      const result = await restoreSqlite(target.db, target.file, { replace: values.replace ?? false });
      console.log(`restored ${target.file} to ${target.db} (${describe(result)})`);
      if (result.keptAt) console.log(`the database it replaced is kept at ${result.keptAt}`);
      console.log('start the forum again (it applies any newer migrations)');
      return 0;
    }
    case 'createsuperuser': {
      const io = terminalIo();
      try {
        return await withServices(config, (services) => createSuperuser(rest, services, config.superuserPassword, io));
      } finally {
        io.close();
      }
    }
    case 'grant':
      return withServices(config, (services) => grant(rest, services, consoleIo));
    case 'two-step-off':
      return withServices(config, (services) => turnOffTwoStep(rest, services, consoleIo));
    case 'sms':
      return runSmsCli(rest, config.sms, consoleIo);
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

function printVapidKeys(args: string[]): number {
  if (args.length > 0) {
    console.error('Usage: charcha vapid-keys');
    return 2;
  }
  const keys = webPush.generateVAPIDKeys();
  console.log('# Web push keys for this forum: keep the private key secret, and keep both');
  console.log('# (browsers subscribed with the public key get nothing once it changes).');
  console.log(`VAPID_PUBLIC_KEY=${keys.publicKey}`);
  console.log(`VAPID_PRIVATE_KEY=${keys.privateKey}`);
  console.log('# Where push services can reach you: mailto:you@example.com or https://your-forum');
  console.log('VAPID_SUBJECT=mailto:admin@example.com');
  return 0;
}

/** Runs `work` with the forum's services on an up-to-date database, then closes it. */
async function withServices(config: Config, work: (services: Services) => Promise<number>): Promise<number> {
  const db = openDatabase(config.databaseUrl, config.database);
  try {
    await migrateToLatest(db);
    const services = buildServices(db, config, Date.now, quietLogger);
    try {
      return await work(services);
    } finally {
      await services.cache.store.close();
    }
  } finally {
    await db.close();
  }
}

/** The FILE argument and the SQLite database file; undefined after saying why not (usage, or PostgreSQL's own tools). */
function sqliteTarget(databaseUrl: string, positionals: string[], usage: string, postgresAdvice: (file: string) => string) {
  const [file] = positionals;
  if (positionals.length !== 1 || !file) {
    console.error(`Usage: ${usage}`);
    return undefined;
  }
  const db = sqliteFile(databaseUrl);
  if (!db) {
    console.error(postgresAdvice(file));
    return undefined;
  }
  return { db, file };
}

function describe(contents: Contents): string {
  return `${contents.users} users, ${contents.posts} posts, ${contents.comments} comments`;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(`Configuration error: ${error.message}`);
    else if (error instanceof BackupError) console.error(`Refused: ${error.message}`);
    else console.error(error);
    process.exitCode = 1;
  },
);
