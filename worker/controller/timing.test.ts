// Production timing through the real Worker: convergence reported where users look, deadlines that end a
// deployment nobody finishes, and a watch whose evidence survives a restart.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sleep } from "../../test/support/api";
import { type Stack, startStack } from "../../test/support/stack";

// Mirroring off: these tests send live traffic, and validating on its copies (mirror.test.ts) would add
// the time 10 % of it takes to make minMirrorRequests to every deployment here.
const FAST = { mirrorPercent: 0, thresholds: { probeIntervalMs: 100, minSamples: 4 } };

/** Requests through the Worker every `everyMs` until stopped. */
function steady(url: string, everyMs = 40) {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await fetch(`${url}/ingest`, { method: "POST", body: '{"message":"steady"}\n' }).then((r) => r.arrayBuffer());
      await sleep(everyMs);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

describe("convergence", () => {
  let s: Stack;
  // DRAIN_SECONDS well above how long local routers take to move (FLAG_CACHE_MS, 1 s): the watch starts on convergence.
  beforeAll(async () => {
    s = await startStack({ drainSeconds: 8, vars: { DRAIN_QUIET_SECONDS: "1" } });
  });
  afterAll(() => s?.stop());

  test("is measured from router counters, shown in the state and the deployment, and starts the watch", async () => {
    const stop = steady(s.worker.url);
    try {
      s.platforms.green.setVersion("v2");
      const res = await s.control.deploy({ version: "v2", ...FAST, watchSeconds: 1 });
      const d = await s.control.waitFor(res.json.id, undefined, 40_000);
      expect(d.status, d.reason ?? "").toBe("succeeded");
      const w = d.watch;
      expect(w?.startedBy).toBe("convergence");
      const promoted = Date.parse(d.promotedAt ?? "");
      expect(Date.parse(w?.startedAt ?? "")).toBeGreaterThanOrEqual(promoted);
      expect(Date.parse(w?.startedAt ?? "") - promoted).toBeLessThan(8000);
      expect(d.reason).toMatch(/counted from 99 % of router traffic on the new epoch/);
      const [c] = d.convergence ?? [];
      expect(c).toMatchObject({ epoch: w?.epoch, color: "green", since: d.promotedAt === null ? "" : c?.since });
      expect(c?.reached["50"]).not.toBeNull();
      expect(c?.reached["99"]).not.toBeNull();
      // The watch started when 99 % was reached.
      expect(Date.parse(c?.since ?? "") + (c?.reached["99"] ?? 0)).toBe(Date.parse(w?.startedAt ?? ""));
      // The live share covers the last two settled seconds: it gets to 1 soon after.
      let state = await s.control.state();
      for (const deadline = Date.now() + 10_000; state.convergence?.share !== 1 && Date.now() < deadline; ) {
        await sleep(200);
        state = await s.control.state();
      }
      expect(state.convergence).toMatchObject({ epoch: state.epoch, color: "green", share: 1 });
      expect(state.convergence?.requests.current).toBeGreaterThan(0);
    } finally {
      await stop();
    }
  });
});

describe("deadlines", () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({
      drainSeconds: 0,
      vars: { PROMOTION_TIMEOUT_SECONDS: "2", DECISION_TIMEOUT_SECONDS: "2", DRAIN_QUIET_SECONDS: "0" },
    });
  });
  afterAll(() => s?.stop());

  test("awaiting_promotion is aborted after the promotion deadline (wrangler.toml's default), and the next deployment may start", async () => {
    s.platforms.green.setVersion("v2");
    const res = await s.control.deploy({ version: "v2", autoPromote: false, ...FAST });
    expect(res.json.promotionTimeoutSeconds).toBe(2);
    expect(res.json.validationTimeoutSeconds).toBe(600);
    await s.control.waitFor(res.json.id, "awaiting_promotion");
    const d = await s.control.waitFor(res.json.id, "aborted", 10_000);
    expect(d.reason).toBe("promotion deadline: not promoted within 2 s (promotionTimeoutSeconds)");
    const waited =
      Date.parse(d.finishedAt ?? "") - Date.parse(d.steps.find((x) => x.status === "awaiting_promotion")?.at ?? "");
    expect(waited).toBeGreaterThanOrEqual(2000);
    expect((await s.control.state()).flag.deploymentId).not.toBe(d.id);
    const next = await s.control.deploy({ version: "v2", autoPromote: false, promotionTimeoutSeconds: 600, ...FAST });
    expect(next.status).toBe(201);
    await s.control.call("POST", `/api/deployments/${next.json.id}/abort`);
  });

  test("validation without a verdict fails after its deadline", async () => {
    const res = await s.control.deploy({
      version: "v2",
      validationTimeoutSeconds: 1,
      thresholds: { probeIntervalMs: 100, minSamples: 10_000 },
    });
    const d = await s.control.waitFor(res.json.id, "failed", 10_000);
    expect(d.reason).toBe("validation deadline: no verdict within 1 s (validationTimeoutSeconds)");
    expect(d.promotedAt).toBeNull();
  });

  test("awaiting_decision is aborted at its deadline (wrangler.toml's default, here 2 s): traffic goes back and the next deployment is accepted", async () => {
    const before = await s.control.state();
    s.platforms[before.standby].setVersion("v3");
    const res = await s.control.deploy({
      version: "v3",
      ...FAST,
      watchSeconds: 1,
      thresholds: { ...FAST.thresholds, maxWatchSeconds: 1, onInconclusive: "wait" },
    });
    expect(res.json.thresholds.decisionTimeoutSeconds).toBe(2);
    await s.control.waitFor(res.json.id, "awaiting_decision", 15_000);
    expect((await s.control.state()).active).toBe(before.standby);
    const d = await s.control.waitFor(res.json.id, "aborted", 10_000);
    expect(d.reason).toBe(
      `decision deadline: neither promoted nor aborted within 2 s (decisionTimeoutSeconds); traffic back to ${before.active}`,
    );
    const waited =
      Date.parse(d.finishedAt ?? "") - Date.parse(d.steps.find((x) => x.status === "awaiting_decision")?.at ?? "");
    expect(waited).toBeGreaterThanOrEqual(2000);
    const after = await s.control.state();
    expect(after.active).toBe(before.active);
    expect(after.history[0]).toMatchObject({ id: d.id, status: "aborted", reason: d.reason });
    s.platforms[after.standby].setVersion("v4");
    const next = await s.control.deploy({ version: "v4", autoPromote: false, ...FAST });
    expect(next.status).toBe(201);
    await s.control.call("POST", `/api/deployments/${next.json.id}/abort`);
  });

  test("deadlines out of range are refused", async () => {
    for (const body of [
      { version: "v2", promotionTimeoutSeconds: 0 },
      { version: "v2", validationTimeoutSeconds: 1.5 },
      { version: "v2", validationTimeoutSeconds: 86_401 },
    ]) {
      const res = await s.control.call<{ error: { code: string } }>("POST", "/api/deployments", body);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("invalid_request");
    }
  });
});

