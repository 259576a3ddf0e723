import { describe, expect, it } from 'vitest';
import { hotness, wilsonLowerBound } from './ranking.js';
import { parseLink } from './links.js';
import { renderMarkdown } from './markdown.js';

const HOUR = 3_600_000;

describe('hotness', () => {
  it('prefers more votes at the same age, and newer posts at the same score', () => {
    const t = Date.UTC(2026, 0, 1);
    expect(hotness(10, t)).toBeGreaterThan(hotness(2, t));
    expect(hotness(2, t + HOUR)).toBeGreaterThan(hotness(2, t));
    expect(hotness(-5, t)).toBeLessThan(hotness(0, t));
  });

  it('decays: a day-old post needs far more votes than a fresh one', () => {
    const t = Date.UTC(2026, 0, 2);
    expect(hotness(1, t)).toBeGreaterThan(hotness(50, t - 24 * HOUR));
    expect(hotness(200, t - 24 * HOUR)).toBeGreaterThan(hotness(1, t));
  });
});

describe('wilsonLowerBound', () => {
  it('ranks a well-supported comment over a single upvote, and no votes last among positives', () => {
    expect(wilsonLowerBound(10, 1)).toBeGreaterThan(wilsonLowerBound(1, 0));
    expect(wilsonLowerBound(1, 0)).toBeGreaterThan(wilsonLowerBound(0, 0));
    expect(wilsonLowerBound(0, 5)).toBe(0);
  });
});

describe('parseLink', () => {
  it('accepts http(s) only', () => {
    expect(parseLink('javascript:alert(1)')).toBeNull();
    expect(parseLink('ftp://example.com/x')).toBeNull();
    expect(parseLink('not a url')).toBeNull();
    expect(parseLink('https://example.com/a')?.domain).toBe('example.com');
  });

  it('gives one key to the same page however it is written', () => {
    const a = parseLink('https://www.Example.com/story/?utm_source=x&b=2&a=1#top')!;
    const b = parseLink('http://example.com/story?a=1&b=2')!;
    expect(a.key).toBe(b.key);
    expect(parseLink('https://example.com/other')!.key).not.toBe(a.key);
  });
});

describe('renderMarkdown', () => {
  it('renders markdown, drops raw HTML and dangerous links, marks links nofollow', () => {
    const out = renderMarkdown('**hi** <script>alert(1)</script> [x](javascript:alert(1)) https://example.com');
    expect(out).toContain('<strong>hi</strong>');
    expect(out).not.toContain('<script');
    expect(out).not.toContain('href="javascript');
    expect(out).toContain('<a href="https://example.com" rel="nofollow ugc noopener">');
  });
});
