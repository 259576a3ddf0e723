// Compressing HTML: which encoding a client takes, and the two ways we make
// it (thorough once for a cached page, quick for a page made per request).
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export type Encoding = 'br' | 'gzip' | 'identity';

/** Below this a page goes as it is: compressing would save less than its headers. */
export const COMPRESS_MIN_BYTES = 1024;

/** The weights an Accept-Encoding header gives, by encoding (`*` included). */
function acceptedWeights(acceptEncoding: string | undefined): Map<string, number> {
  const accepted = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim());
    if (!name) continue;
    const q = params.find((p) => p.startsWith('q='));
    const weight = q ? Number(q.slice(2)) : 1;
    accepted.set(name, Number.isFinite(weight) ? weight : 0);
  }
  return accepted;
}

const takes = (accepted: Map<string, number>, encoding: 'br' | 'gzip') => (accepted.get(encoding) ?? accepted.get('*') ?? 0) > 0;

/** Whether the client takes this encoding (named, or by `*`; `;q=0` refuses). */
export function acceptsEncoding(acceptEncoding: string | undefined, encoding: 'br' | 'gzip'): boolean {
  return takes(acceptedWeights(acceptEncoding), encoding);
}

/** Accept-Encoding headers already read: browsers send a handful of spellings, so each is parsed once. */
const negotiated = new Map<string, Encoding>();
const NEGOTIATED_MAX = 64;

/** The encoding to send: brotli, then gzip, when the client takes it. */
export function negotiateEncoding(acceptEncoding: string | undefined): Encoding {
  const header = acceptEncoding ?? '';
  let encoding = negotiated.get(header);
  if (encoding) return encoding;
  const accepted = acceptedWeights(header);
  encoding = takes(accepted, 'br') ? 'br' : takes(accepted, 'gzip') ? 'gzip' : 'identity';
  // Any client can send any spelling: a full table starts again rather than grow.
  if (negotiated.size >= NEGOTIATED_MAX) negotiated.clear();
  negotiated.set(header, encoding);
  return encoding;
}

/**
 * Once per cached page: brotli at quality 6 and gzip at level 9 (3 ms each
 * for a 229 KB page). Quality 11 saves 15 % more but takes 200 times as long.
 */
export function compressForCache(body: Buffer): { br: Buffer; gzip: Buffer } {
  return {
    br: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 6, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
    gzip: gzipSync(body, { level: 9 }),
  };
}

/**
 * Per request: the fastest settings (brotli quality 1, gzip level 1). A
 * 1,000-comment page (229 KB) takes under a millisecond and still goes in
 * 15–17 KB; quality 4 saves 3 KB more at twice the time (docs/decisions.md).
 */
export function compressNow(body: Buffer, encoding: Exclude<Encoding, 'identity'>): Buffer {
  return encoding === 'br'
    ? brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } })
    : gzipSync(body, { level: 1 });
}
