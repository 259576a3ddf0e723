// The client script (esbuild) and stylesheet, fingerprinted and pre-compressed
// in dist/public with their manifest: built once (npm run build) or rebuilt
// on every change (npm run dev).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { build, context } from 'esbuild';

const out = 'dist/public';
const sources = {
  js: { entryPoints: ['src/web/client/main.ts'], bundle: true, minify: true, format: 'esm', target: 'es2020', write: false },
  css: { entryPoints: ['src/web/static/style.css'], bundle: true, minify: true, write: false },
};
const names = { js: 'app', css: 'style' };
// Drawn once (scripts/make-icons.mjs) and committed; fingerprinted like the rest.
const icons = {
  favicon: ['favicon', 'ico'],
  iconSvg: ['icon', 'svg'],
  appleTouchIcon: ['apple-touch-icon', 'png'],
};

function emit(name, ext, contents) {
  const hash = createHash('sha256').update(contents).digest('hex').slice(0, 10);
  const file = `${name}.${hash}.${ext}`;
  if (existsSync(`${out}/${file}`)) return `/static/${file}`; // unchanged: no write, so no restart
  writeFileSync(`${out}/${file}`, contents);
  writeFileSync(`${out}/${file}.gz`, gzipSync(contents, { level: 9 }));
  writeFileSync(`${out}/${file}.br`, brotliCompressSync(contents));
  return `/static/${file}`;
}

function writeManifest(manifest) {
  writeFileSync(`${out}/manifest.json`, JSON.stringify(manifest, null, 2) + '\n');
  writeFileSync(`${out}/robots.txt`, readFileSync('src/web/static/robots.txt'));
}

export async function buildAssets() {
  mkdirSync(out, { recursive: true });
  const manifest = {};
  for (const kind of ['js', 'css']) manifest[kind] = emit(names[kind], kind, (await build(sources[kind])).outputFiles[0].contents);
  for (const [key, [name, ext]] of Object.entries(icons)) manifest[key] = emit(name, ext, readFileSync(`src/web/static/icons/${name}.${ext}`));
  writeManifest(manifest);
  return manifest;
}

/** Builds, then rebuilds what changed and rewrites the manifest; resolves after the first build. */
export async function watchAssets() {
  await buildAssets();
  const manifest = JSON.parse(readFileSync(`${out}/manifest.json`, 'utf8'));
  for (const kind of ['js', 'css']) {
    const rewrite = {
      name: 'manifest',
      setup(build) {
        build.onEnd((result) => {
          if (result.errors.length > 0) return; // esbuild has printed them; keep serving the last good build
          const file = emit(names[kind], kind, result.outputFiles[0].contents);
          if (manifest[kind] === file) return;
          manifest[kind] = file;
          writeManifest(manifest);
          console.log('rebuilt', file);
        });
      },
    };
    await (await context({ ...sources[kind], plugins: [rewrite] })).watch();
  }
}