describe("the watch's evidence", () => {
  test("survives the Worker and its Durable Object restarting mid-watch", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bg-watch-"));
    let s: Stack | null = await startStack({ persistTo: dir, drainSeconds: 0, versions: { green: "v2" } });
    try {
      const stop = steady(s.worker.url, 20);
      const res = await s.control.deploy({ version: "v2", ...FAST, watchSeconds: 600 });
      await s.control.waitFor(res.json.id, "watching");
      let before = await s.control.deployment(res.json.id);
      for (const deadline = Date.now() + 20_000; (before.watch?.requests ?? 0) < 30 && Date.now() < deadline; ) {
        await sleep(200);
        before = await s.control.deployment(res.json.id);
      }
      await stop();
      // A probe round persists the counts: wait for one after the last report.
      await sleep(1500);
      before = await s.control.deployment(res.json.id);
      expect(before.watch?.requests).toBeGreaterThanOrEqual(30);
      await s.stop();
      s = null;
      s = await startStack({ persistTo: dir, drainSeconds: 0, versions: { green: "v2" } });
      const after = await s.control.deployment(res.json.id);
      expect(after.status).toBe("watching");
      expect(after.watch?.epoch).toBe(before.watch?.epoch);
      expect(after.watch?.requests).toBeGreaterThanOrEqual(before.watch?.requests ?? Infinity);
      await s.control.call("POST", `/api/deployments/${res.json.id}/abort`);
    } finally {
      await s?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
