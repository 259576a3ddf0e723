import { html, type SafeHtml } from './html.js';

const UNITS: [number, string][] = [
  [365 * 24 * 3600, 'year'],
  [30 * 24 * 3600, 'month'],
  [7 * 24 * 3600, 'week'],
  [24 * 3600, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
];

export function timeAgo(thenMs: number, nowMs: number): string {
  const seconds = Math.max(0, Math.floor((nowMs - thenMs) / 1000));
  for (const [size, unit] of UNITS) {
    const count = Math.floor(seconds / size);
    if (count >= 1) return `${count} ${unit}${count === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}

/** "3 hours ago" inside a machine-readable <time>. */
export function timeTag(thenMs: number, nowMs: number): SafeHtml {
  return html`<time datetime="${new Date(thenMs).toISOString()}">${timeAgo(thenMs, nowMs)}</time>`;
}
