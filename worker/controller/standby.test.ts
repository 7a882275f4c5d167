// The standby earns failover back by evidence (docs/protection.md): after a failed deployment or a rollback the
// idle color is no failover target; once it runs the active release and passes a few probe rounds it is one again,
// the probes stop, and it loses the standing when its release changes. Through the real Worker and origins.
import { afterAll, beforeAll, expect, test } from "vitest";
import { STANDBY_ROUNDS, type State } from "../../shared";
import { sleep } from "../../test/support/api";
import { until } from "../../test/support/matrix";
import { type Stack, startStack } from "../../test/support/stack";
import { type Receiver, startReceiver } from "../../test/support/webhook-receiver";

const INTERVAL_MS = 300;
const FAST = { mirrorPercent: 0, thresholds: { probeIntervalMs: 100, minSamples: 4, minRouterRequests: 0 } };
const SECRET = "standby-test-secret";

let s: Stack;
let hook: Receiver;
beforeAll(async () => {
  hook = await startReceiver({ secret: SECRET });
  const notify = { NOTIFY_URLS: hook.url, NOTIFY_SECRET: SECRET };
  s = await startStack({
    drainSeconds: 0,
    vars: { HEALTH_INTERVAL_MS: String(INTERVAL_MS), DRAIN_QUIET_SECONDS: "0", ...notify },
  });
});
afterAll(async () => {
  await s?.stop();
  await hook?.close();
});

/** The controller's state once `ok` holds of it. */
async function stateWhen(what: string, ok: (st: State) => boolean, timeoutMs = 15_000): Promise<State> {
  let last = await s.control.state();
  await until(
    what,
    async () => {
      last = await s.control.state();
      return ok(last);
    },
    timeoutMs,
  );
  return last;
}

const types = () => hook.payloads.map((p) => p.type).filter((t) => t.startsWith("standby."));

test("after a failed deployment: no failover target until the idle color runs the active release and passes the rounds", async () => {
  const start = await s.control.state();
  expect(start.protection?.failoverTarget).toBe("green");
  s.platforms.green.setVersion("v2");
  s.platforms.green.setFaults({ errorRate: 1 });
  const res = await s.control.deploy({ version: "v2", ...FAST });
  const failed = await s.control.waitFor(res.json.id, "failed", 20_000);
  let st = await s.control.state();
  expect(st.flag.failover).toBe(false);
  expect(st.protection).toMatchObject({ failoverTarget: null });
  expect(st.protection?.reason).toContain(`deployment of v2 failed (${failed.reason})`);
  expect(st.protection?.reason).toContain("green becomes a failover target again once it runs v1");
  // Green stays on the rejected release: it is never probed for readiness, and stays no target.
  await sleep(4 * INTERVAL_MS);
  expect((await s.control.state()).protection?.failoverTarget).toBeNull();

  // The idle color restarted healthy on the active release (what the action's restore-standby does).
  const ingestBefore = s.platforms.green.stats.ingestRequests;
  s.platforms.green.setFaults({});
  s.platforms.green.setVersion("v1");
  const healthyAt = Date.now();
  st = await stateWhen("green is a failover target", (x) => x.protection?.failoverTarget === "green");
  const ms = Date.now() - healthyAt;
  console.log(
    `[standby] idle healthy on the active release → failoverTarget set: ${ms} ms (HEALTH_INTERVAL_MS ${INTERVAL_MS})`,
  );
  // Not before STANDBY_ROUNDS rounds, one per health interval.
  expect(ms).toBeGreaterThanOrEqual((STANDBY_ROUNDS - 1) * INTERVAL_MS * 0.9);
  expect(st.flag.failover).not.toBe(false);
  expect(st.protection?.reason).toBe(
    `green runs v1 (configHash c1), the active release, and passed ${STANDBY_ROUNDS} probe rounds in a row`,
  );
  expect(st.history[0]).toMatchObject({ kind: "standby", status: "ready", from: "blue", to: "green", version: "v1" });
  expect(st.history.find((h) => h.kind === "standby" && h.status === "unavailable")).toBeDefined();

  // The probes stopped: exactly STANDBY_ROUNDS rounds of the three CANARY batches reached green, no more.
  const canaries = s.platforms.green.stats.ingestRequests - ingestBefore;
  expect(canaries).toBe(STANDBY_ROUNDS * 3);
  await sleep(5 * INTERVAL_MS);
  expect(s.platforms.green.stats.ingestRequests - ingestBefore).toBe(canaries);

  // The router's own view: this isolate may fail over to green.
  await fetch(`${s.worker.url}/ingest`, { method: "POST", body: "{}\n" }).then((r) => r.arrayBuffer());
  await sleep(1200);
  await fetch(`${s.worker.url}/ingest`, { method: "POST", body: "{}\n" }).then((r) => r.arrayBuffer());
  const healthz = (await (await fetch(`${s.worker.url}/healthz`)).json()) as { failover: unknown };
  expect(healthz.failover).toMatchObject({ allowed: true, target: "green" });

  // Green's release changes: it loses the standing at the next health check.
  s.platforms.green.setVersion("v9");
  st = await stateWhen("green is no failover target", (x) => x.protection?.failoverTarget === null);
  expect(st.protection?.reason).toContain("green now runs v9 (configHash c1), not v1 (configHash c1)");
  expect(st.history[0]).toMatchObject({ kind: "standby", status: "unavailable" });
  const deadline = Date.now() + 10_000;
  while (!types().includes("standby.ready") && Date.now() < deadline) await sleep(100);
  expect(types()).toEqual(expect.arrayContaining(["standby.unavailable", "standby.ready"]));
  const ready = hook.payloads.find((p) => p.type === "standby.ready");
  expect(ready?.event).toMatchObject({ active: "blue", standby: "green", failoverTarget: "green", version: "v1" });
  s.platforms.green.setVersion("v1");
  await stateWhen("green is a failover target again", (x) => x.protection?.failoverTarget === "green");
});

