// The active color is watched outside deployments, through the real Worker (wrangler dev) and real
// origins: alarms check both colors every HEALTH_INTERVAL_MS whether anyone looks or not, and a breach
// raises an incident (state, `incident` event), with autoRevertActive a revert to the previous release.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Incident, isTerminal, type State } from "../../shared";
import { sleep } from "../../test/support/api";
import { type Stack, startStack } from "../../test/support/stack";

const QUICK = { HEALTH_INTERVAL_MS: "100", ORIGIN_TIMEOUT_MS: "1000" };
const HUNG = { latencyMs: 60_000 };

/** Polls the state until `pick` finds something (the dashboard and the action read the same state). */
async function until<T>(s: Stack, pick: (st: State) => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await s.control.state();
    const found = pick(st);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`gave up waiting; incidents: ${JSON.stringify(st.incidents)}`);
    await sleep(100);
  }
}

const openOn = (color: string) => (st: State) => st.incidents?.find((i) => i.color === color && !i.resolvedAt);

/** The first `event: incident` on /api/events. */
async function nextIncidentEvent(s: Stack, signal: AbortSignal): Promise<Incident> {
  const res = await fetch(`${s.worker.url}/api/events`, { headers: { authorization: `Bearer ${s.token}` }, signal });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const m = /event: incident\ndata: (.*)\n/.exec(text);
    if (m) return JSON.parse(m[1] as string) as Incident;
    const { value, done } = await reader.read();
    if (done) throw new Error("stream ended");
    text += decoder.decode(value, { stream: true });
  }
}

describe("without autoRevertActive", () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ drainSeconds: 0, vars: QUICK });
  });
  afterAll(() => s?.stop());

  test("a hung active color raises one incident with no one looking; it clears when the color answers again", async () => {
    // Nobody follows the stream or reads the state while it hangs: only the alarm can notice.
    await s.control.state();
    s.platforms.blue.setFaults(HUNG);
    await sleep(5000);
    s.platforms.blue.setFaults({});
    const st = await s.control.state();
    const incidents = st.incidents ?? [];
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      color: "blue",
      version: "v1",
      check: "health",
      action: "none",
      actionDetail: "autoRevertActive is off: traffic stays on blue",
    });
    expect(incidents[0]?.detail).toMatch(/^\d+ health checks in a row failed: health unreachable: /);
    expect(st.active).toBe("blue");
    const cleared = await until(s, (x) => x.incidents?.find((i) => i.id === incidents[0]?.id && i.resolvedAt));
    expect(Date.parse(cleared.resolvedAt ?? "")).toBeGreaterThan(Date.parse(cleared.at));
  });

  test("the routers' 5xx on the active color raise an incident and an event", async () => {
    const ctrl = new AbortController();
    const event = nextIncidentEvent(s, ctrl.signal);
    s.platforms.blue.setFaults({ errorRate: 1 });
    try {
      // A quiet platform: a few failing requests over two seconds, so the routers flush their counts.
      for (let i = 0; i < 8; i++) {
        await fetch(`${s.worker.url}/ingest`, { method: "POST", body: '{"m":1}' });
        await sleep(250);
      }
      const incident = await event;
      expect(incident).toMatchObject({ color: "blue", check: "router_5xx", action: "none", resolvedAt: null });
      expect(incident.detail).toMatch(/^router 5xx 100\.0% \(\d+\/\d+\) over 1\.0% in the last 60 s$/);
      expect(await until(s, openOn("blue"))).toMatchObject({ id: incident.id });
    } finally {
      ctrl.abort();
      s.platforms.blue.setFaults({});
    }
  });
});

describe("with autoRevertActive", () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ drainSeconds: 60, vars: { ...QUICK, autoRevertActive: "true" } });
  });
  afterAll(() => s?.stop());

  test("a hung new release is reverted to the previous one, still draining; the incident says so", async () => {
    s.platforms.green.setVersion("v2");
    const res = await s.control.deploy({
      version: "v2",
      watchSeconds: 1,
      thresholds: { probeIntervalMs: 100, minSamples: 4, minRouterRequests: 0 },
    });
    // Some traffic, so the routers' convergence starts the watch (else it waits DRAIN_SECONDS, 60 s here).
    let d = await s.control.deployment(res.json.id);
    const deadline = Date.now() + 30_000;
    while (!isTerminal(d.status) && Date.now() < deadline) {
      await Promise.all([1, 2, 3].map(() => fetch(`${s.worker.url}/ingest`, { method: "POST", body: '{"m":1}' })));
      await sleep(100);
      d = await s.control.deployment(res.json.id);
    }
    expect(d.status, d.reason ?? "").toBe("succeeded");
    s.platforms.green.setFaults(HUNG);
    const incident = await until(s, (st) => st.incidents?.find((i) => i.color === "green"));
    expect(incident).toMatchObject({ color: "green", version: "v2", check: "health", action: "reverted" });
    expect(incident.actionDetail).toBe("traffic sent back to blue (v1), the release green replaced");
    const st = await s.control.state();
    expect(st.active).toBe("blue");
    const revert = st.history.find((h) => h.kind === "rollback");
    expect(revert).toMatchObject({ kind: "rollback", status: "rolled_back_automatically", from: "green" });
    expect(revert?.reason).toMatch(/^automatic revert: green health check failed: /);
    // Green, left hung, is no failover target: told as a standby entry right after the revert.
    expect(st.history[0]).toMatchObject({ kind: "standby", status: "unavailable", from: "blue", to: "green" });
    expect(st.protection?.failoverTarget).toBeNull();
    const routed = await fetch(`${s.worker.url}/ingest`, { method: "POST", body: '{"m":1}' });
    expect(routed.headers.get("x-served-by")).toBe("blue");
  });

  test("no ping-pong: after a revert the other color is not known good", async () => {
    // green hangs still; now blue hangs too. green is draining, but it is not the release blue replaced.
    s.platforms.blue.setFaults(HUNG);
    try {
      const incident = await until(s, openOn("blue"));
      expect(incident).toMatchObject({ check: "health", action: "none" });
      expect(incident.actionDetail).toMatch(/^not reverted: green is not the release blue replaced/);
      expect((await s.control.state()).active).toBe("blue");
    } finally {
      s.platforms.blue.setFaults({});
      s.platforms.green.setFaults({});
    }
  });
});
