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

// crc32_combine from zlib: the CRC of A followed by B, from CRC(A), CRC(B)
// and B's length, by multiplying with x^(8·len) in GF(2) (log2(len) steps).
const CRC_POLY = 0xedb88320;

function gf2MatrixTimes(matrix: Uint32Array, vector: number): number {
  let sum = 0;
  for (let i = 0; vector !== 0; i++, vector >>>= 1) if (vector & 1) sum ^= matrix[i]!;
  return sum >>> 0;
}

function gf2MatrixSquare(square: Uint32Array, matrix: Uint32Array): void {
  for (let n = 0; n < 32; n++) square[n] = gf2MatrixTimes(matrix, matrix[n]!);
}

export function crc32Combine(crc1: number, crc2: number, length2: number): number {
  if (length2 <= 0) return crc1 >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = CRC_POLY;
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row;
  gf2MatrixSquare(even, odd); // two zero bits
  gf2MatrixSquare(odd, even); // four zero bits
  let crc = crc1 >>> 0;
  let length = length2;
  // One zero byte the first time round (eight zero bits), doubling each time.
  do {
    gf2MatrixSquare(even, odd);
    if (length & 1) crc = gf2MatrixTimes(even, crc);
    length = Math.floor(length / 2);
    if (length === 0) break;
    gf2MatrixSquare(odd, even);
    if (length & 1) crc = gf2MatrixTimes(odd, crc);
    length = Math.floor(length / 2);
  } while (length !== 0);
  return (crc ^ crc2) >>> 0;
}
