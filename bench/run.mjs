// `npm run bench`: the demo forum under autocannon load, next to bare node:http
// baselines measured in the same run; prints the table and rewrites bench/RESULTS.md.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_USER, fetchPage, seedDemo, signIn, startForum } from './demo-forum.mjs';
import { measure } from './load.mjs';
import { freePort, startServer } from './processes.mjs';
import { resultsTable, writeResultsFile } from './report.mjs';

const HOST = '127.0.0.1';
const RESULTS_FILE = new URL('RESULTS.md', import.meta.url);
const BASELINE_SERVER = fileURLToPath(new URL('baseline-server.mjs', import.meta.url));

const workDir = mkdtempSync(join(tmpdir(), 'charcha-bench-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));

async function main() {
  const loadBefore = loadavg()[0];
  const forumEnv = { DATA_DIR: join(workDir, 'data'), HOST, PORT: String(await freePort(HOST)), LOG_LEVEL: 'warn', NODE_ENV: 'production' };
  const forum = `http://${HOST}:${forumEnv.PORT}`;
  console.log('seeding the demo database…');
  const threadPath = await seedDemo(forumEnv);
  await startForum(forumEnv, forum);
  const signedIn = { cookie: await signIn(forum) };

  const pages = [
    { name: 'front page, anonymous', path: '/', headers: {} },
    { name: 'front page, signed in', path: '/', headers: signedIn },
    { name: '1,000-comment discussion, anonymous', path: threadPath, headers: {} },
    { name: '1,000-comment discussion, signed in', path: threadPath, headers: signedIn },
  ];
  // The baseline serves each page's exact bytes, saved as page-<index>.
  const pageDir = join(workDir, 'pages');
  mkdirSync(pageDir);
  for (const [index, page] of pages.entries()) {
    page.body = await fetchPage(forum + page.path, page.headers.cookie);
    writeFileSync(join(pageDir, `page-${index}`), page.body);
  }
  const baselinePort = String(await freePort(HOST));
  const baseline = `http://${HOST}:${baselinePort}`;
  await startServer('baseline', [BASELINE_SERVER, pageDir], { HOST, PORT: baselinePort }, baseline);

  console.log('measuring hello world…');
  const results = { hello: await measure(`${baseline}/`), pages: [] };
  for (const [index, page] of pages.entries()) {
    console.log(`measuring ${page.name}…`);
    const sameBytes = await measure(`${baseline}/page-${index}`);
    const forumRun = await measure(forum + page.path, page.headers);
    results.pages.push({ name: page.name, bytes: page.body.length, sameBytes, forum: forumRun });
  }

  console.log(`\n${resultsTable(results)}\n`);
  writeResultsFile(RESULTS_FILE, results, { threadPath, user: DEMO_USER, loadBefore });
  console.log('written to bench/RESULTS.md');
}

// Exit explicitly: the running servers would otherwise keep the bench alive.
main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
