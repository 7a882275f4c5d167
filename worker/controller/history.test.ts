import { afterAll, beforeAll, expect, test } from "vitest";
import type { Color } from "../../shared";
import { type Stack, startStack } from "../../test/support/stack";

// Mirroring off: without live traffic, each validation would wait for the routers' reports (2 s) instead of
// its one probe round, 60 times over.
const QUICK = { thresholds: { probeIntervalMs: 50, minSamples: 1 }, watchSeconds: 0, mirrorPercent: 0 };

let s: Stack;
beforeAll(async () => {
  s = await startStack({ drainSeconds: 0 });
});
afterAll(() => s?.stop());

const idle = async (): Promise<Color> => (await s.control.state()).standby;

/** Puts `version` on the idle color, deploys it and waits for the end; returns the deployment's id. */
async function deploy(version: string, extra: Record<string, unknown> = {}, faults = {}): Promise<string> {
  const color = await idle();
  s.platforms[color].setVersion(version);
  s.platforms[color].setFaults(faults);
  const res = await s.control.deploy({ version, ...QUICK, ...extra });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.id;
}

test("every kind of history entry, past the limit of 50: storage keeps exactly the records the history names", async () => {
  const ids: string[] = [];
  // Six entries a round, so that over the rounds every kind is the one pushed out by every other kind.
  for (let i = 0; ids.length < 60; i++) {
    // succeeded, then a manual rollback onto the previous release
    const ok = await deploy(`ok-${i}`);
    expect((await s.control.waitFor(ok)).status).toBe("succeeded");
    const back = await s.control.call<{ from: Color }>("POST", "/api/rollback", { reason: `soak ${i}` });
    expect(back.status, JSON.stringify(back.json)).toBe(200);
    // failed: the idle color reports another version
    const bad = await deploy(`bad-${i}`, {}, { reportVersion: "other" });
    expect((await s.control.waitFor(bad)).status).toBe("failed");
    // aborted mid-validation
    const stuck = await deploy(`stuck-${i}`, { thresholds: { probeIntervalMs: 50, minSamples: 10_000 } });
    expect((await s.control.call("POST", `/api/deployments/${stuck}/abort`)).status).toBe(200);
    // rolled back during its watch
    const watched = await deploy(`watched-${i}`, { watchSeconds: 60 });
    await s.control.waitFor(watched, "watching");
    expect((await s.control.call("POST", "/api/rollback", { reason: "during watch" })).status).toBe(200);
    expect((await s.control.waitFor(watched)).status).toBe("rolled_back");
    const again = await deploy(`again-${i}`);
    expect((await s.control.waitFor(again)).status).toBe("succeeded");
    ids.push(ok, bad, stuck, watched, again);
  }
  const state = await s.control.state();
  expect(state.history).toHaveLength(50);
  // A manual rollback leaves the color traffic left unproven: a standby entry says so, another when it is ready.
  expect(new Set(state.history.map((h) => h.kind))).toEqual(new Set(["deployment", "rollback", "standby"]));
  const named = state.history.filter((h) => h.kind === "deployment").map((h) => h.id);
  // Storage is measured at most every 2 s: read it again until it reflects the last write.
  await expect
    .poll(async () => (await s.control.state()).storage?.records, { timeout: 10_000, interval: 500 })
    .toBe(named.length);
  for (const id of ids) {
    const res = await s.control.call("GET", `/api/deployments/${id}`);
    expect(res.status, id).toBe(named.includes(id) ? 200 : 404);
  }
});
