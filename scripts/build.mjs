// Build: type-checked compile of the server (tsc), the client script (esbuild),
// and fingerprinted, pre-compressed static files with their manifest.
// `--no-check` skips tsc's type check, for callers that run `npm run typecheck`
// anyway (npm test): it checks the same files and the tests besides.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { buildAssets } from './assets.mjs';

const check = !process.argv.includes('--no-check');
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', ...(check ? [] : ['--noCheck'])], {
  stdio: 'inherit',
});
console.log('built', await buildAssets());
