// Stopping a deployment by hand: abort (the flag returns to where it was) and manual rollback (traffic back
// to the previous color at once), with the refusals that keep a rollback from making things worse.
import { expect, test } from "vitest";
import type { Deployment, RollbackResult } from "../../shared";
import { sleep } from "../../test/support/api";
import { sharedStack } from "../../test/support/shared-stack";
import { release } from "../../test/support/stack";

const stack = sharedStack();

/** Deploys `version` with a long watch and waits until it is watching; returns it and the state before. */
async function watching(version: string) {
  const s = stack();
  await release(s, version);
  const before = await s.control.state();
  const res = await s.control.deploy({
    version,
    thresholds: { probeIntervalMs: 100, minSamples: 4 },
    watchSeconds: 60,
  });
  await s.control.waitFor(res.json.id, "watching");
  return { id: res.json.id, before };
}

test("abort mid-validation stops it; the flag never moved", async () => {
  const s = stack();
  await release(s, "v7");
  const before = await s.control.state();
  const res = await s.control.deploy({ version: "v7", thresholds: { probeIntervalMs: 200, minSamples: 1000 } });
  await sleep(300);
  const aborted = await s.control.call<Deployment>("POST", `/api/deployments/${res.json.id}/abort`);
  expect(aborted.status).toBe(200);
  expect(aborted.json.status).toBe("aborted");
  const after = (await s.control.state()).flag;
  expect(after).toMatchObject({ color: before.flag.color, deploymentId: before.flag.deploymentId, failover: false });
  // Aborting twice is the wrong state.
  const again = await s.control.call<{ error: { code: string } }>("POST", `/api/deployments/${res.json.id}/abort`);
  expect(again.status).toBe(409);
});

test("abort mid-watch puts the flag back", async () => {
  const s = stack();
  const { id, before } = await watching("v8");
  const aborted = await s.control.call<Deployment>("POST", `/api/deployments/${id}/abort`);
  expect(aborted.json.status).toBe("aborted");
  expect((await s.control.state()).active).toBe(before.active);
});

test("manual rollback mid-watch rolls the deployment back", async () => {
  const s = stack();
  const { id, before } = await watching("v9");
  const rb = await s.control.call<RollbackResult>("POST", "/api/rollback", { reason: "dashboards look wrong" });
  expect(rb.status).toBe(200);
  expect(rb.json).toMatchObject({ to: before.active, deploymentId: id });
  const d = await s.control.deployment(id);
  expect(d.status).toBe("rolled_back");
  expect(d.reason).toMatch(/manual rollback by control-token: dashboards look wrong/);
});

test("rollback onto the release the last deployment rejected is refused unless forced", async () => {
  const s = stack();
  // The previous test rolled its deployment back: the standby still runs that rejected release.
  const before = await s.control.state();
  expect(before.deployment).toMatchObject({ status: "rolled_back", color: before.standby });
  const rb = await s.control.call<{ error: { code: string; message: string } }>("POST", "/api/rollback", {});
  expect(rb.status).toBe(409);
  expect(rb.json.error).toMatchObject({ code: "standby_rejected" });
  expect(rb.json.error.message).toContain(before.deployment?.version ?? "?");
  expect((await s.control.state()).flag).toEqual(before.flag);

  const forced = await s.control.call<RollbackResult>("POST", "/api/rollback", { force: true });
  expect(forced.status).toBe(200);
  expect(forced.json).toMatchObject({ from: before.active, to: before.standby });
});

test("manual rollback with no deployment flips to the standby and is recorded", async () => {
  const s = stack();
  const before = await s.control.state();
  const rb = await s.control.call<RollbackResult>("POST", "/api/rollback", {});
  expect(rb.status).toBe(200);
  expect(rb.json).toMatchObject({ from: before.active, to: before.standby, deploymentId: null });
  const after = await s.control.state();
  expect(after.active).toBe(before.standby);
  // (A standby entry may come first: the color traffic left is no failover target until it earns it back.)
  const entry = after.history.find((h) => h.kind === "rollback");
  expect(entry).toMatchObject({ kind: "rollback", status: "rolled_back_manually", to: before.standby });
});

test("rollback onto an unhealthy standby is refused", async () => {
  const s = stack();
  const before = await s.control.state();
  s.platforms[before.standby].setFaults({ unhealthy: true });
  const rb = await s.control.call<{ error: { code: string } }>("POST", "/api/rollback", {});
  expect(rb.status).toBe(409);
  expect(rb.json.error.code).toBe("standby_unhealthy");
  expect((await s.control.state()).flag).toEqual(before.flag);
});
