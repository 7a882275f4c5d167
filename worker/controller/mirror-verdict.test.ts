import { describe, expect, test } from "vitest";
import { DEFAULT_THRESHOLDS, type Deployment, emptyHistogram, type MirrorCounters } from "../../shared";
import {
  addMirrored,
  judgeMirror,
  mirrorAllows,
  mirrorOf,
  NO_TRAFFIC_AFTER_MS,
  newMirrorReport,
} from "./mirror-verdict";

const T = { ...DEFAULT_THRESHOLDS, maxP95Ms: 1000, minMirrorRequests: 20 };

/** `n` copies answered with `status` in about `ms`, and `skipped` not sent. */
function flush(n: number, status: number, ms: number, skipped = 0): MirrorCounters {
  const latency = emptyHistogram();
  const ok = status >= 200 && status < 300;
  latency[[5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000].findIndex((b) => ms <= b)] = n;
  return { requests: n, accepted: ok ? n : 0, errors5xx: status >= 500 ? n : 0, timeouts: 0, skipped, latency };
}

const report = (...flushes: MirrorCounters[]) => {
  const m = newMirrorReport(10);
  for (const f of flushes) addMirrored(m, f);
  return m;
};

describe("judgeMirror", () => {
  test("collecting below minMirrorRequests; a pass at it with p95 and accept rate within bounds", () => {
    expect(judgeMirror(report(flush(19, 200, 40)), T).kind).toBe("collecting");
    const m = report(flush(19, 200, 40), flush(1, 200, 700));
    expect(m).toMatchObject({ requests: 20, accepted: 20, acceptRate: 1, p95Ms: 50 });
    expect(judgeMirror(m, T)).toMatchObject({ kind: "pass" });
  });

  test("latency: p95 of the copies over maxP95Ms fails mirror_latency", () => {
    const v = judgeMirror(report(flush(15, 200, 40), flush(5, 200, 2000)), T);
    expect(v).toMatchObject({ kind: "fail", check: "mirror_latency" });
    expect(v.kind === "fail" && v.reason).toMatch(/p95 ≤ 2500 ms/);
  });

  test("errors: conclusive 5xx fail at once (minFailures), before minMirrorRequests", () => {
    expect(judgeMirror(report(flush(5, 200, 40), flush(3, 503, 40)), T)).toMatchObject({
      kind: "fail",
      check: "mirror_errors",
    });
  });

  test("throughput: copies not accepted, or skipped at the bound, count against the accept rate", () => {
    // 4xx is no error, but not accepted either.
    expect(judgeMirror(report(flush(19, 200, 40), flush(1, 429, 40)), T)).toMatchObject({
      kind: "fail",
      check: "mirror_throughput",
    });
    // A candidate that cannot keep up: copies pile up to the bound, the rest are skipped.
    const piled = report(flush(8, 200, 40, 30));
    expect(piled.acceptRate).toBeCloseTo(8 / 38);
    expect(judgeMirror(piled, T)).toMatchObject({ kind: "fail", check: "mirror_throughput" });
    expect(judgeMirror(report(flush(200, 200, 40, 2)), T)).toMatchObject({ kind: "pass" });
  });
});

describe("mirrorAllows (after the probes passed)", () => {
  const START = 1_000_000;
  const dep = (m = newMirrorReport(10)) =>
    ({ thresholds: T, mirror: m, createdAt: new Date(START).toISOString() }) as unknown as Deployment;
  const allows = (d: Deployment, at: number) => mirrorAllows(d, judgeMirror(d.mirror ?? newMirrorReport(), T), at);

  test("no live traffic reported since the mirror began: by the probes alone, once routers had time to flush", () => {
    const d = dep();
    expect(allows(d, START + NO_TRAFFIC_AFTER_MS - 1)).toBe(false);
    expect(allows(d, START + NO_TRAFFIC_AFTER_MS)).toBe(true);
    expect(d.mirror).toMatchObject({ status: "no-traffic" });
    expect(d.mirror?.detail).toMatch(/probes alone, no live router traffic/);
  });

  test("live traffic: waits up to mirrorWaitSeconds for minMirrorRequests, then falls back", () => {
    const d = dep({ ...report(flush(5, 200, 40)), live: 50 });
    const passedAt = START + 500;
    expect(allows(d, passedAt)).toBe(false);
    expect(allows(d, passedAt + T.mirrorWaitSeconds * 1000 - 1)).toBe(false);
    expect(d.mirror?.status).toBe("collecting");
    expect(d.mirror?.detail).toMatch(/waiting up to 30s/);
    expect(allows(d, passedAt + T.mirrorWaitSeconds * 1000)).toBe(true);
    expect(d.mirror).toMatchObject({ status: "no-traffic" });
    expect(d.mirror?.detail).toMatch(/after waiting 30s/);
  });

  test("enough copies: passed", () => {
    const d = dep({ ...report(flush(20, 200, 40)), live: 200 });
    expect(allows(d, START + 100)).toBe(true);
    expect(d.mirror?.status).toBe("passed");
  });
});

test("the flag mirrors only while the deployment validates or awaits promotion, never with 0 %", () => {
  const d = { color: "green", status: "validating", mirror: newMirrorReport(25) } as unknown as Deployment;
  expect(mirrorOf(d)).toEqual({ color: "green", percent: 25 });
  expect(mirrorOf({ ...d, status: "awaiting_promotion" })).toEqual({ color: "green", percent: 25 });
  for (const status of ["promoted", "watching", "failed", "aborted", "succeeded"] as const)
    expect(mirrorOf({ ...d, status })).toBeUndefined();
  expect(mirrorOf({ ...d, mirror: newMirrorReport(0) })).toBeUndefined();
  expect(mirrorOf(null)).toBeUndefined();
});
