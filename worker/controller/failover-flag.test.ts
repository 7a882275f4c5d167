// The flag tells routers whether the standby is a valid failover target (docs/router-and-failover.md):
// not while it runs a release under validation or one that was rejected or rolled back from.
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import type { Deployment, State } from "../../shared";
import { sleep } from "../../test/support/api";
import { type Stack, startStack } from "../../test/support/stack";

const FAST = { thresholds: { probeIntervalMs: 100, minSamples: 4, minRouterRequests: 0 }, watchSeconds: 1 };

let s: Stack;
beforeAll(async () => {
  s = await startStack({ drainSeconds: 0, vars: { DRAIN_QUIET_SECONDS: "0" } });
});
afterAll(() => s?.stop());
beforeEach(() => {
  s.platforms.blue.setFaults({});
  s.platforms.green.setFaults({});
});

/** The controller's flag, once KV holds it too. */
async function flag(): Promise<State["flag"]> {
  for (let i = 0; i < 100; i++) {
    const st = await s.control.state();
    if (st.flagInSync !== false) return st.flag;
    await sleep(50);
  }
  throw new Error("the flag never reached KV");
}

async function release(version: string, faults = {}) {
  const st = await s.control.state();
  s.platforms[st.standby].setVersion(version);
  s.platforms[st.standby].setFaults(faults);
  return st;
}

test("validating: off; a validated candidate: on; after the switch (old release on standby): on", async () => {
  const before = await release("v2");
  expect(before.flag.failover).not.toBe(false);
  // Validation takes at least 10 rounds (4 probes each, 200 ms apart): time to see the flag it starts with.
  const slow = { ...FAST.thresholds, minSamples: 40, probeIntervalMs: 200 };
  const res = await s.control.deploy({ version: "v2", autoPromote: false, ...FAST, thresholds: slow });
  expect(res.status).toBe(201);
  // Written before the 201: the standby runs an unvalidated release. A new epoch, traffic unmoved; the same
  // write starts mirroring live ingest to the candidate (docs/deployments.md, "Mirroring").
  const validating = await flag();
  const mirror = { color: before.standby, percent: 10 };
  expect(validating).toMatchObject({ color: before.active, failover: false, epoch: before.epoch + 1, mirror });
  await s.control.waitFor(res.json.id, "awaiting_promotion");
  expect(await flag()).toMatchObject({ color: before.active, failover: true, epoch: before.epoch + 2, mirror });
  await s.control.call<Deployment>("POST", `/api/deployments/${res.json.id}/promote`);
  expect((await s.control.waitFor(res.json.id)).status).toBe("succeeded");
  const after = await flag();
  expect(after).toMatchObject({ color: before.standby, failover: true, epoch: before.epoch + 3 });
  expect(after.mirror).toBeUndefined();
});

test("a release that fails validation keeps failover off; so does a manual rollback away from a color", async () => {
  const before = await release("v3-bad", { errorRate: 1 });
  const res = await s.control.deploy({ version: "v3-bad", ...FAST });
  expect((await s.control.waitFor(res.json.id)).status).toBe("failed");
  // Validation start (failover off, mirror on), then the failure takes the mirror out.
  const failed = await flag();
  expect(failed).toMatchObject({ color: before.active, failover: false, epoch: before.epoch + 2 });
  expect(failed.mirror).toBeUndefined();
  // A good release again, then a manual rollback away from it.
  await release("v4");
  const ok = await s.control.deploy({ version: "v4", ...FAST });
  expect((await s.control.waitFor(ok.json.id)).status).toBe("succeeded");
  expect((await flag()).failover).toBe(true);
  const rb = await s.control.call("POST", "/api/rollback", { reason: "test" });
  expect(rb.status).toBe(200);
  expect(await flag()).toMatchObject({ color: before.active, failover: false });
});

test("a release rolled back during its watch is no failover target", async () => {
  const before = await release("v5");
  const res = await s.control.deploy({ version: "v5", ...FAST, watchSeconds: 30 });
  await s.control.waitFor(res.json.id, "watching");
  expect((await flag()).failover).toBe(true);
  s.platforms[before.standby].setFaults({ unhealthy: true });
  expect((await s.control.waitFor(res.json.id)).status).toBe("rolled_back");
  expect(await flag()).toMatchObject({ color: before.active, failover: false });
});
