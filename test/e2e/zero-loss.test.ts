// End-to-end zero-loss proof: real producers → real Worker (wrangler dev) → real origins → shared store.
// Every entry a producer created must be stored exactly once, whatever the deployments do meanwhile.
import { afterEach, expect, test } from "vitest";
import { ApiError, type Deployment, type DeploymentRequest, type RollbackResult } from "../../shared";
import { HttpShipper, type ShipperStats } from "../producers/http-shipper";
import { OtelProducer } from "../producers/otel-producer";
import { count5xx, type Producer, type ProducerStats } from "../producers/producer";
import { sleep } from "../support/api";
import { auditStore } from "../support/audit";
import { type Stack, startStack } from "../support/stack";

const FAST: Pick<DeploymentRequest, "thresholds" | "watchSeconds"> = {
  thresholds: { probeIntervalMs: 200, minSamples: 6 },
  watchSeconds: 3,
};
const TEST_TIMEOUT_MS = 120_000;

let stack: Stack | null = null;
let load: Producer[] = [];

afterEach(async () => {
  await Promise.all(load.map((p) => p.stop(5000)));
  load = [];
  await stack?.stop();
  stack = null;
});

/** Three HTTP shippers (~30 batches/s in all) and one OTel SDK producer, all through the Worker. */
function startLoad(url: string, tag: string): Producer[] {
  const producers: Producer[] = [
    ...[1, 2, 3].map(
      (n) => new HttpShipper({ url, producer: `${tag}-shipper-${n}`, entriesPerSecond: 100, batchSize: 10 }),
    ),
    new OtelProducer({ url, producer: `${tag}-otel`, recordsPerSecond: 50 }),
  ];
  for (const p of producers) p.start();
  return producers;
}

/** Starts a deployment and waits for its end; waits out `409 color_draining` from the previous switch first. */
async function deployAndWait(s: Stack, req: DeploymentRequest): Promise<Deployment> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await s.control.deploy(req);
    if (res.status === 201) return s.control.waitFor(res.json.id);
    const err = ApiError.safeParse(res.json);
    if (!err.success || err.data.error.code !== "color_draining" || Date.now() > deadline)
      throw new Error(`deploy ${req.version}: ${res.status} ${JSON.stringify(res.json)}`);
    await sleep(200);
  }
}

const isShipper = (s: ProducerStats): s is ShipperStats => "servedBy" in s;

/** Stops the load, checks the store, prints the figures for the CI log and asserts zero loss. */
async function stopAndProve(title: string, s: Stack): Promise<ProducerStats[]> {
  const stats = await Promise.all(load.map((p) => p.stop()));
  load = [];
  const audits = auditStore(s.store, stats);
  const rows = audits.map((a, i) => {
    const st = stats[i] as ProducerStats;
    return {
      ...a,
      dropped: st.dropped,
      "5xx": count5xx(st.errors),
      errors: st.errors,
      retries: isShipper(st) ? st.retries : "n/a",
      failovers: isShipper(st) ? st.failovers : "n/a",
      servedBy: isShipper(st) ? st.servedBy : "n/a",
    };
  });
  console.log(
    `[zero-loss] ${title}\n${rows.map((r) => JSON.stringify(r)).join("\n")}\nstored by color: ${JSON.stringify(s.store.countByColor())}`,
  );
  for (const r of rows) {
    expect({ producer: r.producer, lost: r.lost, duplicates: r.duplicates, unexpected: r.unexpected }).toEqual({
      producer: r.producer,
      lost: 0,
      duplicates: 0,
      unexpected: 0,
    });
    expect(r.sent).toBeGreaterThan(0);
    expect(r.dropped, r.producer).toBe(0);
    expect(r["5xx"], `${r.producer} saw 5xx: ${JSON.stringify(r.errors)}`).toBe(0);
  }
  return stats;
}

test(
  "deploy good v2, reject bad v3, roll back by hand: every entry stored once, no 5xx",
  async () => {
    const s = await startStack({ drainSeconds: 1 });
    stack = s;
    load = startLoad(s.worker.url, "deploy");
    await sleep(1000);

    // The deploy command puts the release on the idle color; then the controller validates and switches.
    s.platforms.green.setVersion("v2");
    const good = await deployAndWait(s, { version: "v2", ...FAST });
    expect(good.status, good.reason ?? "").toBe("succeeded");
    expect((await s.control.state()).active).toBe("green");

    // A broken release on the now idle blue: every ingest fails, so validation stops it before any traffic.
    s.platforms.blue.setVersion("v3");
    s.platforms.blue.setFaults({ errorRate: 1 });
    const bad = await deployAndWait(s, { version: "v3", ...FAST });
    expect(["failed", "rolled_back"]).toContain(bad.status);
    expect((await s.control.state()).active).toBe("green");

    // The operator puts v1 back on blue, then rolls back to it by hand.
    s.platforms.blue.setVersion("v1");
    s.platforms.blue.setFaults({});
    const rollback = await s.control.call<RollbackResult>("POST", "/api/rollback", { reason: "e2e manual rollback" });
    expect(rollback.status).toBe(200);
    expect(rollback.json).toMatchObject({ from: "green", to: "blue" });
    const after = await s.control.state();
    expect(after.active).toBe("blue");
    // Routers may still send to green until their flag refreshes: it must stay warm.
    expect(after.colors.green.drainingUntil).not.toBeNull();
    // Keep the load on past the switch and the routers' flag cache.
    await sleep(1500);

    const stats = await stopAndProve("deploy v2 → bad v3 → manual rollback", s);
    console.log(`[zero-loss] deployments: v2 ${good.status}, v3 ${bad.status} (${bad.reason})`);
    const served = stats.filter(isShipper).map((st) => st.servedBy);
    expect(served.every((by) => (by.blue ?? 0) > 0 && (by.green ?? 0) > 0)).toBe(true);
  },
  TEST_TIMEOUT_MS,
);

test(
  "the active origin crashes mid-stream: failover keeps every entry, no 5xx",
  async () => {
    const s = await startStack({ drainSeconds: 1 });
    stack = s;
    load = startLoad(s.worker.url, "crash");
    await sleep(1500);
    // Slow blue down first so batches are certainly mid-request when it dies, not only refused afterwards.
    s.platforms.blue.setFaults({ latencyMs: 150 });
    await sleep(300);
    await s.platforms.blue.kill();
    await sleep(2500);

    const stats = await stopAndProve("active origin (blue) killed mid-stream", s);
    const shippers = stats.filter(isShipper);
    const failovers = shippers.reduce((n, st) => n + st.failovers, 0);
    console.log(
      `[zero-loss] failovers seen by shippers: ${failovers}; blue before it died: ${JSON.stringify(s.platforms.blue.stats)}`,
    );
    expect(failovers).toBeGreaterThan(0);
    expect(shippers.every((st) => (st.servedBy.green ?? 0) > 0)).toBe(true);
    // The router hides the crash; moving the flag stays the controller's (or operator's) decision.
    expect((await s.control.state()).active).toBe("blue");
  },
  TEST_TIMEOUT_MS,
);
