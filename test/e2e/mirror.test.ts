// Validation on mirrored production load (docs/deployments.md), end to end: real producers (NDJSON shippers
// and the OpenTelemetry exporter) → the real Worker → the stand-in platform, while releases are validated
// on copies of that traffic. Every entry must be stored exactly once, and no client may see a copy's effect.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Deployment } from "../../shared";
import type { ShipperStats } from "../producers/http-shipper";
import type { Producer, ProducerStats } from "../producers/producer";
import { sleep } from "../support/api";
import { producerReports } from "../support/audit";
import { startProducers } from "../support/scenario";
import { type Stack, startStack } from "../support/stack";

const TIMEOUT_MS = 120_000;
// Quick rounds; the probes need many samples, so a verdict on them alone never comes before the mirror's.
const thresholds = { probeIntervalMs: 250, minSamples: 40, maxP95Ms: 1000, minMirrorRequests: 20 };
// Fast alone (a probe round's three canaries find at most two others in progress), slow once more than four
// requests are in progress at once, which the mirrored share of the live load brings about.
const SLOW_UNDER_LOAD = { slowIngestMs: 150, slowUnderLoad: { above: 4, ms: 1500 } };

let stack: Stack;
let load: Producer[] = [];

beforeAll(async () => {
  stack = await startStack({ drainSeconds: 1 });
  load = startProducers(stack.worker.url, "mirror");
  await sleep(1500);
}, 90_000);

afterAll(async () => {
  await Promise.all(load.map((p) => p.stop(5000)));
  await stack?.stop();
});

async function deploy(body: Record<string, unknown>): Promise<Deployment> {
  const res = await stack.control.deploy(body);
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json;
}

/** Every step a deployment took: it must never have been promoted (the flag never pointed to it). */
const neverServed = (d: Deployment) => {
  expect(d.steps.map((s) => s.status)).not.toContain("promoted");
  expect(d.promotedAt).toBeNull();
};

describe("validation on mirrored live traffic", () => {
  test(
    "a release fast for single probes but slow under load: probes alone pass it, mirrored load rejects it before it serves",
    async () => {
      const green = stack.platforms.green;
      green.setVersion("v2-slow");
      green.setFaults(SLOW_UNDER_LOAD);
      // Without mirroring the probes alone pass it.
      const control = await deploy({ version: "v2-slow", autoPromote: false, mirrorPercent: 0, thresholds });
      const passed = await stack.control.waitFor(control.id, "awaiting_promotion", 60_000);
      expect(passed.mirror).toMatchObject({ status: "off" });
      expect((await stack.control.call("POST", `/api/deployments/${control.id}/abort`)).status).toBe(200);

      const mirroredBefore = green.stats.mirrored;
      const d = await deploy({ version: "v2-slow", mirrorPercent: 100, thresholds });
      const done = await stack.control.waitFor(d.id, undefined, 60_000);
      console.log(`[mirror] slow release: ${done.reason}; ${JSON.stringify(done.mirror)}`);
      expect(done.status).toBe("failed");
      expect(done.reason).toMatch(/^mirror_(latency|throughput) check failed/);
      expect(done.mirror?.status).toBe("failed");
      expect(done.mirror?.requests).toBeGreaterThan(0);
      expect(done.probes.some((p) => p.check.startsWith("mirror_") && !p.ok)).toBe(true);
      neverServed(done);
      expect(green.stats.mirrored).toBeGreaterThan(mirroredBefore);
      expect(green.stats.overloaded).toBeGreaterThan(0);
      const state = await stack.control.state();
      expect(state.active).toBe("blue");
      // The failure took the mirror out of the flag.
      expect(state.flag.mirror).toBeUndefined();
    },
    TIMEOUT_MS,
  );

  test(
    "a good release passes on mirrored figures; a candidate answering 500 to copies never changes a client's answer",
    async () => {
      const green = stack.platforms.green;
      green.setVersion("v2");
      green.setFaults({});
      const d = await deploy({ version: "v2", autoPromote: false, mirrorPercent: 25, thresholds });
      const passed = await stack.control.waitFor(d.id, "awaiting_promotion", 60_000);
      console.log(`[mirror] good release: ${JSON.stringify(passed.mirror)}`);
      expect(passed.mirror).toMatchObject({ status: "passed", percent: 25, errors5xx: 0 });
      expect(passed.mirror?.requests).toBeGreaterThanOrEqual(thresholds.minMirrorRequests);
      expect(passed.mirror?.acceptRate).toBeGreaterThanOrEqual(0.99);
      expect(passed.probes.find((p) => p.check === "mirror")).toMatchObject({ ok: true });
      // Copies go on while it awaits promotion; now the candidate fails every one of them.
      expect((await stack.control.state()).flag.mirror).toEqual({ color: "green", percent: 25 });
      const failedBefore = green.stats.failed;
      green.setFaults({ errorRate: 1 });
      await expect
        .poll(async () => (await stack.control.deployment(d.id)).mirror?.errors5xx ?? 0, { timeout: 15_000 })
        .toBeGreaterThan(0);
      expect(green.stats.failed).toBeGreaterThan(failedBefore);
      green.setFaults({});
      const aborted = (await stack.control.call<Deployment>("POST", `/api/deployments/${d.id}/abort`)).json;
      expect(aborted.status).toBe("aborted");
      neverServed(aborted);
      expect((await stack.control.state()).flag.mirror).toBeUndefined();
    },
    TIMEOUT_MS,
  );

  test(
    "every entry stored exactly once, no client saw a 5xx, every answer came from the active color",
    async () => {
      await sleep(1000);
      const stats: ProducerStats[] = await Promise.all(load.map((p) => p.stop()));
      load = [];
      const rows = producerReports(stack.store, stats);
      console.log(`[mirror] audit\n${rows.map((r) => JSON.stringify(r)).join("\n")}`);
      for (const r of rows) {
        expect(r.sent, r.producer).toBeGreaterThan(0);
        expect({ lost: r.lost, duplicates: r.duplicates, unexpected: r.unexpected, dropped: r.dropped }).toEqual({
          lost: 0,
          duplicates: 0,
          unexpected: 0,
          dropped: 0,
        });
        expect(r["5xx"], `${r.producer}: ${JSON.stringify(r.errors)}`).toBe(0);
      }
      for (const s of stats.filter((st): st is ShipperStats => "servedBy" in st))
        expect(Object.keys(s.servedBy), s.producer).toEqual(["blue"]);
      // The candidates saw many copies (same idempotency keys): none was stored a second time.
      expect(stack.platforms.green.stats.mirrored).toBeGreaterThan(40);
      expect(stack.platforms.green.stats.duplicates).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );
});
