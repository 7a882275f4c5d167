import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Color, Convergence, Deployment, RollbackResult } from "../../shared";
import { LOCATION_HEADER, SIM_THRESHOLDS, type Sim, startSim } from "./harness";
import { StateObserver } from "./observer";
import { producerOf, SteadyTraffic } from "./traffic";
import { moved, staleTo } from "./truth";

// Production's 60 s of KV propagation, scaled down 20×: each location sees each write 0-3 s late.
const LOCATIONS = 20;
const MAX_LAG_MS = 3000;
// DRAIN_SECONDS below the lag on purpose: only the evidence rule keeps a color from draining too early.
const DRAIN_SECONDS = 2;
const QUIET_SECONDS = 1.5;
// Resolution of the controller's figures: 250 ms slices of routers' reports, flushed at most once a second.
const SLICE_MS = 250;
const FLUSH_MS = 1000;
const MARGIN_MS = 1000;
const FAST = { thresholds: SIM_THRESHOLDS, watchSeconds: 2 };

/** A flag change seen in the run; `settled` once every router moved and the old color drained before the next. */
interface Switch {
  epoch: number;
  from: Color;
  settled: boolean;
}

describe(`${LOCATIONS} edge locations whose KV lags 0-${MAX_LAG_MS} ms`, () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({
      locations: LOCATIONS,
      maxLagMs: MAX_LAG_MS,
      drainSeconds: DRAIN_SECONDS,
      // KV alone: this run measures what its lag does (test/sim/fast-path-convergence.test.ts adds the fast path).
      vars: { DRAIN_QUIET_SECONDS: String(QUIET_SECONDS), FLAG_CACHE_MS: "200", FLAG_FAST_PATH: "off" },
    });
  });
  afterAll(() => sim?.stop());

  test("a deployment, an automatic revert and a manual rollback under steady traffic", {
    timeout: 180_000,
  }, async () => {
    const observer = new StateObserver(sim).start();
    const traffic = new SteadyTraffic(sim, 4).start();
    const switches: Switch[] = [];
    const switched = async () => {
      const s = await sim.control.state();
      switches.push({ epoch: s.epoch, from: s.standby, settled: false });
    };
    /**
     * Waits until the routers are all on the latest switch's epoch and the color that lost traffic is
     * declared drained: that switch's convergence and drain are then checked.
     */
    const settled = async () => {
      const last = switches.at(-1) as Switch;
      await observer.until(
        (s) =>
          s.convergence?.reached["100"] !== null &&
          s.convergence?.share === 1 &&
          observer.drains.some((d) => d.epoch === last.epoch && d.color === last.from),
        30_000,
        `epoch ${last.epoch} to converge and ${last.from} to drain`,
      );
      last.settled = true;
    };
    const deploy = async (body: Record<string, unknown>) => {
      const res = await sim.control.deploy(body);
      expect(res.status, JSON.stringify(res.json)).toBe(201);
      return res.json;
    };
    try {
      await new Promise((r) => setTimeout(r, 1500));

      // 1. A good release, promoted by hand. Before that, preview traffic to it fails: those 5xx are routed
      // under the old epoch and must not count against its watch.
      sim.platforms.green.setVersion("v2");
      const d1 = await deploy({ version: "v2", autoPromote: false, ...FAST });
      await sim.control.waitFor(d1.id, "awaiting_promotion");
      sim.platforms.green.setFaults({ errorRate: 1, errorPaths: ["/v1/logs"] });
      const preview = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          fetch(`${sim.worker.url}/v1/logs`, {
            method: "POST",
            headers: {
              "x-deploy-color": "green",
              authorization: `Bearer ${sim.token}`,
              [LOCATION_HEADER]: String(i % LOCATIONS),
            },
            body: "{}",
          }).then((r) => r.status),
        ),
      );
      expect(preview.every((st) => st === 500)).toBe(true);
      sim.platforms.green.setFaults({});
      expect((await sim.control.call("POST", `/api/deployments/${d1.id}/promote`)).status).toBe(200);
      await switched();
      const done1 = await sim.control.waitFor(d1.id, undefined, 60_000);
      expect(done1.status, done1.reason ?? "").toBe("succeeded");
      await settled();

      // 2. The operator rolls back.
      const rb = await sim.control.call<RollbackResult>("POST", "/api/rollback", { reason: "simulation" });
      expect(rb.status).toBe(200);
      await switched();
      await settled();

      // 3. A bad release: fine in validation, failing once it serves. The watch reverts it.
      sim.platforms.green.setVersion("v3");
      const d3 = await deploy({ version: "v3", ...FAST, watchSeconds: 30 });
      await sim.control.waitFor(d3.id, "watching");
      await switched();
      sim.platforms.green.setFaults({ errorRate: 1 });
      const done3 = await sim.control.waitFor(d3.id, undefined, 60_000);
      expect(done3.status, done3.reason ?? "").toBe("rolled_back");
      // (Its switch is not checked for convergence: the revert came before every router had moved.)
      await switched();
      await settled();

      const sent = await traffic.stop();
      await new Promise((r) => setTimeout(r, 2500));
      await observer.stop();
      const deployments = [await sim.control.deployment(d1.id), await sim.control.deployment(d3.id)];
      report(sim, switches, observer, deployments, sent);
      checkDrains(switches, observer, sent);
      checkWatch(deployments[0] as Deployment, sent);
      checkConvergence(switches, observer, deployments, sent);
      checkNothingLost(sim, traffic);
    } finally {
      await traffic.stop().catch(() => undefined);
      await observer.stop().catch(() => undefined);
    }
  });

  function convergenceOf(observer: StateObserver, deployments: Deployment[], epoch: number): Convergence {
    const c =
      deployments.flatMap((d) => d.convergence ?? []).find((x) => x.epoch === epoch) ?? observer.convergence.get(epoch);
    if (!c) throw new Error(`no convergence seen for epoch ${epoch}`);
    return c;
  }

  function checkConvergence(
    switches: Switch[],
    observer: StateObserver,
    deployments: Deployment[],
    sent: SteadyTraffic["sent"],
  ) {
    let older = 0;
    for (const { epoch } of switches.filter((x) => x.settled)) {
      const c = convergenceOf(observer, deployments, epoch);
      const truth = moved(sent, epoch, Date.parse(c.since), LOCATIONS);
      const { "50": r50, "99": r99, "100": r100 } = c.reached;
      const at = `epoch ${epoch}: ${JSON.stringify(c)} against ${JSON.stringify(truth)}`;
      expect(
        [r50, r99, r100].every((r) => r !== null),
        at,
      ).toBe(true);
      expect((r50 as number) <= (r99 as number) && (r99 as number) <= (r100 as number), at).toBe(true);
      // 100 % is never claimed before the last request routed by an older flag (one slice of slack)…
      expect(r100 as number, at).toBeGreaterThanOrEqual(truth.lastOlder[0] - SLICE_MS);
      // …and is seen within the routers' flush interval after it (a busy machine delays flushes: margin).
      expect(r100 as number, at).toBeLessThanOrEqual(truth.lastOlder[1] + FLUSH_MS + SLICE_MS + MARGIN_MS);
      // Half the traffic moved when half the locations did (they all send at the same rate).
      const [lo, hi] = truth.p50 ?? [0, 0];
      expect(r50 as number, at).toBeGreaterThanOrEqual(lo - SLICE_MS - MARGIN_MS);
      expect(r50 as number, at).toBeLessThanOrEqual(hi + FLUSH_MS + MARGIN_MS);
      older += c.requests.older;
    }
    // The lag really left routers on older flags after the switches.
    expect(older).toBeGreaterThan(0);
  }

  function checkWatch(d: Deployment, sent: SteadyTraffic["sent"]) {
    const w = d.watch;
    expect(w).toBeDefined();
    if (!w) return;
    // Only what went to green under the switch's epoch can have been judged, and none of it failed.
    const underEpoch = sent.filter((s) => s.epoch === w.epoch && (s.firstColor === "green" || s.servedBy === "green"));
    expect(w.requests).toBeGreaterThan(0);
    expect(w.requests).toBeLessThanOrEqual(underEpoch.length);
    expect(w.errors5xx).toBe(0);
    expect(w.startedBy).not.toBeNull();
  }

  function checkDrains(switches: Switch[], observer: StateObserver, sent: SteadyTraffic["sent"]) {
    for (const { epoch, from } of switches.filter((x) => x.settled)) {
      const drain = observer.drains.find((d) => d.epoch === epoch && d.color === from);
      expect(drain, `${from} drained under epoch ${epoch}`).toBeDefined();
      // No location sent anything to it by an older flag once it was declared drained.
      expect(staleTo(sent, from, epoch, drain?.drainedAt ?? 0)).toEqual([]);
    }
  }

  function checkNothingLost(sim: Sim, traffic: SteadyTraffic) {
    traffic.acked.forEach((n, i) => {
      expect(n).toBeGreaterThan(0);
      expect(sim.store.seqs(producerOf(i))).toEqual(Array.from({ length: n }, (_, k) => k + 1));
    });
  }
});

