import { expect, test } from "vitest";
import type { CoverageState } from "../shared";
import { coverageText } from "./render";
import { Terminal } from "./terminal";

const plain = new Terminal({ write: () => true, isTTY: false }, {});
const base: CoverageState = {
  since: null,
  locations: 3,
  reporting: 3,
  newestAgeMs: 400,
  oldestAgeMs: 1200,
  windowMs: 10_000,
  collapsed: false,
};

test("status's Locations line: how many report, how lately, and whether a watch lost its edge", () => {
  expect(coverageText(plain, base)).toBe("3 of 3 reporting in the last 10 s (newest report 0.4 s old, oldest 1.2 s)");
  // Outside a watch a location is remembered for an hour: old ages in minutes.
  expect(coverageText(plain, { ...base, reporting: 2, oldestAgeMs: 1_500_000 })).toMatch(/2 of 3 .* oldest 25 min\)$/);
  const watch = { ...base, since: "2026-12-06T05:30:01.000Z", reporting: 1, oldestAgeMs: 12_000, collapsed: true };
  expect(coverageText(plain, watch)).toBe(
    "1 of 3 reporting in the last 10 s since the switch at 05:30:01 (newest report 0.4 s old, oldest 12.0 s): coverage collapsed, the watch cannot pass",
  );
  const none = { ...base, locations: 0, reporting: 0, newestAgeMs: null, oldestAgeMs: null };
  expect(coverageText(plain, none)).toBe("none reported in the last hour");
  expect(coverageText(plain, { ...none, since: watch.since })).toBe("none reported since the switch at 05:30:01");
});
