// A gzip body assembled from parts compressed at different times: the parts
// a page shares with every reader compressed once, the reader's own parts
// compressed per request. Each part is raw deflate ended by a full flush
// (byte-aligned, and no back-reference reaches across it), so parts can be
// joined in any order into one valid deflate stream (RFC 1951); the gzip
// trailer's CRC-32 of the whole is combined from the parts' own.
import { constants, crc32, deflateRawSync } from 'node:zlib';

export interface DeflatePart {
  bytes: Buffer;
  /** CRC-32 and length of the uncompressed text, for the trailer. */
  crc: number;
  length: number;
}

export function deflatePart(text: string, level: number): DeflatePart {
  const bytes = Buffer.from(text);
  return { bytes: deflateRawSync(bytes, { level, finishFlush: constants.Z_FULL_FLUSH }), crc: crc32(bytes), length: bytes.length };
}

// gzip, deflate, no flags, no time, no extra flags, unknown OS (RFC 1952).
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
// An empty final block with fixed codes: ends the deflate stream.
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

/** One gzip member holding the parts' texts, in order. */
export function gzipFromParts(parts: readonly DeflatePart[]): Buffer {
  let crc = 0;
  let length = 0;
  for (const part of parts) {
    crc = crc32Combine(crc, part.crc, part.length);
    length += part.length;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  return Buffer.concat([GZIP_HEADER, ...parts.map((p) => p.bytes), FINAL_BLOCK, trailer]);
}

// crc32_combine as zlib 1.2.12 does it: CRC(A·B) = CRC(A)·x^(8·len(B)) + CRC(B)
// in GF(2) modulo the CRC polynomial, with x^(2^k) taken from a table made
// once, so a combine costs a few dozen multiplications, not matrix squarings.
const CRC_POLY = 0xedb88320;

/** a·b modulo the polynomial (bit-reflected, as CRC-32 keeps them). */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ CRC_POLY : b >>> 1;
  }
  return p >>> 0;
}

/** x^(2^k) modulo the polynomial, k = 0…31. */
const X2N = new Uint32Array(32);
X2N[0] = 0x40000000; // x^1
for (let k = 1; k < 32; k++) X2N[k] = multModP(X2N[k - 1]!, X2N[k - 1]!);

/** x^(n·2^k) modulo the polynomial. */
function x2nModP(n: number, k: number): number {
  let p = 0x80000000; // x^0
  for (; n > 0; n = Math.floor(n / 2), k++) if (n % 2 === 1) p = multModP(X2N[k & 31]!, p);
  return p;
}

export function crc32Combine(crc1: number, crc2: number, length2: number): number {
  return (multModP(x2nModP(length2, 3), crc1 >>> 0) ^ crc2) >>> 0;
}
