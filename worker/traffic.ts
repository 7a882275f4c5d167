import { COLORS, type Color, type CounterFlush, emptyHistogram, histogramQuantile, type TrafficPoint } from "../shared";

const KEEP_SECONDS = 600;
/** Seconds of history sent to the dashboard in a state snapshot. */
export const SERIES_SECONDS = 300;

interface Bucket {
  t: number;
  requests: number;
  errors5xx: number;
  failovers: number;
  latency: number[];
}

const toPoint = (b: Bucket): TrafficPoint => ({
  t: b.t,
  requests: b.requests,
  errors5xx: b.errors5xx,
  failovers: b.failovers,
  p95Ms: histogramQuantile(b.latency, 0.95),
});

/** Per-second totals of what the routers reported, per color (in memory: live view, not a record). */
export class Traffic {
  private series: Record<Color, Bucket[]> = { blue: [], green: [] };

  add(batch: CounterFlush): void {
    const t = Math.floor(batch.to / 1000) * 1000;
    for (const color of COLORS) {
      const c = batch.colors[color];
      if (c.requests === 0) continue;
      const list = this.series[color];
      let b = list.at(-1);
      if (!b || b.t !== t) {
        b = { t, requests: 0, errors5xx: 0, failovers: 0, latency: emptyHistogram() };
        list.push(b);
        list.sort((x, y) => x.t - y.t);
      }
      b.requests += c.requests;
      b.errors5xx += c.errors5xx;
      b.failovers += c.failovers;
      c.latency.forEach((n, i) => {
        (b as Bucket).latency[i] = ((b as Bucket).latency[i] ?? 0) + n;
      });
      while (list.length && (list[0]?.t ?? 0) < t - KEEP_SECONDS * 1000) list.shift();
    }
  }

  points(color: Color, seconds = SERIES_SECONDS, now = Date.now()): TrafficPoint[] {
    return this.series[color].filter((b) => b.t >= now - seconds * 1000).map(toPoint);
  }

  latest(color: Color): TrafficPoint | null {
    const b = this.series[color].at(-1);
    return b ? toPoint(b) : null;
  }
}
