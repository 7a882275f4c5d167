// How fast a switch and a revert reach 20 simulated edge locations: with the fast path (KV lagging up to
// a real 60 s), without it (KV lag scaled 20× down, 0-3 s), and with the fast path failing (KV's bound must
// hold). Also the controller's fast-path request rate against the design's limit (locations × 1/TTL).
import { afterAll, describe, expect, test } from "vitest";
import type { Deployment, RollbackResult } from "../../shared";
import { FAST_PATH_TTL_MS } from "../../worker/flag/fast";
import { sleep } from "../support/api";
import { SIM_THRESHOLDS, type Sim, startSim } from "./harness";
import { SteadyTraffic } from "./traffic";
import { moved, type Span } from "./truth";

const LOCATIONS = 20;
const FLAG_CACHE_MS = 200;
// Goal: every location within 2 s with the fast path; a loaded machine adds request latency on top.
const BOUND = { goalMs: 2000, marginMs: 1000 };
// The revert is the operator's rollback during the watch: a loaded machine's latency must not revert first.
const FAST = { thresholds: { ...SIM_THRESHOLDS, maxP95Ms: 30_000 }, watchSeconds: 60 };

interface Run {
  name: string;
  maxLagMs: number;
  vars?: Record<string, string>;
  failing?: boolean;
}

const RUNS: Run[] = [
  { name: "fast path on, KV lag 0-60 s", maxLagMs: 60_000 },
  { name: "fast path off, KV lag 0-3 s (60 s scaled 20×)", maxLagMs: 3000, vars: { FLAG_FAST_PATH: "off" } },
  { name: "fast path failing, KV lag 0-3 s (60 s scaled 20×)", maxLagMs: 3000, failing: true },
];

interface Moved {
  p99: Span | null;
  p100: Span | null;
}

const figures: string[] = [];
afterAll(() => console.log(`fast-path convergence (${LOCATIONS} locations):\n  ${figures.join("\n  ")}`));

describe.each(RUNS)("$name", (run) => {
  let sim: Sim | undefined;
  afterAll(() => sim?.stop());

  test("a switch and a revert reach every location", { timeout: 240_000 }, async () => {
    sim = await startSim({
      locations: LOCATIONS,
      maxLagMs: run.maxLagMs,
      vars: { FLAG_CACHE_MS: String(FLAG_CACHE_MS), ...run.vars },
    });
    const s = sim;
    if (run.failing) await s.fastPathFaults({ fail: true });
    const traffic = new SteadyTraffic(s, 4).start();
    /** Waits until every location routes by `epoch` (or the bound plus margins passes), then measures. */
    const reach = async (epoch: number, since: number): Promise<Moved> => {
      const deadline = since + run.maxLagMs + FLAG_CACHE_MS + 10_000;
      while (moved(traffic.sent, epoch, since, LOCATIONS).p100 === null && Date.now() < deadline) await sleep(200);
      await sleep(1000);
      return moved(traffic.sent, epoch, since, LOCATIONS);
    };
    let switched: Moved;
    let reverted: Moved;
    let rate: number;
    try {
      await sleep(1500);
      s.platforms.green.setVersion("v2");
      const d = await s.control.deploy({ version: "v2", ...FAST });
      expect(d.status, JSON.stringify(d.json)).toBe(201);
      await s.control.waitFor(d.json.id, "watching");
      const flag = (await s.control.state()).flag;
      switched = await reach(flag.epoch, Date.parse(flag.updatedAt));

      const rb = await s.control.call<RollbackResult>("POST", "/api/rollback", { reason: "revert" });
      expect(rb.status, JSON.stringify({ rollback: rb.json, deployment: await s.control.deployment(d.json.id) })).toBe(
        200,
      );
      const windowStart = Date.now();
      reverted = await reach(rb.json.flag.epoch, Date.parse(rb.json.flag.updatedAt));
      const reads = (await s.fastPath()).controllerReads.filter((t) => t >= windowStart);
      rate = reads.length / ((Date.now() - windowStart) / 1000);
      expect((await s.control.deployment(d.json.id)).status).toBe("rolled_back" satisfies Deployment["status"]);
    } finally {
      await traffic.stop();
    }
    const fast = await s.fastPath();
    const span = (x: Span | null) => (x ? `${x[0]}-${x[1]} ms` : "never");
    figures.push(
      `${run.name}: switch 99 % ${span(switched.p99)}, 100 % ${span(switched.p100)}; ` +
        `revert 99 % ${span(reverted.p99)}, 100 % ${span(reverted.p100)}; ` +
        `controller fast-path reads ${rate.toFixed(1)}/s (limit ${LOCATIONS * (1000 / FAST_PATH_TTL_MS)}/s), ` +
        `location failures ${fast.perLocation.reduce((n, l) => n + l.failures, 0)}`,
    );

    // A span's low end is the last request a location routed by the old epoch, ms after the switch.
    const bound = run.vars?.FLAG_FAST_PATH === "off" || run.failing ? run.maxLagMs + FLAG_CACHE_MS : BOUND.goalMs;
    for (const m of [switched, reverted]) {
      expect(m.p100, span(m.p100)).not.toBeNull();
      expect((m.p100 as Span)[0]).toBeLessThanOrEqual(bound + BOUND.marginMs);
    }
    if (run.vars?.FLAG_FAST_PATH === "off") expect(fast.controllerReads).toEqual([]);
    else {
      // About one read per location per TTL, however many requests and isolates; failing reads too.
      expect(rate).toBeGreaterThan(0);
      expect(rate).toBeLessThanOrEqual(LOCATIONS * (1000 / FAST_PATH_TTL_MS) * 1.25);
    }
    if (run.failing) expect(fast.perLocation.every((l) => l.failures > 0)).toBe(true);
  });
});
