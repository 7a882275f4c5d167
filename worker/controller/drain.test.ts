import { describe, expect, test } from "vitest";
import { type CounterFlush, emptyHistogram } from "../../shared";
import { startConvergence } from "./convergence";
import { type DrainRecord, type DrainRules, drainStatus, loseTraffic, noteOlderTraffic, settleDrains } from "./drain";
import { inSyncRecord, markOutOfSync } from "./flag-sync";

const T = 1_000_000;
const rules = (over: Partial<DrainRules> = {}): DrainRules => ({
  active: "green",
  flagSync: inSyncRecord(T),
  drainSeconds: 60,
  quietSeconds: 10,
  inflightPollAt: null,
  ...over,
});
const lost = (): DrainRecord => {
  const r: DrainRecord = { lostTrafficAt: null, lastOlderAt: null, drainedAt: null };
  loseTraffic(r, T);
  return r;
};
const counts = (requests: number) => ({ requests, errors5xx: 0, failovers: 0, latency: emptyHistogram() });

describe("a color is drained by evidence", () => {
  test("DRAIN_SECONDS after it lost traffic, when no router sent it anything since", () => {
    const blue = lost();
    expect(drainStatus("blue", blue, rules(), T + 59_000)?.waitingFor).toEqual([
      expect.stringMatching(/^DRAIN_SECONDS: 60 s .*\(1 s left\)$/),
    ]);
    expect(drainStatus("blue", blue, rules(), T + 60_000)).toEqual({ until: T + 60_000, waitingFor: [] });
    expect(drainStatus("green", blue, rules(), T + 1000)).toBeNull();
  });

  test("not while routers still report older-epoch traffic to it, until the quiet period passed", () => {
    const colors = { blue: lost(), green: { lostTrafficAt: null, lastOlderAt: null, drainedAt: null } };
    const conv = startConvergence({ color: "green", epoch: 5, deploymentId: null, updatedAt: "" }, T);
    const batch = (epoch: number, blue: number): CounterFlush => ({
      isolate: "i",
      epoch,
      from: T + 60_000,
      to: T + 61_000,
      colors: { blue: counts(blue), green: counts(1) },
    });
    noteOlderTraffic(colors, conv, batch(5, 3), T + 61_000); // current epoch: failovers, not a stale router
    expect(colors.blue.lastOlderAt).toBeNull();
    noteOlderTraffic(colors, conv, batch(4, 3), T + 61_000);
    expect(colors.blue.lastOlderAt).toBe(T + 61_000);
    const status = drainStatus("blue", colors.blue, rules(), T + 65_000);
    expect(status?.until).toBe(T + 71_000);
    expect(status?.waitingFor).toEqual([
      "routers still sent it traffic under an older epoch 4 s ago (needs 10 s without)",
    ]);
    expect(settleDrains(colors, rules(), T + 70_999)).toBe(false);
    expect(settleDrains(colors, rules(), T + 71_000)).toBe(true);
    expect(colors.blue).toMatchObject({ lostTrafficAt: null, drainedAt: T + 71_000 });
    // Settling again changes nothing.
    expect(settleDrains(colors, rules(), T + 80_000)).toBe(false);
  });

  test("not before KV holds the flag that took its traffic; DRAIN_SECONDS count from then", () => {
    const blue = lost();
    const flagSync = inSyncRecord(T - 5000);
    markOutOfSync(flagSync, T);
    expect(drainStatus("blue", blue, rules({ flagSync }), T + 600_000)?.waitingFor).toEqual([
      expect.stringMatching(/^the flag to land in KV/),
    ]);
    const landed = inSyncRecord(T + 30_000);
    expect(drainStatus("blue", blue, rules({ flagSync: landed }), T + 60_000)?.until).toBe(T + 90_000);
  });
});

describe("with DRAIN_PATH, by the platform's word too", () => {
  const withPath = rules({ inflightPollAt: T + 61_000 });
  const report = (count: number | null, at: number) => ({ count, at, error: count === null ? "unreachable" : null });

  test("not drained until a report of 0 in flight taken after the drain time", () => {
    const blue = lost();
    expect(drainStatus("blue", blue, withPath, T + 60_000)?.waitingFor).toEqual([
      "DRAIN_PATH: the platform's in-flight report (not asked yet)",
    ]);
    blue.inflight = report(3, T + 60_000);
    expect(drainStatus("blue", blue, withPath, T + 60_000)).toEqual({
      until: T + 61_000,
      waitingFor: ["DRAIN_PATH: the platform to finish its in-flight work (3 in flight)"],
    });
    blue.inflight = report(null, T + 60_500);
    expect(drainStatus("blue", blue, withPath, T + 60_500)?.waitingFor).toEqual([
      "DRAIN_PATH: the platform's in-flight report (last ask failed: unreachable)",
    ]);
    // 0 while the drain time still ran: routers could still have sent it work.
    blue.inflight = report(0, T + 59_000);
    expect(drainStatus("blue", blue, withPath, T + 59_000)?.waitingFor).toEqual([
      expect.stringMatching(/^DRAIN_SECONDS: /),
    ]);
    expect(drainStatus("blue", blue, withPath, T + 60_000)?.waitingFor).toEqual([
      "DRAIN_PATH: a report of no in-flight work taken after the rest",
    ]);
    blue.inflight = report(0, T + 60_000);
    expect(drainStatus("blue", blue, withPath, T + 60_000)).toEqual({ until: T + 60_000, waitingFor: [] });
    const colors = { blue, green: { lostTrafficAt: null, lastOlderAt: null, drainedAt: null } };
    expect(settleDrains(colors, withPath, T + 60_000)).toBe(true);
  });

  test("a new switch forgets the last report", () => {
    const blue = lost();
    blue.inflight = report(0, T + 70_000);
    loseTraffic(blue, T + 80_000);
    expect(blue.inflight).toBeNull();
  });
});
