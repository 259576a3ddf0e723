// Tells the reverse proxies in front (PURGE_URL, e.g. deploy/varnish.vcl) to
// drop the pages that showed what a write changed: one BAN request per proxy
// naming the families, which the proxy matches against each stored page's
// X-Cache-Families header.
import type { Purger } from './changes.js';

/** Long enough for a proxy on the same network, short enough that a write is never held up for long. */
const BAN_TIMEOUT_MS = 2_000;

export class HttpPurger implements Purger {
  constructor(
    private readonly urls: readonly string[],
    private readonly timeoutMs = BAN_TIMEOUT_MS,
  ) {}

  /** Resolves when every proxy accepted the ban; else rejects naming those that did not (Changes logs it). */
  async ban(families: readonly string[]): Promise<void> {
    const results = await Promise.allSettled(this.urls.map((url) => this.banAt(url, families)));
    const failures = results.flatMap((result, i) => (result.status === 'rejected' ? [`${this.urls[i]}: ${String(result.reason)}`] : []));
    if (failures.length > 0) throw new Error(`BAN failed at ${failures.join('; ')}`);
  }

  private async banAt(url: string, families: readonly string[]): Promise<void> {
    const response = await fetch(url, {
      method: 'BAN',
      headers: { 'X-Ban-Families': families.join(' ') },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`answered ${response.status}`);
  }
}
