// The flag cannot drift: KV is brought back to the controller's flag after failed writes and edits behind
// its back, and every alarm task can run twice. Runs on the simulation's Worker (test/sim/worker), whose
// controller is the real one with a KV that fails on demand.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Deployment, Flag, RollbackResult, State } from "../../shared";
import { LOCATION_HEADER, type Sim, startSim } from "../../test/sim/harness";
import { sleep } from "../../test/support/api";

const FAST = { thresholds: { probeIntervalMs: 100, minSamples: 4 }, watchSeconds: 1 };

describe("the flag in KV follows the controller's", () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({
      locations: 1,
      maxLagMs: 0,
      drainSeconds: 0,
      vars: { DRAIN_QUIET_SECONDS: "0", FLAG_CACHE_MS: "100" },
    });
  });
  afterAll(() => sim?.stop());

  const kvFlag = async () => JSON.parse((await sim.kv()) ?? "null") as Flag | null;
  const routedTo = async () =>
    (
      await fetch(`${sim.worker.url}/ingest`, { method: "POST", headers: { [LOCATION_HEADER]: "0" }, body: "{}" })
    ).headers.get("x-served-by");
  const until = async <T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await read();
      if (ok(v)) return v;
      if (Date.now() > deadline)
        throw new Error(`waited ${ms} ms for ${what}; last: ${JSON.stringify(v).slice(0, 400)}`);
      await sleep(100);
    }
  };

  test("a KV write that fails is retried from the alarm until it lands; meanwhile the state says so", async () => {
    const before = await sim.control.state();
    await sim.kvFaults({ failPuts: true });
    const rb = await sim.control.call<RollbackResult>("POST", "/api/rollback", {});
    // The switch is the controller's decision: it answers at once, and routers keep the old flag.
    expect(rb.status).toBe(200);
    const behind = await sim.control.state();
    expect(behind.active).toBe(before.standby);
    expect(behind.flagInSync).toBe(false);
    expect(Date.parse(behind.flagSync?.outOfSyncSince ?? "")).toBeGreaterThanOrEqual(Date.parse(behind.flag.updatedAt));
    expect(behind.flagSync?.lastError).toMatch(/simulated KV write failure/);
    expect((await kvFlag())?.epoch ?? 0).toBe(before.epoch);
    expect(await routedTo()).toBe(before.active);
    // The color that lost traffic (in the controller's eyes) is not drained while routers cannot know.
    expect(behind.colors[before.active].drain?.waitingFor.join()).toMatch(/the flag to land in KV/);
    await sleep(2500);
    const retried = await sim.control.state();
    expect(retried.flagInSync).toBe(false);
    expect(retried.flagSync?.failures).toBeGreaterThanOrEqual(2);

    await sim.kvFaults({ failPuts: false });
    const synced = await until(
      "the flag to land",
      () => sim.control.state(),
      (s) => s.flagInSync === true,
    );
    expect(synced.flagSync?.outOfSyncSince).toBeNull();
    expect(await kvFlag()).toEqual(synced.flag);
    await until("routers to follow", routedTo, (c) => c === synced.active);
  });

  test("a KV changed behind the controller's back is rewritten by the next alarm", async () => {
    const s = await sim.control.state();
    sim.platforms[s.standby].setVersion("v-long");
    // A long validation: its probe rounds run from the alarm every 100 ms.
    const d = await sim.control.deploy({ version: "v-long", thresholds: { probeIntervalMs: 100, minSamples: 1000 } });
    expect(d.status).toBe(201);
    try {
      // The deployment wrote its own flag (failover off, the mirror on): that is the one to repair.
      const { flag } = await sim.control.state();
      const bogus: Flag = { ...flag, color: s.standby, epoch: flag.epoch + 7, updatedAt: new Date().toISOString() };
      await sim.putKv(JSON.stringify(bogus));
      const repaired = await until("KV to be repaired", kvFlag, (f) => f?.epoch === flag.epoch, 5000);
      expect(repaired).toEqual(flag);
    } finally {
      await sim.control.call("POST", `/api/deployments/${d.json.id}/abort`);
    }
  });

  test("…and by a health refresh (GET /api/state), which shows it out of sync while it cannot write", async () => {
    const s = await sim.control.state();
    await sim.kvFaults({ failPuts: true });
    try {
      await sim.putKv(JSON.stringify({ ...s.flag, color: s.standby }));
      // Health is refreshed when older than 5 s; the flag is compared with it.
      const seen = await until(
        "the drift to show",
        () => sim.control.state(),
        (x) => x.flagInSync === false,
        15_000,
      );
      expect(seen.flag).toEqual(s.flag);
      expect(seen.flagSync?.outOfSyncSince).not.toBeNull();
    } finally {
      await sim.kvFaults({ failPuts: false });
    }
    await until(
      "the flag to land",
      () => sim.control.state(),
      (x) => x.flagInSync === true,
    );
    expect(await kvFlag()).toEqual(s.flag);
  });
});

describe("every alarm task can run twice", () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ locations: 1, maxLagMs: 0, drainSeconds: 0, vars: { DRAIN_QUIET_SECONDS: "0" } });
  });
  afterAll(() => sim?.stop());

  /** Runs the alarm handler twice with the runtime's own alarms held; the second run must change nothing. */
  async function twice(): Promise<void> {
    const { first, second } = await sim.alarmTwice();
    expect(JSON.parse(second)).toEqual(JSON.parse(first));
  }
  const held = async (body: () => Promise<void>) => {
    await sim.holdAlarms(true);
    try {
      await body();
    } finally {
      await sim.holdAlarms(false);
    }
  };

  test("a failed flag write retried, a repaired KV, a promotion deadline and a finished drain", async () => {
    // A failed write, retried by the first run only.
    await held(async () => {
      await sim.kvFaults({ failPuts: true });
      expect((await sim.control.call("POST", "/api/rollback", {})).status).toBe(200);
      await sim.kvFaults({ failPuts: false });
      await sleep(1100);
      await twice();
      const s = await sim.control.state();
      expect(s.flagInSync).toBe(true);
      expect(await sim.kv()).toBe(JSON.stringify(s.flag));
    });

    // KV edited by hand, and the color the switch above took traffic from, drained.
    await held(async () => {
      const s = await sim.control.state();
      await sim.putKv(JSON.stringify({ ...s.flag, epoch: 99 }));
      await twice();
      expect(await sim.kv()).toBe(JSON.stringify(s.flag));
      expect((await sim.control.state()).colors[s.standby].drainedAt).not.toBeNull();
    });

    // A promotion nobody gave.
    const s = await sim.control.state();
    sim.platforms[s.standby].setVersion("v2");
    const d = await sim.control.deploy({ version: "v2", autoPromote: false, promotionTimeoutSeconds: 1, ...FAST });
    await sim.control.waitFor(d.json.id, "awaiting_promotion");
    await held(async () => {
      await sleep(1100);
      await twice();
      const after = await sim.control.deployment(d.json.id);
      expect(after.status).toBe("aborted");
      expect(after.steps.filter((x: Deployment["steps"][number]) => x.status === "aborted")).toHaveLength(1);
    });
    // Traffic never moved: the mirror went on at validation start, failover on for the validated candidate,
    // both off again at the abort.
    const after = ((await sim.control.state()) as State).flag;
    expect(after).toMatchObject({ color: s.flag.color, deploymentId: s.flag.deploymentId, failover: false });
    expect(after.mirror).toBeUndefined();
    expect(after.epoch).toBe(s.flag.epoch + 3);
  });
});
