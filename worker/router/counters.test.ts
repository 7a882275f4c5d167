import { expect, test } from "vitest";
import { Counters, MAX_EPOCHS, MAX_PATHS, OTHER_PATH } from "./counters";

test("outcomes per color, per path (the caller's bounded keys), with timeouts and ejections", () => {
  const c = new Counters();
  c.record(3, "blue", "/ingest", 200, 12, false, false);
  c.record(3, "blue", "/v1/logs", 504, 4000, false, true);
  c.record(3, "green", "/v1/logs", 200, 30, true, false);
  c.record(3, "blue", OTHER_PATH, 500, 5, false, false);
  c.ejected(3, "blue");
  const [batch] = c.take(10_000);
  expect(batch?.epoch).toBe(3);
  const blue = batch?.colors.blue;
  expect(blue).toMatchObject({ requests: 3, errors5xx: 2, failovers: 0, timeouts: 1, ejections: 1 });
  expect(blue?.paths).toEqual({
    "/ingest": { requests: 1, errors5xx: 0 },
    "/v1/logs": { requests: 1, errors5xx: 1 },
    other: { requests: 1, errors5xx: 1 },
  });
  expect(batch?.colors.green).toMatchObject({ requests: 1, failovers: 1, paths: { "/v1/logs": { requests: 1 } } });
  expect(c.totals).toEqual({ timeouts: 1, ejections: 1, dropped: 0 });
  // Flushed: nothing again until new outcomes.
  expect(c.take(20_000)).toEqual([]);
});

test(`bounded between flushes: at most MAX_EPOCHS (${MAX_EPOCHS}) epochs, the newest kept`, () => {
  const c = new Counters();
  for (let epoch = 1; epoch <= MAX_EPOCHS + 6; epoch++) c.record(epoch, "blue", "/ingest", 200, 5, false, false);
  const batches = c.take(10_000);
  expect(batches.map((b) => b.epoch)).toEqual([7, 8, 9, 10]);
});

test(`bounded between flushes: at most MAX_PATHS (${MAX_PATHS}) path keys per color, the rest counted as other`, () => {
  const c = new Counters();
  const paths = MAX_PATHS * 3;
  for (let i = 0; i < paths; i++) c.record(1, "blue", `/p${i}`, i % 2 ? 500 : 200, 5, false, false);
  c.record(1, "blue", OTHER_PATH, 200, 5, false, false);
  const blue = c.take(10_000)[0]?.colors.blue;
  const keys = Object.keys(blue?.paths ?? {});
  expect(keys).toHaveLength(MAX_PATHS);
  expect(keys).toContain(OTHER_PATH);
  // Nothing is lost: every request and 5xx is still in some key.
  const sum = (k: "requests" | "errors5xx") => Object.values(blue?.paths ?? {}).reduce((n, p) => n + p[k], 0);
  expect(sum("requests")).toBe(paths + 1);
  expect(sum("errors5xx")).toBe(paths / 2);
});

test("mirrored copies are counted apart from served traffic, with skipped copies", () => {
  const c = new Counters();
  c.record(4, "blue", "/ingest", 200, 12, false, false);
  c.mirrored(4, "green", 200, 30, false);
  c.mirrored(4, "green", 504, 4000, true);
  c.mirrored(4, "green", 429, 8, false);
  c.mirrorSkipped(4, "green");
  const [batch] = c.take(10_000);
  // Copies are not served traffic: green served nothing.
  expect(batch?.colors.green).toMatchObject({ requests: 0, errors5xx: 0, timeouts: 0 });
  expect(batch?.colors.green.mirrored).toEqual({
    requests: 3,
    accepted: 1,
    errors5xx: 1,
    timeouts: 1,
    skipped: 1,
    latency: [0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0],
  });
  expect(batch?.colors.blue.mirrored).toBeUndefined();
});

