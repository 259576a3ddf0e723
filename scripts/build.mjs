// Build: type-checked compile of the server (tsc), the client script (esbuild),
// and fingerprinted, pre-compressed static files with their manifest.
// `--no-check` skips tsc's type check, for callers that run `npm run typecheck`
// anyway (npm test): it checks the same files and the tests besides.
const check = !process.argv.includes('--no-check');
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const out = 'dist/public';
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', ...(check ? [] : ['--noCheck'])], {
  stdio: 'inherit',
});
mkdirSync(out, { recursive: true });

const client = await build({
  entryPoints: ['src/web/client/main.ts'],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  write: false,
});
const css = await build({ entryPoints: ['src/web/static/style.css'], bundle: true, minify: true, write: false });

function emit(name, ext, contents) {
  const hash = createHash('sha256').update(contents).digest('hex').slice(0, 10);
  const file = `${name}.${hash}.${ext}`;
  writeFileSync(`${out}/${file}`, contents);
  writeFileSync(`${out}/${file}.gz`, gzipSync(contents, { level: 9 }));
  writeFileSync(`${out}/${file}.br`, brotliCompressSync(contents));
  return `/static/${file}`;
}

const manifest = {
  js: emit('app', 'js', client.outputFiles[0].contents),
  css: emit('style', 'css', css.outputFiles[0].contents),
};
writeFileSync(`${out}/manifest.json`, JSON.stringify(manifest, null, 2) + '\n');
writeFileSync(`${out}/robots.txt`, readFileSync('src/web/static/robots.txt'));
console.log('built', manifest);
