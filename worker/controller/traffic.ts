import {
  COLORS,
  type Color,
  type CounterFlush,
  emptyHistogram,
  histogramQuantile,
  type TrafficPoint,
} from "../../shared/index";

/** Seconds of history kept: at most this many buckets per color. */
export const KEEP_SECONDS = 600;
/** Seconds of history sent to the dashboard in a state snapshot. */
export const SERIES_SECONDS = 300;

interface Bucket {
  t: number;
  requests: number;
  errors5xx: number;
  failovers: number;
  ejections: number;
  latency: number[];
}

const toPoint = (b: Bucket): TrafficPoint => ({
  t: b.t,
  requests: b.requests,
  errors5xx: b.errors5xx,
  failovers: b.failovers,
  ejections: b.ejections,
  p95Ms: histogramQuantile(b.latency, 0.95),
});

/**
 * Per-second totals of what the routers reported, per color (in memory: live view, not a record).
 * Bounded: one bucket per second per color, for the last KEEP_SECONDS. Many isolates report the same
 * second, and late or out of order; they add into that second's bucket.
 */
export class Traffic {
  private series: Record<Color, Bucket[]> = { blue: [], green: [] };

  add(batch: CounterFlush): void {
    const t = Math.floor(batch.to / 1000) * 1000;
    for (const color of COLORS) {
      const c = batch.colors[color];
      if (c.requests === 0 && !c.ejections) continue;
      const b = this.bucket(this.series[color], t);
      if (!b) continue;
      b.requests += c.requests;
      b.errors5xx += c.errors5xx;
      b.failovers += c.failovers;
      b.ejections += c.ejections ?? 0;
      c.latency.forEach((n, i) => {
        b.latency[i] = (b.latency[i] ?? 0) + n;
      });
    }
  }

  /** The bucket of second `t` in `list` (sorted by t), made if needed; null when t is older than the window. */
  private bucket(list: Bucket[], t: number): Bucket | null {
    const newest = Math.max(t, list.at(-1)?.t ?? t);
    if (t <= newest - KEEP_SECONDS * 1000) return null;
    // Reports are for the latest seconds: search from the end.
    let i = list.length;
    while (i > 0 && (list[i - 1]?.t ?? 0) > t) i--;
    const found = list[i - 1];
    if (found?.t === t) return found;
    const b: Bucket = { t, requests: 0, errors5xx: 0, failovers: 0, ejections: 0, latency: emptyHistogram() };
    list.splice(i, 0, b);
    while ((list[0]?.t ?? newest) <= newest - KEEP_SECONDS * 1000) list.shift();
    return b;
  }

  points(color: Color, seconds = SERIES_SECONDS, now = Date.now()): TrafficPoint[] {
    return this.series[color].filter((b) => b.t >= now - seconds * 1000).map(toPoint);
  }

  latest(color: Color): TrafficPoint | null {
    const b = this.series[color].at(-1);
    return b ? toPoint(b) : null;
  }
}
