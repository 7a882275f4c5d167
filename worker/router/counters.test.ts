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

test("a failed flush's counts, put back, leave with the next flush; what the bound gives up is counted", () => {
  const c = new Counters();
  c.record(5, "green", "/ingest", 500, 12, false, false);
  c.record(5, "green", "/ingest", 200, 12, false, false);
  const failed = c.take(10_000);
  // The report failed: its counts go back, and the next window's join them.
  c.add(failed);
  expect(c.pending()).toBe(2);
  c.record(5, "green", "/ingest", 200, 7, false, false);
  c.record(6, "blue", "/ingest", 200, 7, false, false);
  expect(c.take(10_500), "not again within a second of the failed flush").toEqual([]);
  const next = c.take(11_000);
  const green = next.find((b) => b.epoch === 5)?.colors.green;
  expect(green).toMatchObject({ requests: 3, errors5xx: 1, paths: { "/ingest": { requests: 3, errors5xx: 1 } } });
  expect(green?.latency.reduce((a, b) => a + b, 0)).toBe(3);
  // The window starts where the failed one did: evidence age is not hidden.
  expect(next[0]?.from).toBe(failed[0]?.from);
  expect(c.totals.dropped).toBe(0);
  // Past MAX_EPOCHS the oldest epoch's counts are given up, and counted as dropped.
  for (let epoch = 1; epoch <= MAX_EPOCHS; epoch++) c.record(epoch, "blue", "/ingest", 200, 5, false, false);
  const late = next.find((b) => b.epoch === 5);
  if (late) c.add([{ ...late, epoch: 0 }]);
  c.record(MAX_EPOCHS + 1, "blue", "/ingest", 200, 5, false, false);
  expect(c.totals.dropped).toBe(4);
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