test("after a manual rollback: the color traffic left earns its standing back the same way", async () => {
  const res = await s.control.call("POST", "/api/rollback", { reason: "drill" });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  const rolledAt = Date.now();
  let st = await s.control.state();
  expect(st.active).toBe("green");
  expect(st.protection).toMatchObject({ failoverTarget: null });
  expect(st.protection?.reason).toMatch(/^rolled back manually: traffic blue → green/);
  // Blue runs v1, green's release: it passes the rounds and becomes the failover target.
  st = await stateWhen("blue is a failover target", (x) => x.protection?.failoverTarget === "blue");
  expect(st.history[0]).toMatchObject({ kind: "standby", status: "ready", to: "blue" });
  // Earned afresh: rounds green passed earlier (on the same release) do not count for blue.
  expect(Date.now() - rolledAt).toBeGreaterThanOrEqual((STANDBY_ROUNDS - 1) * INTERVAL_MS * 0.9);
});

test("a failed readiness round resets the count and waits before it probes again", async () => {
  s.platforms.blue.setVersion("v8");
  await stateWhen("blue is no failover target", (x) => x.protection?.failoverTarget === null);
  s.platforms.blue.setFaults({ errorRate: 1 });
  const before = s.platforms.blue.stats.ingestRequests;
  s.platforms.blue.setVersion("v1");
  const st = await stateWhen("a round failed", (x) =>
    (x.protection?.reason ?? "").includes("failed a readiness round"),
  );
  expect(st.protection?.failoverTarget).toBeNull();
  await sleep(4 * INTERVAL_MS);
  // One round of three batches, then nothing until RETRY_AFTER_INTERVALS have passed.
  expect(s.platforms.blue.stats.ingestRequests - before).toBe(3);
  s.platforms.blue.setFaults({});
  await stateWhen("blue is a failover target", (x) => x.protection?.failoverTarget === "blue", 20_000);
});
