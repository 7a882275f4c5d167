// Traffic steps end to end: real producers → real Worker (wrangler dev) → the stand-in platform. A release
// that passes validation and fails every real request is deployed with steps [5, 100]: the breach at 5 %
// reverts, only about 5 % of the traffic ever reached it (counted by the platform), and nothing is lost.
import { afterEach, expect, test } from "vitest";
import type { Deployment } from "../../shared";
import type { Producer } from "../producers/producer";
import { sleep } from "../support/api";
import { producerReports } from "../support/audit";
import { startProducers } from "../support/scenario";
import { type Stack, startStack } from "../support/stack";
import { expectEveryEntryOnce } from "../support/zero-loss";

let stack: Stack | null = null;
let load: Producer[] = [];

afterEach(async () => {
  await Promise.all(load.map((p) => p.stop(5000)));
  load = [];
  await stack?.stop();
  stack = null;
});

test("a release broken for real traffic, deployed with steps [5, 100]: reverted at 5 %, ~5 % of requests reached it, every entry stored once", {
  timeout: 120_000,
}, async () => {
  // Outlier ejection off: it would send the split share away from the failing color after 5 failures
  // (0.5 % reached it in a run with it on), and this test measures what the split alone does.
  const s = await startStack({ drainSeconds: 1, vars: { EJECT_AFTER: "0" } });
  stack = s;
  load = startProducers(s.worker.url, "steps");
  await sleep(1000);
  const color = (await s.control.state()).standby;
  const bad = s.platforms[color];
  const good = s.platforms[color === "blue" ? "green" : "blue"];
  bad.setVersion("v2");
  // Every real ingest request fails; the controller's canary batches pass, so validation passes.
  bad.setFaults({ errorRate: 1, spareCanary: true });
  const res = await s.control.deploy({
    version: "v2",
    steps: [5, 100],
    stepSeconds: 60,
    // 20 failures before a verdict: a step long enough for its share to be measured (the verdict needs
    // them, so a short step would put the share far above 5 % by chance).
    thresholds: { probeIntervalMs: 200, minSamples: 4, minFailures: 20 },
    // Mirroring off: copies of the live traffic would fail this release during validation (mirror_errors,
    // docs/deployments.md, "Mirroring"), and this test is about what a traffic step does with it.
    mirrorPercent: 0,
  });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  const id = res.json.id;

  // The step starts when the controller writes the split flag.
  let d: Deployment;
  for (;;) {
    d = await s.control.deployment(id);
    if (d.trafficSteps?.[0]?.status !== "pending" || d.status === "failed") break;
    await sleep(20);
  }
  expect(d.status, d.reason ?? "").not.toBe("failed");
  const before = { bad: bad.stats.failed, all: good.stats.ingestRequests };
  const done = await s.control.waitFor(id, undefined, 60_000);
  // Every request routed during the step reached the good color: directly, or replayed there after the
  // bad one failed it.
  const routed = good.stats.ingestRequests - before.all;
  // Routers that still use the split flag after the revert count against the step too (an upper bound).
  await sleep(3000);
  const reachedBad = bad.stats.failed - before.bad;

  expect(done.status, done.reason ?? "").toBe("rolled_back");
  expect(done.reason).toMatch(/^router_5xx check failed: .* \(at step 1\/2: 5 % of traffic on (blue|green)\)$/);
  expect(done.trafficSteps?.map((x) => x.status)).toEqual(["reverted", "skipped"]);
  expect(done.trafficSteps?.[0]?.errors5xx).toBeGreaterThanOrEqual(20);
  const state = await s.control.state();
  expect(state.active).toBe(done.previousColor);
  expect(state.flag.split).toBeUndefined();

  const stats = await Promise.all(load.map((p) => p.stop()));
  load = [];
  const rows = producerReports(s.store, stats);
  const share = reachedBad / routed;
  console.log(
    `[traffic-steps] requests routed during the 5 % step: ${routed}; reached the bad release: ${reachedBad} (${(share * 100).toFixed(1)} %)\n${rows.map((r) => JSON.stringify(r)).join("\n")}`,
  );
  expect(reachedBad).toBeGreaterThan(0);
  expect(routed).toBeGreaterThan(100);
  expect(share).toBeLessThanOrEqual(0.12);
  expectEveryEntryOnce(rows);
});
