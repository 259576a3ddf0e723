// The results as Markdown tables, and bench/RESULTS.md around them.
import { arch, cpus, loadavg, release, totalmem, type } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { LOAD_SETTINGS } from './load.mjs';

const integer = (n) => Math.round(n).toLocaleString('en-US');
const ratio = (n) => n.toPrecision(2);
const percent = (n) => `${+(n * 100).toPrecision(3)} %`;

/** Issue 11's targets, by the baseline a page is compared with. */
const TARGETS = {
  frontAnonymous: { of: 'hello', at: 0.5 },
  threadAnonymous: { of: 'sameBytes', at: 0.8 },
  threadSignedIn: { of: 'sameBytes', at: 0.25 },
  threadAnonymousUncached: { of: 'sameBytes', at: 0.075 },
};

/** SQL queries per page served (see queriesCell) counted before issue 11's speed work: a page may not need more. */
const QUERIES_BEFORE = JSON.parse(readFileSync(new URL('queries-before.json', import.meta.url), 'utf8'));

const cacheName = { none: 'none', memory: 'memory', redis: 'Redis' };
const databaseName = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

function queriesCell({ first, again }) {
  if (first === undefined) return '?';
  return first === again ? String(first) : `${first} → ${again}`;
}

function queriesMet(baseline, { again }) {
  const before = QUERIES_BEFORE.pages[baseline];
  if (before === undefined || again === undefined) return '';
  return again <= before ? 'yes' : `**no** (was ${before})`;
}

/** The row's speed target (`text`) and whether it is met (`met`), blank without one. */
function speedTarget(baseline, run, baselines) {
  const target = TARGETS[baseline];
  if (!target) return { text: '', met: '' };
  const against = target.of === 'hello' ? baselines.hello.run : baselines[baseline].run;
  const met = run.requestsPerSecond / against.requestsPerSecond >= target.at ? 'yes' : '**no**';
  return { text: `≥ ${percent(target.at)} of ${target.of === 'hello' ? 'hello-world' : 'same bytes'}`, met };
}

/** How a configuration is started, beyond the settings every run shares. */
function howStarted({ config, settings }) {
  const parts = [];
  if (settings.PAGE_CACHE_SECONDS) parts.push(`PAGE_CACHE_SECONDS=${settings.PAGE_CACHE_SECONDS}`);
  if (settings.CACHE_URL) parts.push('CACHE_URL=REDIS_URL=redis://…');
  if (config.workers > 1) parts.push(`--workers ${config.workers}`);
  return parts.length ? parts.map((p) => `\`${p}\``).join(' ') : 'defaults';
}

/**
 * `baselines`: hello-world and each page's same-bytes run, with the bytes it
 * sent; `rows`: one per configuration and page (see run.mjs).
 */
export function resultsTables({ baselines, rows }) {
  const hello = baselines.hello.run;
  const p99 = (run) => (run.p99Ms < 1 ? '<1' : run.p99Ms);
  // The uncached thread last, after the pages with the page cache.
  const uncachedLast = (row) => (row.config.cache === 'none' ? 1 : 0);
  const mainRows = rows.filter((r) => r.inMainTable).sort((a, b) => uncachedLast(a) - uncachedLast(b));
  const mainTable = [
    '| page | served by | bytes sent | decoded | req/s | p99 ms | ÷ hello-world | ÷ same bytes | target | met | SQL queries | ≤ before |',
    '|---|---|--:|--:|--:|--:|--:|--:|---|---|--:|---|',
    `| hello world | node:http | 11 | 11 | ${integer(hello.requestsPerSecond)} | ${p99(hello)} | 1.0 | | | | | |`,
    ...mainRows.flatMap((row) => {
      const same = baselines[row.baseline];
      const name = row.config.cache === 'none' ? `${row.name}, no page cache` : row.name;
      const bytes = `${integer(same.wireBytes)} ${same.encoding} | ${integer(same.decodedBytes)}`;
      const target = speedTarget(row.baseline, row.run, baselines);
      return [
        `| ${name} | node:http, same bytes | ${bytes} | ${integer(same.run.requestsPerSecond)} | ${p99(same.run)} | ${ratio(same.run.requestsPerSecond / hello.requestsPerSecond)} | 1.0 | | | | |`,
        `| ${name} | **Charcha** | ${bytes} | ${integer(row.run.requestsPerSecond)} | ${p99(row.run)} | ${ratio(row.run.requestsPerSecond / hello.requestsPerSecond)} | ` +
          `${ratio(row.run.requestsPerSecond / same.run.requestsPerSecond)} | ${target.text} | ${target.met} | ${queriesCell(row.queries)} | ${queriesMet(row.baseline, row.queries)} |`,
      ];
    }),
  ].join('\n');
  const configTable = [
    '| database | page cache | processes | started with | page | req/s | p99 ms | ÷ same bytes | target met | SQL queries | ≤ before |',
    '|---|---|--:|---|---|--:|--:|--:|---|--:|---|',
    ...rows
      .filter((r) => r.page.startsWith('thread'))
      .map((row) => {
        const same = baselines[row.baseline];
        const target = speedTarget(row.baseline, row.run, baselines);
        return (
          `| ${databaseName[row.config.database]} | ${cacheName[row.config.cache]} | ${row.config.workers} | ${howStarted(row)} | ${row.name} | ` +
          `${integer(row.run.requestsPerSecond)} | ${p99(row.run)} | ${ratio(row.run.requestsPerSecond / same.run.requestsPerSecond)} | ` +
          `${target.text ? `${target.text.split(' of ')[0]}: ${target.met}` : ''} | ${queriesCell(row.queries)} | ${queriesMet(row.baseline, row.queries)} |`
        );
      }),
  ].join('\n');
  return `${mainTable}\n\n${configTable}`;
}

