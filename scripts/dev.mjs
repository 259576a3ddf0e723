// npm run dev: the server restarts on every change, without a full rebuild.
// tsc --watch recompiles only what changed into dist/ (type errors are
// printed, the code is emitted anyway), esbuild rebuilds the client script
// and stylesheet with a new manifest, and node --watch-path restarts the
// server whenever dist/ changes. Arguments go to `charcha serve`.
import { spawn } from 'node:child_process';
import { watchAssets } from './assets.mjs';

const children = [];
function run(args, options = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  children.push(child);
  // One part ending ends the others: a dev loop that silently stopped rebuilding would mislead.
  child.on('exit', (code) => stop(code ?? 1));
  return child;
}
function stop(code) {
  for (const child of children) child.kill();
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

await watchAssets();
const tsc = run(['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--watch', '--preserveWatchOutput'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
// Start the server once the first compile is out ("Found N errors. Watching for file changes.").
tsc.stdout.on('data', function firstCompile(chunk) {
  process.stdout.write(chunk);
  if (!String(chunk).includes('Watching for file changes')) return;
  tsc.stdout.off('data', firstCompile);
  tsc.stdout.pipe(process.stdout);
  run(['--watch-path=dist', '--watch-preserve-output', 'dist/cli.js', 'serve', ...process.argv.slice(2)]);
});
