import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { Deployment, State } from "../../shared/index";
import { createPlatform } from "../../test/platform/platform";
import { sleep } from "../../test/support/api";
import { QUICK_DEPLOY, release, type Stack, startStack } from "../../test/support/stack";

// These scenarios are about the probes (QUICK_DEPLOY: their watches need no live router traffic); evidence
// rules are in controller/watch.test.ts, abort and rollback in controller/stop.test.ts, restarts and drain
// reservation in controller/durability.test.ts.
const FAST = QUICK_DEPLOY;

/** State without the parts that move on their own (health check times, live traffic, flag checks, convergence). */
const stable = (s: State) => ({
  ...s,
  traffic: null,
  flagSync: null,
  convergence: null,
  // Ages of the last reports (and how many fall in the last 10 s): they move with the clock alone.
  coverage: null,
  colors: { blue: s.colors.blue.version, green: s.colors.green.version },
  // Every call adds an audit row, so the database grows; the keys (state, records) must not change.
  storage: s.storage ? { keys: s.storage.keys, records: s.storage.records } : s.storage,
});

describe("deployment controller", () => {
  let s: Stack;
  const platformOf = (color: "blue" | "green") => s.platforms[color];

  beforeAll(async () => {
    s = await startStack({ drainSeconds: 0 });
  });
  afterAll(() => s?.stop());
  beforeEach(async () => {
    // Every scenario starts with both origins healthy and no deployment running.
    s.platforms.blue.setFaults({});
    s.platforms.green.setFaults({});
  });

  test("a healthy release is validated, promoted, watched and succeeds; the flag moves", async () => {
    const color = await release(s, "v2");
    const before = await s.control.state();
    const res = await s.control.deploy({ version: "v2", sha: "abc123", ...FAST });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ status: "validating", color, previousColor: before.active, version: "v2" });
    const done = await s.control.waitFor(res.json.id);
    expect(done.status).toBe("succeeded");
    expect(done.steps.map((x) => x.status)).toEqual(["validating", "promoted", "watching", "succeeded"]);
    expect(done.probes.filter((p) => p.phase === "pre" && p.ok).length).toBeGreaterThanOrEqual(4);
    expect(done.probes.some((p) => p.phase === "post" && p.check === "health" && p.ok)).toBe(true);
    // No live traffic to copy: validated by the probes alone, and the record says so (docs/deployments.md).
    expect(done.mirror).toMatchObject({ percent: 10, status: "no-traffic", requests: 0 });
    expect(done.probes.find((p) => p.check === "mirror")?.detail).toMatch(/probes alone, no live router traffic/);
    for (const step of done.steps) expect(Date.parse(step.at)).not.toBeNaN();
    const after = await s.control.state();
    expect(after.active).toBe(color);
    // One write when validation starts (failover off, the mirror on), one for the switch.
    expect(after.epoch).toBe(before.epoch + 2);
    expect(after.flag.failover).toBe(true);
    expect(after.flag).toMatchObject({ color, deploymentId: done.id });
    expect(after.colors[color].version).toBe("v2");
    expect(after.history[0]).toMatchObject({ id: done.id, status: "succeeded", to: color });
    // The canary batches really reached the platform's store.
    expect(s.store.total()).toBeGreaterThan(0);
  });

  test.each([
    ["wrong version", { reportVersion: "v1-old" }, /health check failed: version mismatch: expected v3, got v1-old/],
    ["unhealthy", { unhealthy: true }, /^health check failed: .*health returned 503$/],
    [
      "500s on ingest",
      { errorRate: 1 },
      /^canary check failed: \/ingest ndjson: 1 of 1 failed \(100\.0% over 1\.0%\), last: canary rejected: 500$/,
    ],
    // Issue 16: validation used to post NDJSON only, so a release broken on OTLP took all traffic.
    ["500s on OTLP only", { errorRate: 1, errorPaths: ["/v1/logs"] }, /^canary check failed: \/v1\/logs otlp-json: /],
    [
      "500s on OTLP/protobuf only",
      { errorRate: 1, errorContentTypes: ["protobuf"] },
      /^canary check failed: \/v1\/logs otlp-proto: /,
    ],
    ["slow", { latencyMs: 150 }, /latency check failed: p95 latency \d+ ms over 50 ms/],
  ])("a %s release fails validation; traffic never moves", async (_name, faults, reason) => {
    const color = await release(s, "v3", faults);
    const before = await s.control.state();
    const res = await s.control.deploy({ version: "v3", ...FAST, thresholds: { ...FAST.thresholds, maxP95Ms: 50 } });
    expect(res.status).toBe(201);
    const done = await s.control.waitFor(res.json.id);
    expect(done.status).toBe("failed");
    expect(done.reason).toMatch(reason);
    expect(done.promotedAt).toBeNull();
    const after = await s.control.state();
    // Traffic never moved: the write at validation start (failover off, the mirror on), and the one that took
    // the mirror out.
    expect(after.flag).toMatchObject({
      color: before.flag.color,
      deploymentId: before.flag.deploymentId,
      failover: false,
    });
    expect(after.epoch).toBe(before.epoch + 2);
    expect(after.flag.mirror).toBeUndefined();
    expect(after.active).not.toBe(color);
  });

  test("a release that dies after the switch is rolled back during the watch", async () => {
    const color = await release(s, "v4", { crashAfter: 6 });
    const before = await s.control.state();
    // Mirroring off: validation is its two rounds (with it, the wait for live traffic to copy adds rounds,
    // whose canaries would crash the release before the switch).
    const res = await s.control.deploy({
      version: "v4",
      thresholds: { probeIntervalMs: 100, minSamples: 4 },
      watchSeconds: 20,
      mirrorPercent: 0,
    });
    const done = await s.control.waitFor(res.json.id);
    expect(done.status).toBe("rolled_back");
    expect(done.promotedAt).not.toBeNull();
    expect(done.reason).toMatch(/check failed: .*(unreachable|error rate)/);
    expect(done.steps.map((x) => x.status)).toEqual(["validating", "promoted", "watching", "rolled_back"]);
    const after = await s.control.state();
    expect(after.active).toBe(before.active);
    // Validation start (failover off, unless it already was), the switch, the revert.
    expect(after.epoch).toBe(before.epoch + (before.flag.failover === false ? 2 : 3));
    expect(after.flag.failover).toBe(false);
    // Restore the crashed origin for the next scenarios.
    const restarted = await createPlatform({ color, version: "v4", store: s.store, port: platformOf(color).port });
    s.platforms[color] = restarted;
  });

  test("a release whose live traffic fails is rolled back on the routers' 5xx rate", async () => {
    const color = await release(s, "v5");
    const res = await s.control.deploy({
      version: "v5",
      thresholds: { probeIntervalMs: 100, minSamples: 4, minRouterRequests: 10 },
      watchSeconds: 30,
    });
    await s.control.waitFor(res.json.id, "watching");
    // Only the producers' traffic fails now (its content type); the probes (health, canaries) stay green.
    platformOf(color).setFaults({ errorRate: 1, errorContentTypes: ["text/plain"] });
    const deadline = Date.now() + 20_000;
    let done = await s.control.deployment(res.json.id);
    while (done.status === "watching" && Date.now() < deadline) {
      await Promise.all(
        Array.from({ length: 5 }, () => fetch(`${s.worker.url}/v1/logs`, { method: "POST", body: "{}" })),
      );
      done = await s.control.deployment(res.json.id);
    }
    expect(done.status).toBe("rolled_back");
    expect(done.reason).toMatch(/^router_5xx check failed: router 5xx 100\.0% \(\d+\/\d+\) over 1\.0%$/);
    expect((await s.control.state()).active).toBe(done.previousColor);
  });

  test("router 5xx from before the switch never count against the watch", async () => {
    const color = await release(s, "v6a");
    const res = await s.control.deploy({
      version: "v6a",
      autoPromote: false,
      thresholds: { probeIntervalMs: 100, minSamples: 4, minRouterRequests: 10 },
      watchSeconds: 2,
    });
    await s.control.waitFor(res.json.id, "awaiting_promotion");
    // Preview traffic to the new color fails before the switch (the probes' content types stay fine)…
    platformOf(color).setFaults({ errorRate: 1, errorContentTypes: ["text/plain"] });
    const preview = { "x-deploy-color": color, authorization: `Bearer ${s.token}` };
    const failed = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${s.worker.url}/v1/logs`, { method: "POST", headers: preview, body: "{}" }).then((r) => r.status),
      ),
    );
    expect(failed.every((st) => st === 500)).toBe(true);
    // …then is fixed and promoted at once: the routers flush those 5xx after the switch, under the old epoch.
    platformOf(color).setFaults({});
    expect((await s.control.call("POST", `/api/deployments/${res.json.id}/promote`)).status).toBe(200);
    const deadline = Date.now() + 20_000;
    let d = await s.control.deployment(res.json.id);
    while (d.status === "watching" && Date.now() < deadline) {
      await Promise.all(
        Array.from({ length: 5 }, () => fetch(`${s.worker.url}/ingest`, { method: "POST", body: "{}" })),
      );
      d = await s.control.deployment(res.json.id);
    }
    expect(d.status, d.reason ?? "").toBe("succeeded");
    // The watch did judge live traffic: only the post-switch requests, none of them 5xx.
    expect(d.probes.some((p) => p.check === "router_5xx" && p.ok)).toBe(true);
  });

  test("without auto-promote it waits; promote switches", async () => {
    const color = await release(s, "v6");
    const res = await s.control.deploy({ version: "v6", autoPromote: false, ...FAST });
    const waiting = await s.control.waitFor(res.json.id, "awaiting_promotion");
    expect((await s.control.state()).active).not.toBe(color);
    const promoted = await s.control.call<Deployment>("POST", `/api/deployments/${waiting.id}/promote`);
    expect(promoted.status).toBe(200);
    expect(["promoted", "watching"]).toContain(promoted.json.status);
    expect((await s.control.state()).active).toBe(color);
    expect((await s.control.waitFor(waiting.id)).status).toBe("succeeded");
  });

  test("concurrent deployments: exactly one 201, the rest 409", async () => {
    await release(s, "v10");
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        s.control.deploy({
          version: "v10",
          actor: `racer-${i}`,
          thresholds: { probeIntervalMs: 100, minSamples: 1000 },
        }),
      ),
    );
    const codes = results.map((r) => r.status).sort();
    expect(codes).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const winner = results.find((r) => r.status === 201)?.json as Deployment;
    const loser = results.find((r) => r.status === 409)?.json as unknown as {
      error: { code: string; message: string };
    };
    expect(loser.error.code).toBe("deployment_in_progress");
    expect(loser.error.message).toContain(winner.id);
    // Who asked is recorded next to who authenticated, never instead of it.
    expect(winner.actor).toMatch(/^racer-\d via control-token$/);
    await s.control.call("POST", `/api/deployments/${winner.id}/abort`);
  });

  test("bad input gets a 4xx {error:{code,message}} and changes nothing", async () => {
    // Storage is measured at most every 2 s: let the measurement catch up with the previous test's records.
    await sleep(2100);
    const before = stable(await s.control.state());
    const cases: Array<[string, string, string | undefined, number, string]> = [
      ["POST", "/api/deployments", '{"version":"v1","color":"purple"}', 400, "invalid_request"],
      ["POST", "/api/deployments", '{"version":', 400, "invalid_json"],
      ["POST", "/api/deployments", '{"sha":"abc"}', 400, "invalid_request"],
      ["POST", "/api/deployments", '{"version":"  "}', 400, "invalid_request"],
      ["POST", "/api/deployments", '{"version":"v1","thresholds":{"maxErrorRate":7}}', 400, "invalid_request"],
      ["POST", "/api/deployments", '{"version":"v1","bogus":true}', 400, "invalid_request"],
      ["POST", "/api/deployments", `{"version":"${"x".repeat(70_000)}"}`, 413, "payload_too_large"],
      ["POST", "/api/deployments", `{"version":"v1","color":"${before.active}"}`, 409, "color_active"],
      ["GET", "/api/deployments/nope", undefined, 404, "not_found"],
      ["POST", "/api/deployments/nope/promote", undefined, 404, "not_found"],
      ["POST", "/api/deployments/nope/abort", undefined, 404, "not_found"],
      ["POST", "/api/rollback", '{"reason":5}', 400, "invalid_request"],
      ["POST", "/api/rollback", '{"force":"yes"}', 400, "invalid_request"],
      ["POST", "/api/rollback", "[]", 400, "invalid_request"],
      ["DELETE", "/api/state", undefined, 404, "not_found"],
    ];
    for (const [method, path, raw, status, code] of cases) {
      const res = await s.control.call<{ error: { code: string; message: string } }>(method, path, undefined, raw);
      expect(res.status, `${method} ${path} ${raw?.slice(0, 60)}`).toBe(status);
      expect(res.json.error.code).toBe(code);
      expect(res.json.error.message.length).toBeGreaterThan(3);
    }
    expect(stable(await s.control.state())).toEqual(before);
  });

  test("promote in the wrong state is 409 and changes nothing", async () => {
    await release(s, "v11");
    const res = await s.control.deploy({ version: "v11", thresholds: { probeIntervalMs: 100, minSamples: 1000 } });
    const early = await s.control.call<{ error: { code: string } }>("POST", `/api/deployments/${res.json.id}/promote`);
    expect(early.status).toBe(409);
    expect(early.json.error.code).toBe("wrong_state");
    expect((await s.control.deployment(res.json.id)).status).toBe("validating");
    await s.control.call("POST", `/api/deployments/${res.json.id}/abort`);
  });

  test("GET /api/events streams the state, then every change", async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${s.worker.url}/api/events`, {
      headers: { authorization: `Bearer ${s.token}` },
      signal: ctrl.signal,
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const next = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended; got ${text.slice(0, 200)}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await next(/event: state\ndata: \{.*"active"/);
    await release(s, "v12");
    const dep = await s.control.deploy({ version: "v12", ...FAST });
    await next(new RegExp(`"id":"${dep.json.id}".*"status":"succeeded"`));
    ctrl.abort();
  });
});
