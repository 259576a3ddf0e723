// Pages say when things happened as absolute UTC times (the same bytes for
// every reader, so they can be cached); here they become "3 hours ago", kept
// fresh each minute, with the absolute time left as the tooltip.

const UNITS: [number, string][] = [
  [365 * 24 * 3600, 'year'],
  [30 * 24 * 3600, 'month'],
  [7 * 24 * 3600, 'week'],
  [24 * 3600, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
];

/** "3 hours ago", or "in 2 days" for a moment still to come (a ban's end). */
export function relativeTime(thenMs: number, nowMs: number): string {
  const seconds = Math.floor(Math.abs(nowMs - thenMs) / 1000);
  for (const [size, unit] of UNITS) {
    const count = Math.floor(seconds / size);
    const words = `${count} ${unit}${count === 1 ? '' : 's'}`;
    if (count >= 1) return thenMs > nowMs ? `in ${words}` : `${words} ago`;
  }
  return 'just now';
}

function sayRelatively(): void {
  const now = Date.now();
  for (const time of document.querySelectorAll<HTMLTimeElement>('time[datetime]')) {
    const then = Date.parse(time.dateTime);
    if (Number.isNaN(then)) continue;
    if (!time.title) time.title = time.textContent ?? '';
    time.textContent = relativeTime(then, now);
  }
}

export function startRelativeTimes(): void {
  sayRelatively();
  setInterval(sayRelatively, 60_000);
}
