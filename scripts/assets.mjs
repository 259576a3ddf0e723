// The client script (esbuild) and stylesheet, fingerprinted and pre-compressed
// in dist/public with their manifest, and the service worker that precaches
// them: built once (npm run build) or rebuilt on every change (npm run dev).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { build, context } from 'esbuild';
import { injectManifest } from 'workbox-build';

let out = 'dist/public';
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
  icon192: ['icon-192', 'png'],
  icon512: ['icon-512', 'png'],
  iconMaskable: ['icon-maskable-512', 'png'],
};
// What the offline page (/offline/, precached by URL) is made of besides the assets: a change
// to these gives it a new revision, so the worker fetches it again.
const offlinePageSources = ['src/web/layout.ts', 'src/web/pwa.ts'];

const sha256 = (contents) => createHash('sha256').update(contents).digest('hex');

function writeCompressed(file, contents) {
  writeFileSync(`${out}/${file}`, contents);
  writeFileSync(`${out}/${file}.gz`, gzipSync(contents, { level: 9 }));
  writeFileSync(`${out}/${file}.br`, brotliCompressSync(contents));
}

function emit(name, ext, contents) {
  const file = `${name}.${sha256(contents).slice(0, 10)}.${ext}`;
  if (existsSync(`${out}/${file}`)) return `/static/${file}`; // unchanged: no write, so no restart
  writeCompressed(file, contents);
  return `/static/${file}`;
}

/**
 * /sw.js: src/web/sw/sw.ts bundled, then Workbox's injectManifest puts the precache list in
 * it: every file of this build's manifest (hashed: cached as named, never revalidated) and
 * the offline page. Not fingerprinted (browsers look for it at one URL, served no-cache):
 * its bytes change whenever an asset does, and that is how browsers find a new version.
 */
async function buildWorker(manifest) {
  const bundled = await build({
    entryPoints: ['src/web/sw/sw.ts'],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    write: false,
    // Workbox's modules log in development builds only.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const dir = mkdtempSync(join(tmpdir(), 'charcha-sw-'));
  try {
    const swSrc = join(dir, 'sw.js');
    writeFileSync(swSrc, bundled.outputFiles[0].contents);
    const files = Object.values(manifest).map((url) => url.slice('/static/'.length));
    const offlineRevision = sha256([JSON.stringify(manifest), ...offlinePageSources.map((f) => readFileSync(f, 'utf8'))].join('\n')).slice(0, 16);
    const { warnings } = await injectManifest({
      swSrc,
      swDest: join(dir, 'sw.out.js'),
      globDirectory: out,
      globPatterns: files,
      modifyURLPrefix: { '': '/static/' },
      dontCacheBustURLsMatching: /\.[0-9a-f]{10}\.[a-z]+$/,
      additionalManifestEntries: [{ url: '/offline/', revision: offlineRevision }],
    });
    if (warnings.length > 0) throw new Error(`service worker build: ${warnings.join('; ')}`);
    writeCompressed('sw.js', readFileSync(join(dir, 'sw.out.js')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function writeManifest(manifest) {
  await buildWorker(manifest);
  writeFileSync(`${out}/manifest.json`, JSON.stringify(manifest, null, 2) + '\n');
  writeFileSync(`${out}/robots.txt`, readFileSync('src/web/static/robots.txt'));
}

/**
 * Builds into dist/public, or into `options.out` (a test ships a second version of the app
 * this way); `options.cssBanner` is prepended to the stylesheet (which changes its hash).
 */
export async function buildAssets(options = {}) {
  out = options.out ?? out;
  mkdirSync(out, { recursive: true });
  const manifest = {};
  const builds = { js: sources.js, css: { ...sources.css, banner: options.cssBanner ? { css: options.cssBanner } : undefined } };
  for (const kind of ['js', 'css']) manifest[kind] = emit(names[kind], kind, (await build(builds[kind])).outputFiles[0].contents);
  for (const [key, [name, ext]] of Object.entries(icons)) manifest[key] = emit(name, ext, readFileSync(`src/web/static/icons/${name}.${ext}`));
  await writeManifest(manifest);
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
          writeManifest(manifest).then(
            () => console.log('rebuilt', file),
            (err) => console.error(err),
          );
        });
      },
    };
    await (await context({ ...sources[kind], plugins: [rewrite] })).watch();
  }
  // The worker's own source: a change to it rebuilds /sw.js (with the same precache list).
  const worker = {
    name: 'worker',
    setup(build) {
      build.onEnd((result) => {
        if (result.errors.length === 0) writeManifest(manifest).catch((err) => console.error(err));
      });
    },
  };
  await (await context({ entryPoints: ['src/web/sw/sw.ts'], bundle: true, write: false, plugins: [worker] })).watch();
}
