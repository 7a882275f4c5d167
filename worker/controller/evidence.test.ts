// The evidence rule on its own (pure functions): the Worker tests in watch.test.ts show it at work.
import { describe, expect, test } from "vitest";
import { DEFAULT_THRESHOLDS } from "../../shared";
import { MAX_PATHS, OTHER_PATH } from "../router/counters";
import { addCounts, conclude, emptyEvidence, judgeEvidence } from "./evidence";

const t = DEFAULT_THRESHOLDS; // maxErrorRate 1%, minFailures 3, minRouterRequests 20

describe("conclude", () => {
  test.each([
    [9, 9, "fail"], // the case: 9 of 9 OTLP requests failed, below minRouterRequests
    [3, 5, "fail"],
    [2, 2, "inconclusive"], // two failures may be a fluke
    [2, 19, "inconclusive"],
    [1, 20, "fail"], // at minRouterRequests the rate alone decides, as before
    [1, 100, "pass"], // 1% is not over 1%
    [0, 0, "inconclusive"],
    [0, 19, "inconclusive"],
    [0, 20, "pass"],
    [3, 400, "pass"], // enough failures, but under the rate
  ] as const)("%i failures of %i: %s", (failures, total, want) => {
    expect(conclude(failures, total, t)).toBe(want);
  });

  test("minRouterRequests 0 waives the traffic requirement", () => {
    expect(conclude(0, 0, { ...t, minRouterRequests: 0 })).toBe("pass");
  });
});

describe("judgeEvidence", () => {
  test("one broken path fails the watch even when the total looks fine", () => {
    const e = emptyEvidence();
    e.requests = 1009;
    e.errors5xx = 9;
    e.paths = { "/ingest": { requests: 1000, errors5xx: 0 }, "/v1/logs": { requests: 9, errors5xx: 9 } };
    expect(judgeEvidence(e, t)).toEqual({
      kind: "fail",
      check: "router_5xx",
      reason: "router 5xx on /v1/logs 100.0% (9/9) over 1.0%",
    });
  });

  test("timeouts are named as their own check", () => {
    const e = { ...emptyEvidence(), requests: 5, errors5xx: 5, timeouts: 5 };
    expect(judgeEvidence(e, t)).toMatchObject({ kind: "fail", check: "router_timeouts" });
  });

  test("too little traffic is inconclusive, never a pass", () => {
    const e = { ...emptyEvidence(), requests: 9 };
    expect(judgeEvidence(e, t)).toEqual({
      kind: "inconclusive",
      detail: "only 9 of the 20 router requests a verdict needs (0 5xx)",
    });
  });
});

describe("addCounts", () => {
  test(`keeps at most MAX_PATHS (${MAX_PATHS}) paths, whatever the routers send; the rest counts as other`, () => {
    const e = emptyEvidence();
    for (let i = 0; i < MAX_PATHS * 3; i++) {
      addCounts(e, { requests: 2, errors5xx: 1, paths: { [`/p${i}`]: { requests: 2, errors5xx: 1 } } });
    }
    expect(Object.keys(e.paths)).toHaveLength(MAX_PATHS);
    expect(e.paths[OTHER_PATH]?.requests).toBe(2 * (MAX_PATHS * 3 - (MAX_PATHS - 1)));
    expect(Object.values(e.paths).reduce((n, p) => n + p.errors5xx, 0)).toBe(MAX_PATHS * 3);
    expect(e).toMatchObject({ requests: MAX_PATHS * 6, errors5xx: MAX_PATHS * 3 });
  });
});
