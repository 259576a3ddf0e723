import { afterHit, type Hit, type LimitRecord, type LimitRule, type LimitStore } from './limit-store.js';

const SWEEP_EVERY_MS = 60_000;

/** Limits of this process alone: right for one app process, too lenient for several. */
export class MemoryLimitStore implements LimitStore {
  private readonly records = new Map<string, LimitRecord>();
  private nextSweepAt = 0;

  async hit(key: string, rule: LimitRule, now: number): Promise<Hit> {
    this.sweep(now);
    const { record, admitted } = afterHit(this.records.get(key), rule, now);
    this.records.set(key, record);
    return { admitted, count: record.count, blockedUntil: record.blockedUntil };
  }

  async undoHit(key: string): Promise<void> {
    const record = this.records.get(key);
    if (record && record.count > 0) this.records.set(key, { ...record, count: record.count - 1, blockedUntil: 0 });
  }

  async clear(key: string): Promise<void> {
    this.records.delete(key);
  }

  async close(): Promise<void> {
    this.records.clear();
  }

  /** Drops forgotten records now and then, so keys an attacker makes up do not pile up. */
  private sweep(now: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + SWEEP_EVERY_MS;
    for (const [key, record] of this.records) if (now >= record.resetAt) this.records.delete(key);
  }

  /** How many records are kept (tests watch the sweep with it). */
  get size(): number {
    return this.records.size;
  }
}
