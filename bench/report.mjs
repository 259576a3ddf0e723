// The results as a Markdown table, and bench/RESULTS.md around it.
import { arch, cpus, loadavg, release, totalmem, type } from 'node:os';
import { writeFileSync } from 'node:fs';
import { LOAD_SETTINGS } from './load.mjs';

const integer = (n) => Math.round(n).toLocaleString('en-US');
const ratio = (n) => n.toPrecision(2);

/**
 * `hello` is the hello-world measurement; each page has its `bytes`, the bare
 * server sending those bytes (`sameBytes`) and the forum serving the page (`forum`).
 */
export function resultsTable({ hello, pages }) {
  const row = (page, server, bytes, run, sameBytes) =>
    `| ${page} | ${integer(bytes)} | ${server} | ${integer(run.requestsPerSecond)} | ${run.p99Ms < 1 ? '<1' : run.p99Ms} | ` +
    `${ratio(run.requestsPerSecond / hello.requestsPerSecond)} | ${sameBytes ? ratio(run.requestsPerSecond / sameBytes.requestsPerSecond) : ''} |`;
  return [
    '| page | bytes | served by | req/s | p99 ms | ÷ hello-world | ÷ same bytes |',
    '|---|--:|---|--:|--:|--:|--:|',
    row('hello world', 'node:http', 'hello world'.length, hello),
    ...pages.flatMap(({ name, bytes, sameBytes, forum }) => [
      row(name, 'node:http, bytes from memory', bytes, sameBytes, sameBytes),
      row(name, '**Charcha**', bytes, forum, sameBytes),
    ]),
  ].join('\n');
}

function machine() {
  const cores = cpus();
  const memoryGiB = (totalmem() / 2 ** 30).toFixed(1);
  return `${cores[0].model}, ${cores.length} cores, ${memoryGiB} GiB memory, ${type()} ${release()} ${arch()}`;
}

/** `loadBefore`: the 1-minute load average before the bench started loading anything. */
export function writeResultsFile(file, results, { threadPath, user, loadBefore }) {
  const { connections, pipelining, warmupSeconds, durationSeconds } = LOAD_SETTINGS;
  const text = `# Benchmark results

Written by \`npm run bench\` (bench/run.mjs); run it again to replace this file.

- Date: ${new Date().toISOString()}
- Node: ${process.version}
- Machine: ${machine()}
- 1-minute load average: ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} at the end (the bench itself adds about 2; more means other work shared the CPUs)
- Load: autocannon, ${connections} connections, pipelining ${pipelining}, ${warmupSeconds} s warm-up then ${durationSeconds} s per row, one row at a time
- Forum: \`NODE_ENV=production\`, SQLite, \`seed --demo\` data; the discussion is ${threadPath} (1,000 comments; its first page, as the forum pages long threads); "signed in" sends the session cookie of ${user}

${resultsTable(results)}

## How to read it

Only the ratios mean anything beyond this run: absolute requests/s depend on the machine
and on what else it was doing. "÷ hello-world" is the forum's throughput as a fraction of a
bare \`node:http\` server answering "hello world", the most a Node process can do per request here.
"÷ same bytes" compares with a bare \`node:http\` server sending that very page from memory
(with fewer headers), the limit for a page of that size: the rest is the forum's own work
(routing, database queries, rendering). The server, the baselines and autocannon share the
machine's ${cpus().length} cores, so autocannon's CPU use also caps every row, the baselines most.
`;
  writeFileSync(file, text);
}
