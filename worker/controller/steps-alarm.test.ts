// Traffic steps under at-least-once alarms: the alarm that ends a step, run twice in a row, moves one step
// (the second run changes nothing). Runs on the simulation's Worker (test/sim/worker), whose controller is
// the real one with an alarm handler a test can run twice.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Deployment } from "../../shared";
import { type Sim, startSim } from "../../test/sim/harness";
import { sleep } from "../../test/support/api";

let sim: Sim;
beforeAll(async () => {
  sim = await startSim({ locations: 1, maxLagMs: 0, drainSeconds: 0, vars: { DRAIN_QUIET_SECONDS: "0" } });
});
afterAll(() => sim?.stop());

test("the alarm that ends a step, run twice, starts the next step once", async () => {
  const before = await sim.control.state();
  sim.platforms[before.standby].setVersion("v2");
  // One probe round validates; the next, 3 s later, ends the 1 s step (no traffic needed: minRouterRequests 0).
  const res = await sim.control.deploy({
    version: "v2",
    steps: [20, 100],
    stepSeconds: 1,
    watchSeconds: 600,
    thresholds: { probeIntervalMs: 3000, minSamples: 1, minRouterRequests: 0 },
  });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  const stepping = await sim.control.waitFor(res.json.id, "watching");
  expect(stepping.trafficSteps?.map((x) => x.status)).toEqual(["running", "pending"]);
  const splitEpoch = (await sim.control.state()).flag.epoch;
  await sim.holdAlarms(true);
  try {
    await sleep(3500);
    const { first, second } = await sim.alarmTwice();
    expect(JSON.parse(second)).toEqual(JSON.parse(first));
  } finally {
    await sim.holdAlarms(false);
  }
  const d: Deployment = await sim.control.deployment(res.json.id);
  expect(d.trafficSteps?.map((x) => [x.percent, x.status, x.epoch])).toEqual([
    [20, "passed", splitEpoch],
    [100, "running", splitEpoch + 1],
  ]);
  expect(d.steps.filter((x) => x.status === "promoted")).toHaveLength(2);
  const s = await sim.control.state();
  expect(s.flag).toMatchObject({ color: before.standby, epoch: splitEpoch + 1 });
  expect(s.flag.split).toBeUndefined();
  expect((await sim.control.call("POST", `/api/deployments/${d.id}/abort`)).status).toBe(200);
});