function machine() {
  const cores = cpus();
  const memoryGiB = (totalmem() / 2 ** 30).toFixed(1);
  return `${cores[0].model}, ${cores.length} cores, ${memoryGiB} GiB memory, ${type()} ${release()} ${arch()}`;
}

/** `loadBefore`: the 1-minute load average before the bench started loading anything. */
export function writeResultsFile(file, results, { threadPath, user, loadBefore }) {
  const { connections, pipelining, warmupSeconds, durationSeconds } = LOAD_SETTINGS;
  const [mainTable, configTable] = resultsTables(results).split('\n\n');
  const skipped = results.skipped.length ? `\n- Not measured: ${results.skipped.join('; ')}` : '';
  const text = `# Benchmark results

Written by \`npm run bench\` (bench/run.mjs); run it again to replace this file.

- Date: ${new Date().toISOString()}
- Node: ${process.version}
- Machine: ${machine()}
- 1-minute load average: ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} at the end (the bench itself adds about 2; more means other work shared the CPUs)
- Load: autocannon, ${connections} connections, pipelining ${pipelining}, ${warmupSeconds} s warm-up then ${durationSeconds} s per row (\`BENCH_SECONDS\`), one row at a time; every request sends \`accept-encoding: br, gzip\`, as browsers do
- Forum: \`NODE_ENV=production\`, \`seed --demo\` data; the thread is ${threadPath} (1,000 comments; its first page, as the forum pages long threads); "signed in" sends the session cookie of ${user}; PostgreSQL and redis-server are throwaway ones on loopback, started by the bench${skipped}

## The targets: SQLite, memory cache, one process

${mainTable}

## Configurations: page cache, database, processes

${configTable}

## How to read it

Only the ratios mean anything beyond this run: absolute requests/s depend on the machine
and on what else it was doing. "÷ hello-world" is the forum's throughput as a fraction of a
bare \`node:http\` server answering "hello world", the most a Node process can do per request here.
"÷ same bytes" compares with a bare \`node:http\` server sending, from memory, the very bytes
the forum sent for that page (compressed, with the same Content-Encoding; "bytes sent" is their
size, "decoded" the page's size once decompressed), the limit for a page of that size: the rest
is the forum's own work (routing, session, database queries, rendering, compression). Pages
not from the page cache (signed in, or with it off) are compressed on the fly, at a lower
brotli quality than the cached copy, so the uncached anonymous thread has a baseline of its own. The server, the baselines and autocannon share the machine's
${cpus().length} cores, so autocannon's CPU use also caps every row, the baselines most; two
workers compete with autocannon for those cores too.

"SQL queries" is counted in a separate, untimed request with \`DEBUG_QUERIES=true\`
(Server-Timing): "a → b" means the first request (which makes a cached page) ran a queries,
and the next ones b (the fewer of two: a signed-in request also writes the session's last-seen
time, at most once a minute). A row meets the queries target when b is not above the count
before issue 11's speed work (bench/queries-before.json).

## Which setting to use when

- **Page cache (\`PAGE_CACHE_SECONDS\`, on by default)**: keep it on. A visitor's page from
  the cache runs no SQL query and skips rendering; compare the anonymous thread with and
  without it. \`PAGE_CACHE_SECONDS=0\` is for ruling the cache out while investigating.
- **Memory or Redis (\`CACHE_URL\`)**: for one process, memory (the default): the Redis rows
  next to the memory ones show what the round trip costs. As soon as several processes or
  machines serve the forum, a shared cache is required (Redis, memcached or \`db://\`).
- **SQLite or PostgreSQL**: the rows without the page cache and the signed-in ones are those
  that query the database: on one machine, SQLite unless those rows show PostgreSQL ahead;
  PostgreSQL for several machines.
- **One process or \`--workers 2\`**: the two-worker rows say whether a second core helps
  the pages that take CPU (signed in, uncached) here, where autocannon uses the same two
  cores; on a machine of its own, with the load coming from elsewhere, there is more to gain.
`;
  writeFileSync(file, text);
}
