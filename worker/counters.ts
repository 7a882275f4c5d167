import { bucketOf, emptyHistogram } from "../shared/latency";
import type { Color, ColorCounters, CounterFlush } from "../shared/schemas";

const FLUSH_INTERVAL_MS = 1000;

const empty = (): ColorCounters => ({ requests: 0, errors5xx: 0, failovers: 0, latency: emptyHistogram() });

/** Outcomes per color, aggregated in this isolate and handed to the controller at most once a second. */
export class Counters {
  private id: string | null = null;
  private colors = { blue: empty(), green: empty() };
  private windowStart = 0;
  private lastFlush = 0;
  private dirty = false;

  /** Random id of this isolate (created lazily: no randomness allowed at global scope). */
  get isolate(): string {
    this.id ??= crypto.randomUUID();
    return this.id;
  }

  record(color: Color, status: number, latencyMs: number, failedOver: boolean): void {
    if (this.windowStart === 0) this.windowStart = Date.now();
    const c = this.colors[color];
    c.requests++;
    if (status >= 500) c.errors5xx++;
    if (failedOver) c.failovers++;
    const b = bucketOf(latencyMs);
    c.latency[b] = (c.latency[b] ?? 0) + 1;
    this.dirty = true;
  }

  /** The batch to send now, or null when nothing new or flushed less than a second ago. */
  take(now = Date.now()): CounterFlush | null {
    if (!this.dirty || now - this.lastFlush < FLUSH_INTERVAL_MS) return null;
    const batch: CounterFlush = { isolate: this.isolate, from: this.windowStart, to: now, colors: this.colors };
    this.colors = { blue: empty(), green: empty() };
    this.windowStart = now;
    this.lastFlush = now;
    this.dirty = false;
    return batch;
  }
}

export const counters = new Counters();
