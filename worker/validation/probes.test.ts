import { describe, expect, test } from "vitest";
import { Thresholds } from "../../shared/index";
import { emptySamples, judge, LATENCIES_KEPT, tally } from "./probes";

describe("probe samples are bounded", () => {
  test("a long phase keeps the latest LATENCIES_KEPT latencies for the p95, and counts every probe", () => {
    const samples = emptySamples();
    const probes = LATENCIES_KEPT * 2 + 500;
    // Slow at first, fast for the latest LATENCIES_KEPT: the p95 is over the latest.
    for (let i = 0; i < probes; i++) {
      const latencyMs = i < probes - LATENCIES_KEPT ? 5000 : 10;
      tally(samples, "health", "health", { ok: true, latencyMs, detail: "" });
    }
    expect(samples.latencies).toHaveLength(LATENCIES_KEPT);
    expect(samples.checks?.health?.n).toBe(probes);
    expect(JSON.stringify(samples).length).toBeLessThan(LATENCIES_KEPT * 4);
    const t = Thresholds.parse({
      maxP95Ms: 100,
      maxErrorRate: 0.01,
      minSamples: 10_000,
      probeIntervalMs: 50,
      minRouterRequests: 0,
    });
    expect(judge(samples, t)).toEqual({ kind: "pass" });
  });

  test("the largest minSamples a deployment may ask for still fits", () => {
    expect(Thresholds.shape.minSamples.safeParse(LATENCIES_KEPT).success).toBe(true);
    expect(Thresholds.shape.minSamples.safeParse(LATENCIES_KEPT + 1).success).toBe(false);
  });
});
