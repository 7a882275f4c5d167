// The fast path for the flag (FLAG_FAST_PATH) and its epoch fence, on the simulation's Worker: one
// location whose KV view is the real local KV (no lag), with the controller's KV writes and fast-path
// reads failing on demand, and fast-path entries planted in the location's cache.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Flag, RollbackResult } from "../../shared";
import { sleep } from "../support/api";
import { LOCATION_HEADER, type Sim, startSim } from "./harness";

describe("the fast path and its epoch fence", () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ locations: 1, maxLagMs: 0, drainSeconds: 0, vars: { FLAG_CACHE_MS: "200" } });
  });
  afterAll(() => sim?.stop());

  const epochRouted = async () => {
    const res = await fetch(`${sim.worker.url}/ingest`, {
      method: "POST",
      headers: { [LOCATION_HEADER]: "0", "content-type": "application/x-ndjson" },
      body: '{"message":"fence"}\n',
    });
    await res.arrayBuffer();
    return Number(res.headers.get("x-route-epoch"));
  };
  /** The epochs location 0 routes by, a request every 100 ms for `ms`, while `each` runs every round. */
  const routeFor = async (ms: number, each: () => Promise<void> = async () => undefined) => {
    const seen: number[] = [];
    for (const end = Date.now() + ms; Date.now() < end; ) {
      await each();
      seen.push(await epochRouted());
      await sleep(100);
    }
    return seen;
  };
  const location = async () => (await sim.fastPath()).perLocation[0] as { failures: number; cacheHits: number };

  let old: Flag;
  let current: Flag;

  test("a switch reaches a router through the fast path while KV still holds the old flag", async () => {
    old = (await sim.control.state()).flag;
    expect(await epochRouted()).toBe(old.epoch);
    await sim.kvFaults({ failPuts: true });
    try {
      const rb = await sim.control.call<RollbackResult>("POST", "/api/rollback", { reason: "fast path" });
      expect(rb.status).toBe(200);
      current = rb.json.flag;
      expect(JSON.parse((await sim.kv()) ?? "null")).toEqual(old);
      const started = Date.now();
      let epoch = old.epoch;
      // Goal: within 2 s (one TTL in the cache, one in the isolate); 5 s leaves room for a loaded machine.
      while (epoch !== current.epoch && Date.now() - started < 5000) {
        await sleep(100);
        epoch = await epochRouted();
      }
      expect(epoch, "the router never saw the controller's flag").toBe(current.epoch);
    } finally {
      await sim.kvFaults({ failPuts: false });
    }
  });

  test("a stale cache entry, a stale KV and a failed fast path never move a router back", async () => {
    // No alarm repairs KV meanwhile: it keeps the older flag written behind the controller's back.
    await sim.holdAlarms(true);
    try {
      await sim.putKv(JSON.stringify(old));
      const before = await location();
      // The older flag, freshly in the location's cache each round: the location takes it from there.
      const planted = await routeFor(3000, () => sim.plantFastPathEntry(0, old));
      const afterPlanting = await location();
      expect(afterPlanting.cacheHits, "the planted entries were never read").toBeGreaterThan(before.cacheHits);
      expect(new Set(planted)).toEqual(new Set([current.epoch]));

      await sim.fastPathFaults({ fail: true });
      const failing = await routeFor(3000);
      expect((await location()).failures, "the fast path never failed").toBeGreaterThan(afterPlanting.failures);
      expect(new Set(failing)).toEqual(new Set([current.epoch]));
    } finally {
      await sim.fastPathFaults({});
      await sim.holdAlarms(false);
    }
  });
});
