// The watch's verdicts by evidence, through the real Worker (wrangler dev), real origins and the real
// OpenTelemetry exporter. The canary here goes to /ingest only, so what happens on /v1/logs is seen by
// the routers alone: these tests are about judging live traffic, not the probes.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { Color, Deployment, DeploymentRequest } from "../../shared";
import { OtelProducer } from "../../test/producers/otel-producer";
import { type Stack, startStack } from "../../test/support/stack";

let s: Stack;

beforeAll(async () => {
  s = await startStack({ drainSeconds: 0, vars: { CANARY: "/ingest:ndjson" } });
});
afterAll(() => s?.stop());
beforeEach(() => {
  s.platforms.blue.setFaults({});
  s.platforms.green.setFaults({});
});

/** Puts `version` on the idle color and starts a deployment of it with quick probes. */
async function deploy(version: string, req: Partial<DeploymentRequest> = {}): Promise<{ d: Deployment; color: Color }> {
  const color = (await s.control.state()).standby;
  s.platforms[color].setVersion(version);
  const thresholds = { probeIntervalMs: 100, minSamples: 4, ...req.thresholds };
  const res = await s.control.deploy({ version, ...req, thresholds });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return { d: res.json, color };
}

describe("verdicts by evidence", () => {
  test("a release failing 100% of a few OTLP requests is rolled back, below minRouterRequests", async () => {
    // Default minRouterRequests (20): before evidence rules, this watch passed having judged nothing.
    const { d, color } = await deploy("v2", { watchSeconds: 5 });
    await s.control.waitFor(d.id, "watching");
    s.platforms[color].setFaults({ errorRate: 1, errorPaths: ["/v1/logs"] });
    // A quiet service: two OTLP exports a second through the Worker (about 10 in the 5 s watch).
    const otel = new OtelProducer({
      url: s.worker.url,
      producer: "quiet-service",
      recordsPerSecond: 2,
      maxExportBatchSize: 1,
      scheduledDelayMillis: 50,
    });
    otel.start();
    let done: Deployment;
    try {
      done = await s.control.waitFor(d.id, undefined, 20_000);
    } finally {
      await otel.stop(5000);
    }
    expect(done.status, done.reason ?? "").toBe("rolled_back");
    const m = /^router_5xx check failed: router 5xx 100\.0% \((\d+)\/(\d+)\) over 1\.0%$/.exec(done.reason ?? "");
    expect(m, done.reason ?? "").not.toBeNull();
    const [, errors, requests] = m as RegExpExecArray;
    expect(errors).toBe(requests);
    expect(Number(requests)).toBeGreaterThanOrEqual(3);
    expect(Number(requests)).toBeLessThan(20);
    expect((await s.control.state()).active).toBe(done.previousColor);
  });

  const quiet = (onInconclusive: string) => ({
    watchSeconds: 1,
    thresholds: { maxWatchSeconds: 2, onInconclusive } as DeploymentRequest["thresholds"],
  });

  test("without traffic, onInconclusive succeed ends succeeded with a visible low-traffic warning", async () => {
    const { d, color } = await deploy("v3", quiet("succeed"));
    const done = await s.control.waitFor(d.id);
    expect(done.status).toBe("succeeded");
    expect(done.reason).toMatch(/^low traffic: only 0 of the 20 router requests a verdict needs \(0 5xx\) after \d+s/);
    expect(done.reason).toContain("(onInconclusive: succeed); not proven by live traffic");
    // The watch said so when it was extended past watchSeconds.
    expect(done.steps.map((x) => x.status)).toEqual(["validating", "promoted", "watching", "watching", "succeeded"]);
    expect(done.steps[3]?.detail).toMatch(/^low traffic: .*; watching on, up to maxWatchSeconds=2$/);
    expect((await s.control.state()).active).toBe(color);
  });

  test("without traffic, onInconclusive rollback puts traffic back and names the check", async () => {
    const { d } = await deploy("v4", quiet("rollback"));
    const done = await s.control.waitFor(d.id);
    expect(done.status).toBe("rolled_back");
    expect(done.reason).toMatch(/^router_traffic check failed: low traffic: .*\(onInconclusive: rollback\)$/);
    expect((await s.control.state()).active).toBe(done.previousColor);
  });

  test("without traffic, onInconclusive wait awaits a decision: promote accepts", async () => {
    const { d, color } = await deploy("v5", quiet("wait"));
    const waiting = await s.control.waitFor(d.id, "awaiting_decision");
    expect(waiting.steps.at(-1)?.detail).toMatch(/\(onInconclusive: wait\): promote to accept, abort or roll back/);
    // Still serving the new color while it waits, and still probed.
    expect((await s.control.state()).active).toBe(color);
    const accepted = await s.control.call<Deployment>("POST", `/api/deployments/${d.id}/promote`);
    expect(accepted.status).toBe(200);
    expect(accepted.json).toMatchObject({ status: "succeeded" });
    expect(accepted.json.reason).toMatch(/^accepted by control-token without conclusive router evidence$/);
    expect((await s.control.state()).active).toBe(color);
  });

  test("awaiting a decision, abort reverts; a probe breach meanwhile rolls back by itself", async () => {
    const first = await deploy("v6", quiet("wait"));
    await s.control.waitFor(first.d.id, "awaiting_decision");
    const aborted = await s.control.call<Deployment>("POST", `/api/deployments/${first.d.id}/abort`);
    expect(aborted.json).toMatchObject({ status: "aborted" });
    expect((await s.control.state()).active).toBe(first.d.previousColor);

    const second = await deploy("v7", quiet("wait"));
    await s.control.waitFor(second.d.id, "awaiting_decision");
    s.platforms[second.color].setFaults({ unhealthy: true });
    const done = await s.control.waitFor(second.d.id);
    expect(done.status).toBe("rolled_back");
    expect(done.reason).toMatch(/^health check failed: .*health returned 503$/);
  });

  test("enough healthy traffic passes the watch", async () => {
    const { d, color } = await deploy("v8", { watchSeconds: 2, thresholds: { minRouterRequests: 10 } });
    await s.control.waitFor(d.id, "watching");
    let done = await s.control.deployment(d.id);
    const deadline = Date.now() + 20_000;
    while (done.status === "watching" && Date.now() < deadline) {
      await Promise.all(
        Array.from({ length: 5 }, () => fetch(`${s.worker.url}/ingest`, { method: "POST", body: "{}" })),
      );
      done = await s.control.deployment(d.id);
    }
    expect(done.status, done.reason ?? "").toBe("succeeded");
    expect(done.reason).toMatch(/^watched 2s \(counted from [^)]+\) without breach; router 5xx 0\.0% \(\d+\/\d+\)$/);
    expect((await s.control.state()).active).toBe(color);
  });
});
