import { describe, expect, test } from "vitest";
import { type CounterFlush, emptyHistogram } from "../../shared/index";
import { KEEP_SECONDS, Traffic } from "./traffic";

const T0 = Date.UTC(2026, 10, 1);

/** One isolate's report for second `s` (from T0): `requests` to blue, one of them a 5xx. */
function report(isolate: number, s: number, requests = 3): CounterFlush {
  const latency = emptyHistogram();
  latency[0] = requests;
  // Isolates flush at their own moment within the second.
  const to = T0 + s * 1000 + ((isolate * 37) % 1000);
  return {
    isolate: `isolate-${isolate}`,
    epoch: 1,
    from: to - 1000,
    to,
    colors: {
      blue: { requests, errors5xx: 1, failovers: 0, latency },
      green: { requests: 0, errors5xx: 0, failovers: 0, latency: emptyHistogram() },
    },
  };
}

describe("Traffic: bounded per-second series", () => {
  test("many isolates reporting late and out of order: one bucket per second, at most KEEP_SECONDS, nothing double-counted", () => {
    const traffic = new Traffic();
    const isolates = 20;
    const seconds = KEEP_SECONDS + 400;
    for (let s = 0; s < seconds; s++) {
      // Each second, every isolate reports; a third of them only a few seconds later, in reverse order.
      const late = (i: number) => i % 3 === 0;
      for (let i = 0; i < isolates; i++) if (!late(i)) traffic.add(report(i, s));
      if (s >= 3) for (let i = isolates - 1; i >= 0; i--) if (late(i)) traffic.add(report(i, s - 3));
    }
    const now = T0 + seconds * 1000;
    const points = traffic.points("blue", seconds * 2, now);
    expect(points.length).toBeLessThanOrEqual(KEEP_SECONDS);
    expect(new Set(points.map((p) => p.t)).size).toBe(points.length);
    expect(points.map((p) => p.t)).toEqual([...points.map((p) => p.t)].sort((a, b) => a - b));
    // Every second old enough for the late reports to be in has all of them, once.
    const complete = points.filter((p) => p.t <= now - 5000);
    expect(complete.length).toBeGreaterThan(KEEP_SECONDS - 10);
    for (const p of complete) expect(p).toMatchObject({ requests: isolates * 3, errors5xx: isolates });
    expect(traffic.points("green", seconds * 2, now)).toEqual([]);
  });

  test("a report older than the window is dropped and does not come back as an old second", () => {
    const traffic = new Traffic();
    traffic.add(report(1, 1000));
    traffic.add(report(2, 1000 - KEEP_SECONDS - 5));
    const points = traffic.points("blue", KEEP_SECONDS * 3, T0 + 1001 * 1000);
    expect(points.map((p) => p.t)).toEqual([T0 + 1000 * 1000]);
    expect(traffic.latest("blue")).toMatchObject({ t: T0 + 1000 * 1000, requests: 3 });
  });
});
