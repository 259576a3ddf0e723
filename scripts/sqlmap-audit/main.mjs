// `npm run audit:sqlmap`: sqlmap against every route that takes input, on the
// built server (dist/) over a throwaway SQLite database, signed in, with the
// rate limits relaxed so its requests reach the handlers. Fails when sqlmap
// finds an injectable parameter or cannot conclude, when a route's handler
// received none of its requests, or when the whole run exceeds its budget.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startForumServer } from './forum-server.mjs';
import { SQLMAP_OPTIONS, runSqlmap } from './sqlmap.mjs';
import { prepareTargets } from './targets.mjs';

/* global AbortSignal */

const BUDGET_MS = 10 * 60_000;
// Two cores: two sqlmap processes keep the server busy without starving it.
const PARALLEL_RUNS = 2;

async function main() {
  const version = spawnSync('sqlmap', ['--version'], { encoding: 'utf8' });
  if (version.error) throw new Error('sqlmap is not installed (apt-get install sqlmap)');
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'charcha-sqlmap-'));
  const server = await startForumServer(dir, { RATE_LIMIT_SCALE: '100000' });
  try {
    const targets = await prepareTargets(server.origin);
    const budget = AbortSignal.timeout(BUDGET_MS - (Date.now() - started));
    const queue = [...targets];
    const results = [];
    const worker = async () => {
      for (let target = queue.shift(); target; target = queue.shift()) {
        // Runs of one host share sqlmap's session file unless their output directories differ.
        const outputDir = join(dir, `sqlmap-${targets.indexOf(target)}`);
        results.push(await runSqlmap(target, { origin: server.origin, outputDir, signal: budget }));
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_RUNS }, worker));
    const elapsed = Date.now() - started;
    return report(results, server.routes, /^\d\S*/m.exec(version.stdout)?.[0] ?? '?', elapsed);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints the table; returns the exit code. */
function report(results, routes, version, elapsedMs) {
  const problems = [];
  const rows = results
    .sort((a, b) => a.target.route.localeCompare(b.target.route))
    .map(({ target, tested, hints, finding, seconds, output }) => {
      const { received = 0, reached = 0 } = routes.get(target.route) ?? {};
      if (finding) problems.push(`${target.route}: ${finding}\n${output.split('\n').slice(-30).join('\n')}`);
      if (reached === 0) problems.push(`${target.route}: no request reached the handler`);
      if (hints.length) console.log(`note: sqlmap's first heuristic flagged ${hints.join(', ')} (${target.route}); its full tests decide`);
      return [target.route, String(received), String(reached), `${seconds.toFixed(0)} s`, tested.join(', '), finding ?? 'nothing found'];
    });
  const header = ['route', 'requests', 'reached handler', 'time', 'places tested', 'sqlmap'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(`\nSQL injection audit: sqlmap ${version} ${SQLMAP_OPTIONS.join(' ')}, ${results.length} runs, ${(elapsedMs / 1000).toFixed(0)} s in all`);
  console.log('(requests: as counted by the server, including the form pages sqlmap fetched for fresh _csrf tokens;');
  console.log(' reached handler: past the CSRF check, the schemas and the sign-in guard)\n');
  console.log([line(header), ...rows.map(line)].join('\n'));
  if (elapsedMs > BUDGET_MS) problems.push(`the audit took longer than its ${BUDGET_MS / 60_000} minute budget`);
  if (problems.length === 0) {
    console.log('\nNo injectable parameter found.');
    return 0;
  }
  console.error(`\nAUDIT FAILED:\n${problems.join('\n\n')}`);
  return 1;
}

main().then(
  (code) => (process.exitCode = code),
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
