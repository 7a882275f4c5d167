import { expect, test } from "vitest";
import { failoverOn } from "./failover-on";

test("FAILOVER_ON defaults to network, timeout and 500/502/503/504", () => {
  expect(failoverOn(undefined)).toEqual({ network: true, timeout: true, statuses: new Set([500, 502, 503, 504]) });
});

test("FAILOVER_ON is parsed leniently: unknown items are skipped", () => {
  expect(failoverOn(" 502, Timeout ,bogus,999,503")).toEqual({
    network: false,
    timeout: true,
    statuses: new Set([502, 503]),
  });
});