test("a failed flush's batches go again as they were (same id, same counts), before new counts, apart from them", () => {
  const c = new Counters();
  c.record(5, "green", "/ingest", 500, 12, false, false);
  c.record(5, "green", "/ingest", 200, 12, false, false);
  const failed = c.take(10_000);
  expect(failed).toHaveLength(1);
  const sent = structuredClone(failed);
  // The report failed: it may still have landed, so it is kept apart, not merged into newer counts.
  c.putBack(failed);
  expect(c.pending()).toBe(2);
  c.record(5, "green", "/ingest", 200, 7, false, false);
  c.record(6, "blue", "/ingest", 200, 7, false, false);
  expect(c.take(10_500), "not again within a second of the failed flush").toEqual([]);
  const next = c.take(11_000);
  expect(next[0], "the failed batch, unchanged").toEqual(sent[0]);
  const fresh = next.slice(1);
  expect(fresh.map((b) => b.epoch)).toEqual([5, 6]);
  expect(fresh.find((b) => b.epoch === 5)?.colors.green).toMatchObject({ requests: 1, errors5xx: 0 });
  // Every batch has its own id: a receiver tells a copy from new counts by it.
  expect(new Set(next.map((b) => b.id)).size).toBe(3);
  expect(c.pending()).toBe(0);
  // Failing again and again, it still goes as it was.
  c.putBack(next);
  expect(c.take(12_000)).toEqual(next);
  expect(c.totals.dropped).toBe(0);
});

test(`unsent batches are bounded (MAX_EPOCHS): new counts wait in their windows, and what is given up is counted`, () => {
  const c = new Counters();
  // Each second's flush fails, with one epoch's counts in it (a flag change a second, say).
  let t = 10_000;
  const tick = () => {
    t += 1000;
    return t;
  };
  for (let epoch = 1; epoch <= MAX_EPOCHS; epoch++) {
    c.record(epoch, "green", "/ingest", 200, 5, false, false);
    const out = c.take(tick());
    expect(out).toHaveLength(epoch);
    c.putBack(out);
  }
  // MAX_EPOCHS batches wait to go again: new counts are not cut into more batches while they do.
  c.record(MAX_EPOCHS + 1, "green", "/ingest", 200, 5, false, false);
  c.record(MAX_EPOCHS + 1, "green", "/ingest", 200, 5, false, false);
  const resent = c.take(tick());
  expect(resent.map((b) => b.epoch)).toEqual([1, 2, 3, 4]);
  expect(c.pending(), "the new counts, in their window").toBe(2);
  // Two calls in flight at once, both failing: beyond the bound the oldest epoch's batch is given up, counted.
  const alongside = c.take(tick());
  expect(alongside.map((b) => b.epoch)).toEqual([MAX_EPOCHS + 1]);
  c.putBack(resent);
  c.putBack(alongside);
  expect(c.totals.dropped).toBe(1);
  expect(c.pending()).toBe(MAX_EPOCHS + 1);
  // Delivered at last: the unsent ones, then the counts that waited beside them.
  expect(c.take(tick()).map((b) => b.epoch)).toEqual([2, 3, 4, 5]);
  expect(c.pending()).toBe(0);
});

test("merged batches (a location tier's isolates') are bounded by epoch; what the bound gives up is counted", () => {
  const c = new Counters();
  const batch = (epoch: number) => {
    const from = new Counters();
    from.record(epoch, "blue", "/ingest", 200, 5, false, false);
    return from.take(10_000);
  };
  for (let epoch = 1; epoch <= MAX_EPOCHS; epoch++) c.add(batch(epoch));
  // An older epoch's batch finds no room; a newer epoch pushes the oldest out.
  c.add(batch(0));
  expect(c.totals.dropped).toBe(1);
  c.record(MAX_EPOCHS + 1, "blue", "/ingest", 200, 5, false, false);
  expect(c.totals.dropped).toBe(2);
  expect(c.pending()).toBe(MAX_EPOCHS);
});

test("a location tier keeps more epochs than an isolate: late counts of an older flag still fit", () => {
  const batch = (epoch: number) => {
    const c = new Counters();
    c.record(epoch, "blue", "/ingest", 200, 5, false, false);
    return c.take(10_000);
  };
  const isolate = new Counters();
  const tier = new Counters(16);
  for (let epoch = 3; epoch <= 3 + MAX_EPOCHS; epoch++) {
    isolate.add(batch(epoch));
    tier.add(batch(epoch));
  }
  // A quiet isolate's counts under epoch 2 arrive late.
  isolate.add(batch(2));
  tier.add(batch(2));
  expect(isolate.totals.dropped).toBe(2);
  expect(tier.totals.dropped).toBe(0);
  expect(tier.pending()).toBe(MAX_EPOCHS + 2);
});
