// Traffic steps through the real Worker (wrangler dev) and the stand-in platform: the plan walked step by
// step with each step's flag, split and evidence recorded; bad plans refused; a manual rollback or abort
// during a step clears the split.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { Color, Deployment, DeploymentRequest } from "../../shared";
import { sleep } from "../../test/support/api";
import { type Stack, startStack } from "../../test/support/stack";

let s: Stack;

beforeAll(async () => {
  s = await startStack({ drainSeconds: 0, vars: { CANARY: "/ingest:ndjson", FLAG_CACHE_MS: "200" } });
});
afterAll(() => s?.stop());
beforeEach(() => {
  s.platforms.blue.setFaults({});
  s.platforms.green.setFaults({});
});

/** Steady requests through the Worker, each response's color and epoch kept. */
function traffic() {
  const seen: { color: string; epoch: number }[] = [];
  let on = true;
  const loop = async () => {
    while (on) {
      const res = await fetch(`${s.worker.url}/ingest`, { method: "POST", body: `{"at":${Date.now()}}` });
      await res.arrayBuffer();
      seen.push({ color: res.headers.get("x-served-by") ?? "", epoch: Number(res.headers.get("x-route-epoch")) });
      await sleep(20);
    }
  };
  const loops = Promise.all([loop(), loop(), loop()]);
  return {
    seen,
    stop: async () => {
      on = false;
      await loops;
    },
    /** share of the requests routed under `epoch` that `color` served. */
    share: (epoch: number, color: Color) => {
      const under = seen.filter((x) => x.epoch === epoch);
      return { n: under.length, share: under.filter((x) => x.color === color).length / Math.max(under.length, 1) };
    },
  };
}

async function deploy(version: string, req: Partial<DeploymentRequest>): Promise<{ d: Deployment; color: Color }> {
  const color = (await s.control.state()).standby;
  s.platforms[color].setVersion(version);
  const thresholds = { probeIntervalMs: 100, minSamples: 4, minRouterRequests: 5, ...req.thresholds };
  const res = await s.control.deploy({ version, ...req, thresholds });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return { d: res.json, color };
}

