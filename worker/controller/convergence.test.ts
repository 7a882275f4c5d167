import { describe, expect, test } from "vitest";
import { type CounterFlush, emptyHistogram } from "../../shared";
import { advance, convergenceView, observe, startConvergence } from "./convergence";

const SINCE = 1_000_000;
const flag = { color: "green" as const, epoch: 2, deploymentId: null, updatedAt: "" };
const counts = (requests: number) => ({ requests, errors5xx: 0, failovers: 0, latency: emptyHistogram() });
const batch = (epoch: number, from: number, to: number, requests: number): CounterFlush => ({
  isolate: "i",
  epoch,
  from,
  to,
  colors: { blue: counts(requests), green: counts(0) },
});

/**
 * Routers sending 5 requests a second each and flushing once a second (at staggered phases), router i
 * moving to the new epoch `moveAt(i)` ms after the switch; the batches arrive 5 ms after each flush.
 */
function simulate(routers: number, moveAt: (i: number) => number, untilMs = 8000) {
  const r = startConvergence(flag, SINCE);
  for (let t = SINCE - 2000; t <= SINCE + untilMs; t += 50) {
    for (let i = 0; i < routers; i++) {
      const phase = (i * 1000) / routers;
      if (Math.floor((t - phase) / 1000) === Math.floor((t - 50 - phase) / 1000)) continue;
      const [from, to, moved] = [t - 1000, t, SINCE + moveAt(i)];
      const older = Math.round(Math.max(0, Math.min(to, moved) - from) / 200);
      const current = Math.round(Math.max(0, to - Math.max(from, moved)) / 200);
      if (older) observe(r, batch(1, from, to, older), t + 5);
      if (current) observe(r, batch(2, from, to, current), t + 5);
    }
  }
  advance(r, SINCE + untilMs + 2000);
  return r;
}

describe("convergence to the current epoch, from router counters", () => {
  test("before the first switch (epoch 0, dated 1970) nothing is timed, though routers report", () => {
    const r = startConvergence({ ...flag, epoch: 0 }, 0);
    for (let t = SINCE; t <= SINCE + 5000; t += 1000) observe(r, batch(0, t - 1000, t, 5), t + 5);
    advance(r, SINCE + 8000);
    const view = convergenceView(r, SINCE + 8000);
    expect(view.requests.current).toBeGreaterThan(0);
    expect(view.reached).toEqual({ "50": null, "99": null, "100": null });
  });

  test("50/99/100 % are placed when routers moved, within a flush interval", () => {
    // 20 routers moving evenly over 3 s: half by 1.5 s, all by 2.95 s.
    const r = simulate(20, (i) => (i * 3000) / 20 + 100);
    const view = convergenceView(r, SINCE + 10_000);
    const { "50": r50, "99": r99, "100": r100 } = view.reached;
    expect(r50).toBeGreaterThanOrEqual(1250);
    expect(r50).toBeLessThanOrEqual(2500);
    expect(r99).toBeGreaterThanOrEqual(2750);
    expect(r100).toBeGreaterThanOrEqual(2750);
    expect(r100).toBeLessThanOrEqual(4000);
    expect(r99).toBeLessThanOrEqual(r100 as number);
    expect(view.requests.older).toBeGreaterThan(0);
    expect(view.lastOlderAt).not.toBeNull();
  });

  test("one router far behind the rest holds 100 % back, not 50 %", () => {
    const r = simulate(20, (i) => (i === 7 ? 6000 : 200));
    const { "50": r50, "100": r100 } = convergenceView(r, SINCE + 10_000).reached;
    expect(r50).toBeLessThanOrEqual(1250);
    expect(r100).toBeGreaterThanOrEqual(5750);
  });

  test("100 % is withdrawn when older-epoch traffic turns up after it", () => {
    const r = startConvergence(flag, SINCE);
    for (let t = SINCE + 1000; t <= SINCE + 5000; t += 1000) observe(r, batch(2, t - 1000, t, 5), t + 5);
    advance(r, SINCE + 6500);
    expect(r.reached["100"]).not.toBeNull();
    observe(r, batch(1, SINCE + 5500, SINCE + 6500, 1), SINCE + 6505);
    expect(r.reached["100"]).toBeNull();
    expect(r.reached["50"]).not.toBeNull();
  });

  test("late reports of traffic routed before the switch count for nothing", () => {
    const r = startConvergence(flag, SINCE);
    expect(observe(r, batch(1, SINCE - 2000, SINCE - 1, 50), SINCE + 500)).toBe(false);
    expect(convergenceView(r, SINCE + 500).requests).toEqual({ current: 0, older: 0 });
    // A window across the switch counts only its part after the switch.
    observe(r, batch(1, SINCE - 500, SINCE + 500, 10), SINCE + 505);
    expect(convergenceView(r, SINCE + 505).requests.older).toBe(5);
  });

  test("the live share is over the last settled seconds; none without traffic", () => {
    const r = startConvergence(flag, SINCE);
    expect(convergenceView(r, SINCE + 5000).share).toBeNull();
    observe(r, batch(1, SINCE, SINCE + 1000, 1), SINCE + 1005);
    observe(r, batch(2, SINCE, SINCE + 1000, 3), SINCE + 1005);
    expect(convergenceView(r, SINCE + 3000).share).toBe(0.75);
    expect(convergenceView(r, SINCE + 9000).share).toBeNull();
  });
});
