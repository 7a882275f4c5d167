import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Flag } from "../../shared/schemas";
import { type EchoOrigin, type EchoPair, echoPair } from "../../test/support/echo-pair";
import { routeByLocalFlag } from "../../test/support/local-kv";
import type { WorkerHandle } from "../../test/support/worker";
import { withoutSpool } from "../../test/support/wrangler-config";
import { splitPick } from "./split";

describe("splitPick", () => {
  test("sends `percent` of the random range to the split color, the rest to the active one", () => {
    const split = { color: "green", percent: 5 } as const;
    expect(splitPick("blue", split, () => 0)).toBe("green");
    expect(splitPick("blue", split, () => 0.0499)).toBe("green");
    expect(splitPick("blue", split, () => 0.05)).toBe("blue");
    expect(splitPick("blue", split, () => 0.9999)).toBe("blue");
    let green = 0;
    for (let i = 0; i < 1000; i++) if (splitPick("blue", split, () => i / 1000) === "green") green++;
    expect(green).toBe(50);
  });
});

describe("a flag with a split in the Worker", () => {
  let pair: EchoPair;
  let blue: EchoOrigin;
  let green: EchoOrigin;
  let worker: WorkerHandle;
  let dir: string;
  const post = (i: number) => fetch(`${worker.url}/ingest`, { method: "POST", body: `{"i":${i},"at":${Date.now()}}` });
  const flag = (epoch: number, extra: Partial<Flag>) => ({
    color: "blue" as const,
    epoch,
    deploymentId: null,
    updatedAt: "2026-01-01T00:00:00Z",
    ...extra,
  });
  /** Writes the flag and waits until the Worker routes by it. */
  const use = (f: Flag) => routeByLocalFlag(dir, worker.url, f);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "bg-split-"));
    // The controller must not move the flag (its own epochs stay below the hand-written ones).
    // Without the spool bindings: a request no color takes is answered 503 (worker/spool/spool.test.ts spools it).
    pair = await echoPair({ FLAG_CACHE_MS: "100", EJECT_AFTER: "0" }, dir, withoutSpool());
    ({ blue, green, worker } = pair);
  });
  afterAll(async () => {
    await pair?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("about `percent` of the requests go to the split color, each served once", async () => {
    await use(flag(20, { split: { color: "green", percent: 20 } }));
    const [b0, g0] = [blue.seen.length, green.seen.length];
    const served = { blue: 0, green: 0 };
    for (let i = 0; i < 400; i++) {
      const res = await post(i);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-failover-from")).toBeNull();
      served[res.headers.get("x-served-by") as "blue" | "green"]++;
    }
    // Binomial(400, 0.2): mean 80, sd 8; 40..130 is beyond 5 sd on either side.
    expect(served.green).toBeGreaterThan(40);
    expect(served.green).toBeLessThan(130);
    expect(green.seen.length - g0).toBe(served.green);
    expect(blue.seen.length - b0).toBe(served.blue);
  });

  test("a request the split color fails is replayed on the active color (and the other way round)", async () => {
    await use(flag(21, { split: { color: "green", percent: 50 } }));
    green.setStatus(503);
    try {
      let failedOver = 0;
      for (let i = 0; i < 40; i++) {
        const res = await post(i);
        expect(res.status).toBe(200);
        expect(res.headers.get("x-served-by")).toBe("blue");
        if (res.headers.get("x-failover-from") === "green") failedOver++;
      }
      expect(failedOver).toBeGreaterThan(0);
    } finally {
      green.setStatus(200);
    }
    blue.setStatus(503);
    try {
      for (let i = 0; i < 20; i++) expect((await post(i)).headers.get("x-served-by")).toBe("green");
    } finally {
      blue.setStatus(200);
    }
  });

  test("with failover:false a failure of the split color is a retryable 503, not sent to the other color", async () => {
    await use(flag(22, { split: { color: "green", percent: 50 }, failover: false }));
    green.setStatus(503);
    try {
      const statuses = new Set<number>();
      for (let i = 0; i < 30; i++) {
        const res = await post(i);
        expect(res.headers.get("x-failover-from")).toBeNull();
        statuses.add(res.status);
      }
      expect([...statuses].sort()).toEqual([200, 503]);
    } finally {
      green.setStatus(200);
    }
  });

  test("without a split every request goes to the flag's color", async () => {
    await use(flag(23, {}));
    for (let i = 0; i < 50; i++) expect((await post(i)).headers.get("x-served-by")).toBe("blue");
  });
});
