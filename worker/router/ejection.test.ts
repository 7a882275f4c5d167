import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sleep } from "../../test/support/api";
import { type EchoOrigin, type EchoPair, echoPair } from "../../test/support/echo-pair";
import { routeByLocalFlag } from "../../test/support/local-kv";
import type { WorkerHandle } from "../../test/support/worker";
import { withoutSpool } from "../../test/support/wrangler-config";
import { Ejection } from "./ejection";

describe("Ejection (the state machine)", () => {
  const AFTER = 3;
  const PERIOD = 1000;

  test("N consecutive failures eject; a success in between resets the count", () => {
    const e = new Ejection();
    expect(e.report("blue", true, AFTER, PERIOD, 0)).toBe(false);
    expect(e.report("blue", true, AFTER, PERIOD, 0)).toBe(false);
    e.report("blue", false, AFTER, PERIOD, 0);
    expect(e.report("blue", true, AFTER, PERIOD, 0)).toBe(false);
    expect(e.report("blue", true, AFTER, PERIOD, 0)).toBe(false);
    expect(e.report("blue", true, AFTER, PERIOD, 10)).toBe(true);
    expect(e.pick("blue", 20)).toBe("green");
    expect(e.ejected(20)).toEqual(["blue"]);
    // Failures of requests already on their way do not eject it again.
    expect(e.report("blue", true, AFTER, PERIOD, 30)).toBe(false);
  });

  test("half-open after the period: one trial request; a failure ejects again, a success heals", () => {
    const e = new Ejection();
    for (let i = 0; i < AFTER; i++) e.report("blue", true, AFTER, PERIOD, 0);
    expect(e.pick("blue", PERIOD + 1)).toBe("blue");
    // While the trial is out, others still go to green.
    expect(e.pick("blue", PERIOD + 2)).toBe("green");
    expect(e.report("blue", true, AFTER, PERIOD, PERIOD + 3)).toBe(true);
    expect(e.pick("blue", PERIOD + 4)).toBe("green");
    expect(e.pick("blue", 2 * PERIOD + 10)).toBe("blue");
    expect(e.report("blue", false, AFTER, PERIOD, 2 * PERIOD + 11)).toBe(false);
    expect(e.pick("blue", 2 * PERIOD + 12)).toBe("blue");
    expect(e.pick("blue", 2 * PERIOD + 13)).toBe("blue");
  });

  test("a trial without a verdict (client gone) frees the trial slot", () => {
    const e = new Ejection();
    for (let i = 0; i < AFTER; i++) e.report("blue", true, AFTER, PERIOD, 0);
    expect(e.pick("blue", PERIOD + 1)).toBe("blue");
    e.report("blue", null, AFTER, PERIOD, PERIOD + 2);
    expect(e.pick("blue", PERIOD + 3)).toBe("blue");
  });

  test("both ejected: the flag's color; EJECT_AFTER=0 never ejects", () => {
    const e = new Ejection();
    for (let i = 0; i < AFTER; i++) {
      e.report("blue", true, AFTER, PERIOD, 0);
      e.report("green", true, AFTER, PERIOD, 0);
    }
    expect(e.pick("green", 1)).toBe("green");
    expect(e.pick("blue", 2)).toBe("blue");
    const off = new Ejection();
    for (let i = 0; i < 10; i++) expect(off.report("blue", true, 0, PERIOD, 0)).toBe(false);
    expect(off.pick("blue", 1)).toBe("blue");
  });
});

describe("outlier ejection in the Worker", () => {
  let pair: EchoPair;
  let blue: EchoOrigin;
  let green: EchoOrigin;
  let worker: WorkerHandle;
  let dir: string;
  const EJECT_SECONDS = 2;
  const healthz = async () =>
    (await (await fetch(`${worker.url}/healthz`)).json()) as { ejections: number; ejected: string[] };
  const post = () => fetch(`${worker.url}/ingest`, { method: "POST", body: `{"at":${Date.now()}}` });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "bg-eject-"));
    // Without the spool bindings: a request no color takes is answered 503 (worker/spool/spool.test.ts spools it).
    pair = await echoPair(
      { EJECT_AFTER: "3", EJECT_SECONDS: String(EJECT_SECONDS), FLAG_CACHE_MS: "100" },
      dir,
      withoutSpool(),
    );
    ({ blue, green, worker } = pair);
  });
  afterAll(async () => {
    await pair?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("a color that keeps failing gets no new requests for EJECT_SECONDS, then one trial", async () => {
    blue.setStatus(503);
    for (let i = 0; i < 3; i++) expect((await post()).headers.get("x-failover-from")).toBe("blue");
    const h = await healthz();
    expect(h.ejections).toBe(1);
    expect(h.ejected).toEqual(["blue"]);
    const blueSeen = blue.seen.length;
    for (let i = 0; i < 5; i++) {
      const res = await post();
      expect(res.status).toBe(200);
      expect(res.headers.get("x-served-by")).toBe("green");
      // Sent straight to green: not a failover.
      expect(res.headers.get("x-failover-from")).toBeNull();
    }
    expect(blue.seen.length).toBe(blueSeen);
    // Blue recovers; after the period the trial request finds it healthy and it takes traffic again.
    blue.setStatus(200);
    await sleep(EJECT_SECONDS * 1000 + 200);
    expect((await post()).headers.get("x-served-by")).toBe("blue");
    expect((await post()).headers.get("x-served-by")).toBe("blue");
    expect((await healthz()).ejected).toEqual([]);
  });

  test("with failover:false in the flag there is neither failover nor ejection", async () => {
    await routeByLocalFlag(dir, worker.url, {
      color: "blue",
      epoch: 7,
      deploymentId: null,
      updatedAt: "2026-01-01T00:00:00Z",
      failover: false,
    });
    blue.setStatus(503);
    try {
      const greenSeen = green.seen.length;
      const before = (await healthz()).ejections;
      for (let i = 0; i < 4; i++) {
        const res = await post();
        expect(res.headers.get("x-route-epoch")).toBe("7");
        expect(res.status).toBe(503);
        expect(res.headers.get("retry-after")).toBe("1");
      }
      expect(green.seen.length).toBe(greenSeen);
      expect((await healthz()).ejections).toBe(before);
    } finally {
      blue.setStatus(200);
    }
  });
});
