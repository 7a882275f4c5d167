import { expect, test } from "vitest";
import type { CounterFlush } from "../../shared/schemas";
import { Counters } from "./counters";
import { REPORT_IDS_MS, SeenReports } from "./report-ids";

const batch = (): CounterFlush => {
  const c = new Counters();
  c.record(1, "green", "/ingest", 200, 5, false, false);
  const [b] = c.take(10_000);
  if (!b) throw new Error("no batch");
  return b;
};

test("a batch taken before is left out and counted; an id-less one (an older router's) is always taken", () => {
  const seen = new SeenReports();
  const [a, b] = [batch(), batch()];
  expect(seen.fresh([a], 0)).toEqual([a]);
  expect(seen.fresh([a, b], 1000), "the copy of a is dropped, b is new").toEqual([b]);
  expect(seen.duplicates).toBe(1);
  const { id: _, ...old } = batch();
  expect(seen.fresh([old, old], 2000)).toEqual([old, old]);
  expect(seen.duplicates).toBe(1);
});

test(`ids are remembered for REPORT_IDS_MS (${REPORT_IDS_MS} ms), and at most \`max\` of them`, () => {
  const seen = new SeenReports(REPORT_IDS_MS, 3);
  const a = batch();
  seen.fresh([a], 0);
  expect(seen.fresh([a], REPORT_IDS_MS - 1)).toEqual([]);
  expect(seen.fresh([a], REPORT_IDS_MS), "forgotten: a copy this late is taken again").toEqual([a]);
  const more = [batch(), batch(), batch()];
  seen.fresh(more, REPORT_IDS_MS + 1);
  expect(seen.size).toBe(3);
  // The oldest (a, again) made room.
  expect(seen.fresh([a], REPORT_IDS_MS + 2)).toEqual([a]);
  expect(seen.fresh(more.slice(1), REPORT_IDS_MS + 3)).toEqual([]);
});
