import { bucketOf, emptyHistogram } from "../shared/latency";
import type { Color, ColorCounters, CounterFlush } from "../shared/schemas";

const FLUSH_INTERVAL_MS = 1000;

type Window = CounterFlush["colors"];

const empty = (): ColorCounters => ({ requests: 0, errors5xx: 0, failovers: 0, latency: emptyHistogram() });

/**
 * Outcomes per color, aggregated in this isolate and handed to the controller at most once a second.
 * Counts are kept apart per flag epoch, so a late flush of the traffic before a switch is never taken
 * for the traffic after it.
 */
export class Counters {
  private id: string | null = null;
  private windows = new Map<number, Window>();
  private windowStart = 0;
  private lastFlush = 0;

  /** Random id of this isolate (created lazily: no randomness allowed at global scope). */
  get isolate(): string {
    this.id ??= crypto.randomUUID();
    return this.id;
  }

  record(epoch: number, color: Color, status: number, latencyMs: number, failedOver: boolean): void {
    if (this.windows.size === 0) this.windowStart = Date.now();
    let w = this.windows.get(epoch);
    if (!w) {
      w = { blue: empty(), green: empty() };
      this.windows.set(epoch, w);
    }
    const c = w[color];
    c.requests++;
    if (status >= 500) c.errors5xx++;
    if (failedOver) c.failovers++;
    const b = bucketOf(latencyMs);
    c.latency[b] = (c.latency[b] ?? 0) + 1;
  }

  /** The batches to send now (one per epoch seen), or none when nothing new or flushed less than a second ago. */
  take(now = Date.now()): CounterFlush[] {
    if (this.windows.size === 0 || now - this.lastFlush < FLUSH_INTERVAL_MS) return [];
    const batches = [...this.windows].map(([epoch, colors]) => ({
      isolate: this.isolate,
      epoch,
      from: this.windowStart,
      to: now,
      colors,
    }));
    this.windows = new Map();
    this.windowStart = now;
    this.lastFlush = now;
    return batches;
  }
}

export const counters = new Counters();