const span = (s: [number, number] | null) => (s ? `${s[0]}-${s[1]}` : "?");

/** The figures, for docs/flag-and-timing.md (printed with the test's output). */
function report(
  sim: Sim,
  switches: Switch[],
  observer: StateObserver,
  deployments: Deployment[],
  sent: SteadyTraffic["sent"],
) {
  const lines = switches.map(({ epoch, from }) => {
    const c =
      deployments.flatMap((d) => d.convergence ?? []).find((x) => x.epoch === epoch) ?? observer.convergence.get(epoch);
    if (!c) return `epoch ${epoch}: no convergence seen`;
    const t = moved(sent, epoch, Date.parse(c.since), sim.locations);
    const drain = observer.drains.find((d) => d.epoch === epoch && d.color === from);
    return (
      `epoch ${epoch} (${from} → ${c.color}): reported 50/99/100 % at ${c.reached["50"]}/${c.reached["99"]}/${c.reached["100"]} ms; ` +
      `locations moved 50/99/100 % within ${span(t.p50)}/${span(t.p99)}/${span(t.p100)} ms, last older-epoch request ${span(t.lastOlder)} ms; ` +
      `older-epoch requests ${c.requests.older}/${c.requests.older + c.requests.current}; ` +
      `${from} drained ${drain ? drain.drainedAt - Date.parse(c.since) : "?"} ms after the switch`
    );
  });
  const w = deployments[0]?.watch;
  lines.push(`watch of ${deployments[0]?.version}: started by ${w?.startedBy}, judged ${w?.requests} requests`);
  console.log(`simulation (${sim.locations} locations, KV lag 0-${sim.maxLagMs} ms):\n  ${lines.join("\n  ")}`);
}
