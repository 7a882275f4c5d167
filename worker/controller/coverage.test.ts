import { expect, test } from "vitest";
import { COVERAGE_WINDOW_MS, Coverage, coverageState, covered } from "./coverage";
import type { EvidenceVerdict } from "./evidence";

const pass: EvidenceVerdict = { kind: "pass", detail: "router 5xx 0.0% (0/400)" };
const promotedAt = new Date(100_000).toISOString();
const d = { promotedAt, createdAt: promotedAt };

test("a watch whose locations went silent does not pass, and says why", () => {
  const c = new Coverage();
  // A location heard from before the watch is not part of it.
  c.seen("OLD", 50_000);
  for (const loc of ["AMS", "FRA", "LHR", "CDG"]) c.seen(loc, 101_000);
  const t = 101_000 + COVERAGE_WINDOW_MS + 1;
  // All four went quiet but one: 1 of 4 reporting.
  c.seen("AMS", t);
  expect(c.view(100_000, t)).toMatchObject({ locations: 4, reporting: 1, collapsed: true, newestAgeMs: 0 });
  const v = covered(c, d, pass, t);
  expect(v.kind).toBe("inconclusive");
  expect(v.kind !== "fail" && v.detail).toMatch(/^evidence coverage collapsed: 1 of the 4 locations/);
  // Coverage comes back: the same evidence passes.
  for (const loc of ["FRA", "LHR"]) c.seen(loc, t);
  expect(covered(c, d, pass, t)).toEqual(pass);
});

test("failures are never hidden, and one location alone is never a collapse", () => {
  const c = new Coverage();
  const fail: EvidenceVerdict = { kind: "fail", check: "router_5xx", reason: "router 5xx 50%" };
  c.seen("AMS", 101_000);
  c.seen("FRA", 101_000);
  const late = 200_000;
  expect(covered(c, d, fail, late)).toEqual(fail);
  const one = new Coverage();
  one.seen("local", 101_000);
  expect(covered(one, d, pass, late)).toEqual(pass);
});

test("the state's coverage: the running watch's, else every location remembered and never collapsed", () => {
  const c = new Coverage();
  c.seen("OLD", 50_000);
  for (const loc of ["AMS", "FRA", "LHR"]) c.seen(loc, 101_000);
  const t = 101_000 + COVERAGE_WINDOW_MS + 1;
  c.seen("AMS", t - 500);
  const watching = { ...d, status: "watching" as const };
  // The watch's three locations (not OLD, heard from before it), one of them reporting: collapsed.
  expect(coverageState(c, watching, t)).toEqual({
    since: promotedAt,
    locations: 3,
    reporting: 1,
    newestAgeMs: 500,
    oldestAgeMs: COVERAGE_WINDOW_MS + 1,
    windowMs: COVERAGE_WINDOW_MS,
    collapsed: true,
  });
  // No watch (none running, or one still validating): all four, nothing judged.
  const idle = { since: null, locations: 4, reporting: 1, newestAgeMs: 500, oldestAgeMs: t - 50_000, collapsed: false };
  expect(coverageState(c, null, t)).toMatchObject(idle);
  expect(coverageState(c, { ...d, status: "validating" }, t)).toMatchObject(idle);
});
