import { describe, expect, it } from 'vitest';
import { barChart, niceCeiling, summarise, type ChartPoint } from './chart.js';

const points = (...values: number[]): ChartPoint[] => values.map((value, i) => ({ label: `2026-11-0${i + 1}`, shortLabel: `${i + 1} Nov`, value }));

describe('bar chart', () => {
  it('rounds the scale up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 3, 7, 10, 11, 42, 180, 999].map(niceCeiling)).toEqual([1, 1, 5, 10, 10, 20, 50, 200, 1000]);
  });

  it('sums up the chart in one sentence for screen readers', () => {
    expect(summarise(points(0, 4, 9, 2))).toBe('From 2026-11-01 to 2026-11-04: 15 in all; the most, 9, on 2026-11-03.');
    expect(summarise(points(0, 0))).toBe('From 2026-11-01 to 2026-11-02: none.');
  });

  it('draws one bar per non-zero value, scaled to the top of the chart, with the numbers as a table too', () => {
    const svg = barChart({ id: 'c', title: 'Sign-ups per day', unit: 'Sign-ups', points: points(5, 0, 10) }).value;
    const heights = [...svg.matchAll(/<rect class="bar"[^>]* height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights).toEqual([50, 100]);
    expect(svg).toContain('role="img" aria-labelledby="c-title c-desc"');
    expect(svg).toContain('<title id="c-title">Sign-ups per day</title>');
    expect(svg).toContain('<tr><td>2026-11-02</td><td class="number">0</td></tr>');
    // No inline style: the site's CSP allows none.
    expect(svg).not.toContain('style=');
  });

  it('escapes what it is given', () => {
    const svg = barChart({ id: 'x', title: '<script>', unit: 'a&b', points: points(1) }).value;
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
  });
});
