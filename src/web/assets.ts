import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Assets } from './context.js';

/** dist/public, from the compiled code and from the sources alike. */
export const PUBLIC_DIR = fileURLToPath(new URL('../../dist/public/', import.meta.url));

/** The build writes fingerprinted names to manifest.json; they can be cached forever. */
export function loadAssets(): Assets {
  const manifest = `${PUBLIC_DIR}manifest.json`;
  if (!existsSync(manifest)) {
    throw new Error(`Static assets are not built (${manifest} is missing): run "npm run build" first.`);
  }
  return JSON.parse(readFileSync(manifest, 'utf8')) as Assets;
}
