import { gunzipSync, crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32Combine, deflatePart, gzipFromParts } from './gzip-parts.js';

describe('gzip from parts', () => {
  it('combines CRC-32s as if computed over the whole', () => {
    for (const [a, b] of [['', 'x'], ['hello ', 'world'], ['a'.repeat(100_000), 'b'.repeat(77_777)], ['x', '']]) {
      expect(crc32Combine(crc32(a!), crc32(b!), Buffer.byteLength(b!))).toBe(crc32(a! + b!));
    }
  });

  it('joins parts compressed apart, at any level, into one body any gzip reader decodes', () => {
    const texts = ['<p>head</p>', 'repeated '.repeat(5000), '', 'ünïcödé ✓ '.repeat(300), '<p>tail</p>'];
    const parts = texts.map((text, i) => deflatePart(text, i % 2 === 0 ? 1 : 9));
    const body = gzipFromParts(parts);
    expect(gunzipSync(body).toString()).toBe(texts.join(''));
    // Reordered parts are another valid body: nothing refers across a part.
    expect(gunzipSync(gzipFromParts([...parts].reverse())).toString()).toBe([...texts].reverse().join(''));
    expect(body.length).toBeLessThan(Buffer.byteLength(texts.join('')) / 10);
  });
});
