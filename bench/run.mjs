// `npm run bench`: the demo forum under autocannon load in several
// configurations, next to bare node:http baselines measured in the same run;
// prints the tables and rewrites bench/RESULTS.md.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROWSER_HEADERS, DEMO_USER, fetchPage, seedDemo, signIn, startForum } from './demo-forum.mjs';
import { measure } from './load.mjs';
import { findPostgresBin, startPostgresCluster } from './postgres-cluster.mjs';
import { freePort, startServer } from './processes.mjs';
import { redisServerInstalled, startRedisServer } from './redis-server.mjs';
import { resultsTables, writeResultsFile } from './report.mjs';

const HOST = '127.0.0.1';
const RESULTS_FILE = new URL('RESULTS.md', import.meta.url);
const BASELINE_SERVER = fileURLToPath(new URL('baseline-server.mjs', import.meta.url));
// Production refuses PostgreSQL without one; the same for every configuration.
const SECRET_KEY = 'bench-secret-key-not-for-any-real-forum-0123456789';

const workDir = mkdtempSync(join(tmpdir(), 'charcha-bench-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));

/** The pages measured; baselineOf() says which same-bytes baseline each is compared with. */
const PAGES = {
  frontAnonymous: { name: 'front page, anonymous', path: () => '/', signedIn: false },
  frontSignedIn: { name: 'front page, signed in', path: () => '/', signedIn: true },
  threadAnonymous: { name: '1,000-comment thread, anonymous', path: (db) => db.threadPath, signedIn: false },
  threadSignedIn: { name: '1,000-comment thread, signed in', path: (db) => db.threadPath, signedIn: true },
};

/** The main configuration, where every page is measured; the others measure the two thread pages. */
const MAIN = { database: 'sqlite', cache: 'memory', workers: 1 };

/**
 * The configurations: no page cache, memory, Redis × SQLite, PostgreSQL × one
 * process, two workers. Two workers need a shared CACHE_URL and REDIS_URL
 * (src/cluster.ts), so there is no memory-cache row with two.
 */
function configurations({ databases, redisUrl }) {
  const all = [];
  for (const database of Object.keys(databases)) {
    for (const cache of ['none', 'memory', 'redis']) {
      for (const workers of [1, 2]) {
        if (cache === 'memory' && workers > 1) continue;
        if ((cache === 'redis' || workers > 1) && !redisUrl) continue;
        all.push({ database, cache, workers });
      }
    }
  }
  return all;
}

/** The settings a configuration runs with, beyond the ones every run shares. */
function settingsOf({ database, cache, workers }, { databases, redisUrl }) {
  const db = databases[database];
  // One Redis database number per forum database, so neither sees the other's cached pages.
  const redis = cache === 'redis' || workers > 1 ? `${redisUrl}/${db.redisIndex}` : undefined;
  return {
    DATABASE_URL: db.url,
    ...(cache === 'none' ? { PAGE_CACHE_SECONDS: '0' } : {}),
    ...(redis ? { CACHE_URL: redis, REDIS_URL: redis } : {}),
  };
}

const isMain = (config) => config.database === MAIN.database && config.cache === MAIN.cache && config.workers === MAIN.workers;
const pagesOf = (config) => (isMain(config) ? Object.keys(PAGES) : ['threadAnonymous', 'threadSignedIn']);
// The uncached thread has a baseline of its own: the forum compresses it on the fly, at a lower brotli quality than the cached copy.
const baselineOf = (config, page) => (page === 'threadAnonymous' && config.cache === 'none' ? 'threadAnonymousUncached' : page);
/** The targets' table: the main configuration's pages and, with the main database and process count, the uncached thread. The baselines send what these sent. */
const inMainTable = (config, page) =>
  isMain(config) || (baselineOf(config, page) === 'threadAnonymousUncached' && config.database === MAIN.database && config.workers === MAIN.workers);

async function main() {
  const loadBefore = loadavg()[0];
  const port = String(await freePort(HOST));
  const forum = `http://${HOST}:${port}`;
  const shared = { DATA_DIR: join(workDir, 'data'), HOST, PORT: port, LOG_LEVEL: 'error', NODE_ENV: 'production', SECRET_KEY };
  const skipped = [];

  const databases = { sqlite: { url: `sqlite:${join(workDir, 'data', 'charcha.db')}`, redisIndex: 0 } };
  const postgresBin = findPostgresBin();
  if (postgresBin) databases.postgres = { url: await startPostgresCluster(postgresBin, HOST), redisIndex: 1 };
  else skipped.push('PostgreSQL (no initdb under /usr/lib/postgresql)');
  const redisUrl = redisServerInstalled() ? await startRedisServer(HOST) : undefined;
  const setup = { databases, redisUrl };
  if (!redisUrl) skipped.push('Redis and two workers (no redis-server)');
  for (const [name, db] of Object.entries(databases)) {
    console.log(`seeding the demo data into ${name}…`);
    db.threadPath = await seedDemo({ ...shared, DATABASE_URL: db.url });
  }

  // Not timed: each configuration once with DEBUG_QUERIES for the queries per
  // page (made, then served again), and the bytes the baselines will send.
  const configs = configurations(setup);
  const fetched = new Map();
  const baselineBodies = {};
  for (const config of configs) {
    console.log(`fetching the pages of ${describe(config)}…`);
    const db = databases[config.database];
    const running = await startForum({ ...shared, ...settingsOf(config, setup), DEBUG_QUERIES: 'true' }, forum, config.workers);
    db.cookie ??= await signIn(forum);
    const pages = {};
    for (const page of pagesOf(config)) {
      const url = forum + PAGES[page].path(db);
      const cookie = PAGES[page].signedIn ? db.cookie : undefined;
      const first = await fetchPage(url, cookie);
      // Two more, and the fewer: a session's last-seen time is written at most once a minute, by either.
      const again = await fetchPage(url, cookie);
      const queries = { first: first.queries, again: Math.min(again.queries, (await fetchPage(url, cookie)).queries) };
      pages[page] = { queries };
      console.log(`  ${PAGES[page].name}: ${again.wire.length} bytes ${again.encoding} (${again.decodedBytes} decoded), ${queries.first} → ${queries.again} queries`);
      if (inMainTable(config, page)) baselineBodies[baselineOf(config, page)] = again;
    }
    fetched.set(config, pages);
    await running.stop();
  }

  const pageDir = join(workDir, 'pages');
  mkdirSync(pageDir);
  for (const [name, body] of Object.entries(baselineBodies)) writeFileSync(join(pageDir, `${name}.${body.encoding}`), body.wire);
  const baselinePort = String(await freePort(HOST));
  const baseline = `http://${HOST}:${baselinePort}`;
  const baselineServer = await startServer('baseline', [BASELINE_SERVER, pageDir], { HOST, PORT: baselinePort }, baseline);
  console.log('measuring the baselines…');
  const baselines = { hello: { run: await measure(`${baseline}/`, BROWSER_HEADERS) } };
  for (const [name, body] of Object.entries(baselineBodies)) {
    baselines[name] = { wireBytes: body.wire.length, encoding: body.encoding, decodedBytes: body.decodedBytes, run: await measure(`${baseline}/${name}`, BROWSER_HEADERS) };
  }
  await baselineServer.stop();

  const rows = [];
  for (const config of configs) {
    console.log(`measuring ${describe(config)}…`);
    const db = databases[config.database];
    const running = await startForum({ ...shared, ...settingsOf(config, setup) }, forum, config.workers);
    for (const page of pagesOf(config)) {
      const headers = { ...BROWSER_HEADERS, ...(PAGES[page].signedIn ? { cookie: db.cookie } : {}) };
      const run = await measure(forum + PAGES[page].path(db), headers);
      const row = { config, page, name: PAGES[page].name, settings: settingsOf(config, setup), baseline: baselineOf(config, page), run, ...fetched.get(config)[page] };
      rows.push({ ...row, inMainTable: inMainTable(config, page) });
    }
    await running.stop();
  }

  const results = { baselines, rows, skipped };
  console.log(`\n${resultsTables(results)}\n`);
  writeResultsFile(RESULTS_FILE, results, { threadPath: databases.sqlite.threadPath, user: DEMO_USER, loadBefore });
  console.log('written to bench/RESULTS.md');
}

function describe({ database, cache, workers }) {
  return `${database}, ${cache === 'none' ? 'no page cache' : `${cache} cache`}, ${workers === 1 ? 'one process' : `${workers} workers`}`;
}

// Exit explicitly: the running servers would otherwise keep the bench alive.
main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