describe("traffic steps", () => {
  test("steps [10, 50, 100] with a good release: each step's split written, watched and recorded; succeeded", async () => {
    const load = traffic();
    let done: Deployment;
    let color: Color;
    const splits = new Set<string>();
    try {
      const started = await deploy("v2", { steps: [10, 50, 100], stepSeconds: 2, watchSeconds: 2 });
      color = started.color;
      expect(started.d.trafficSteps?.map((x) => [x.percent, x.seconds, x.status])).toEqual([
        [10, 2, "pending"],
        [50, 2, "pending"],
        [100, 2, "pending"],
      ]);
      for (;;) {
        const st = await s.control.state();
        if (st.flag.split) splits.add(`${st.flag.color}→${st.flag.split.color} ${st.flag.split.percent}`);
        if (st.deployment?.id === started.d.id && ["succeeded", "rolled_back", "failed"].includes(st.deployment.status))
          break;
        await sleep(100);
      }
      done = await s.control.deployment(started.d.id);
    } finally {
      await load.stop();
    }
    expect(done.status, done.reason ?? "").toBe("succeeded");
    const prev = done.previousColor;
    expect([...splits]).toEqual([`${prev}→${color} 10`, `${prev}→${color} 50`]);
    const plan = done.trafficSteps ?? [];
    expect(plan.map((x) => [x.percent, x.status])).toEqual([
      [10, "passed"],
      [50, "passed"],
      [100, "passed"],
    ]);
    // One new epoch per step; each step judged on the new color's own traffic under it.
    const epochs = plan.map((x) => x.epoch as number);
    expect(epochs[1]).toBe((epochs[0] as number) + 1);
    expect(epochs[2]).toBe((epochs[1] as number) + 1);
    for (const x of plan) {
      expect(x.requests, JSON.stringify(x)).toBeGreaterThanOrEqual(5);
      expect(x.errors5xx).toBe(0);
      expect(Date.parse(x.endedAt as string)).toBeGreaterThan(Date.parse(x.startedAt as string));
    }
    expect(plan[0]?.detail).toMatch(/^watched 2s .* without breach/);
    // What the routers did under each step's epoch (binomial bounds far beyond chance).
    const [ten, fifty, all] = epochs.map((e) => load.share(e, color));
    expect(ten?.share, JSON.stringify(ten)).toBeLessThan(0.35);
    expect(fifty?.share, JSON.stringify(fifty)).toBeGreaterThan(0.2);
    expect(fifty?.share, JSON.stringify(fifty)).toBeLessThan(0.8);
    expect(all).toMatchObject({ share: 1 });
    // Convergence of every step's flag is in the record, with its split.
    expect(done.convergence?.map((c) => [c.epoch, c.split?.percent ?? 100])).toEqual(
      expect.arrayContaining([
        [epochs[0], 10],
        [epochs[1], 50],
        [epochs[2], 100],
      ]),
    );
    expect(
      done.steps.filter((x) => !x.detail?.startsWith("low traffic")).map((x) => x.status),
      JSON.stringify(done.steps),
    ).toEqual(["validating", "promoted", "watching", "watching", "promoted", "watching", "succeeded"]);
    const st = await s.control.state();
    expect(st.flag).toMatchObject({ color, epoch: epochs[2] });
    expect(st.flag.split).toBeUndefined();
  });

  test("bad plans get 400 and change nothing", async () => {
    const before = await s.control.state();
    const bad: [unknown, RegExp][] = [
      [{ steps: [5, 5, 100] }, /steps\.1: steps must be strictly increasing \(5 then 5\)/],
      [{ steps: [25, 5, 100] }, /strictly increasing \(25 then 5\)/],
      [{ steps: [5, 50] }, /steps: the last step must be 100, got 50/],
      [{ steps: [0, 100] }, /steps\.0: each step must be 1\.\.100/],
      [{ steps: [5, 101] }, /each step must be 1\.\.100/],
      [{ steps: [2.5, 100] }, /each step must be a whole percentage/],
      [{ steps: [] }, /steps needs at least one step/],
      [{ steps: "5,25,100" }, /steps/],
      [{ steps: [5, 100], stepSeconds: 0 }, /stepSeconds/],
    ];
    for (const [extra, message] of bad) {
      const res = await s.control.call<{ error: { code: string; message: string } }>("POST", "/api/deployments", {
        version: "v9",
        ...(extra as object),
      });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.json.error.code).toBe("invalid_request");
      expect(res.json.error.message).toMatch(message);
    }
    const after = await s.control.state();
    expect(after.flag).toEqual(before.flag);
    expect(after.deployment?.id).toBe(before.deployment?.id);
    expect(after.history.length).toBe(before.history.length);
  });

  test("a step without enough traffic awaits a decision (onInconclusive wait); promote accepts the step, the next starts", async () => {
    const { d, color } = await deploy("v5", {
      steps: [20, 100],
      stepSeconds: 1,
      watchSeconds: 600,
      thresholds: { minRouterRequests: 1000, maxWatchSeconds: 2, onInconclusive: "wait" },
    });
    const waiting = await s.control.waitFor(d.id, "awaiting_decision");
    expect(waiting.trafficSteps?.map((x) => x.status)).toEqual(["running", "pending"]);
    expect((await s.control.state()).flag.split).toEqual({ color, percent: 20 });
    const accepted = await s.control.call<Deployment>("POST", `/api/deployments/${d.id}/promote`);
    expect(accepted.status).toBe(200);
    expect(accepted.json.status).toBe("watching");
    expect(accepted.json.trafficSteps?.map((x) => x.status)).toEqual(["passed", "running"]);
    expect(accepted.json.trafficSteps?.[0]?.detail).toMatch(/^accepted by .* without conclusive router evidence$/);
    const st = await s.control.state();
    expect(st.flag.color).toBe(color);
    expect(st.flag.split).toBeUndefined();
    expect((await s.control.call("POST", `/api/deployments/${d.id}/abort`)).status).toBe(200);
  });

  test("a manual rollback during a step clears the split; so does an abort", async () => {
    const first = await deploy("v3", { steps: [20, 100], stepSeconds: 600 });
    await s.control.waitFor(first.d.id, "watching");
    expect((await s.control.state()).flag.split).toEqual({ color: first.color, percent: 20 });
    const rb = await s.control.call<{ to: Color }>("POST", "/api/rollback", { reason: "step test" });
    expect(rb.status).toBe(200);
    const rolled = await s.control.deployment(first.d.id);
    expect(rolled.status).toBe("rolled_back");
    expect(rolled.trafficSteps?.map((x) => x.status)).toEqual(["reverted", "skipped"]);
    expect(rolled.trafficSteps?.[0]?.detail).toMatch(/manual rollback/);
    const st = await s.control.state();
    expect(st.flag.color).toBe(first.d.previousColor);
    expect(st.flag.split).toBeUndefined();

    const second = await deploy("v4", { steps: [20, 100], stepSeconds: 600 });
    await s.control.waitFor(second.d.id, "watching");
    expect((await s.control.state()).flag.split?.percent).toBe(20);
    const ab = await s.control.call<Deployment>("POST", `/api/deployments/${second.d.id}/abort`);
    expect(ab.json).toMatchObject({ status: "aborted" });
    const after = await s.control.state();
    expect(after.flag.split).toBeUndefined();
    expect(after.flag.color).toBe(second.d.previousColor);
  });
});
