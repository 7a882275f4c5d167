// Outlier ejections as evidence (issue 10 item 5, issue 14's ejection surge): through the real Worker, a
// release that fails on one path during its watch gets ejected by the router; the deployment record says
// so, the dashboard shows it, and one notification goes out.
import { afterAll, beforeAll, expect, test } from "vitest";
import { launchBrowser, openDashboard } from "../../test/support/browser";
import { type Stack, startStack } from "../../test/support/stack";
import { type Receiver, startReceiver } from "../../test/support/webhook-receiver";

const SECRET = "ejection-test-secret";
const EJECT_AFTER = 3;
let s: Stack;
let hook: Receiver;

beforeAll(async () => {
  hook = await startReceiver({ secret: SECRET });
  s = await startStack({
    drainSeconds: 0,
    // The canary goes to /ingest only: what /v1/logs does is seen by the routers alone.
    vars: { CANARY: "/ingest:ndjson", EJECT_AFTER: String(EJECT_AFTER), NOTIFY_URLS: hook.url, NOTIFY_SECRET: SECRET },
  });
});
afterAll(async () => {
  await s?.stop();
  await hook?.close();
});

const otlp = (i: number) =>
  fetch(`${s.worker.url}/v1/logs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ resourceLogs: [], seq: i }),
  });

test("an ejection during the watch is written into the deployment, shown on the dashboard and notified once", async () => {
  s.platforms.green.setVersion("v2");
  const res = await s.control.deploy({
    version: "v2",
    watchSeconds: 30,
    thresholds: { probeIntervalMs: 100, minSamples: 4, minFailures: EJECT_AFTER },
  });
  expect(res.status).toBe(201);
  await s.control.waitFor(res.json.id, "watching");
  s.platforms.green.setFaults({ errorRate: 1, errorPaths: ["/v1/logs"] });
  // Sequential requests in the one local isolate: EJECT_AFTER failures on green (each failed over to blue)
  // eject it; the rest go straight to blue. Every one of them is served.
  for (let i = 0; i < 3 * EJECT_AFTER; i++) {
    const r = await otlp(i);
    expect(r.status).toBe(200);
    expect(r.headers.get("x-served-by")).toBe("blue");
  }
  // Counters flush at most once a second: a few more requests carry the last ones to the controller.
  const done = await (async () => {
    for (let i = 0; i < 100; i++) {
      const d = await s.control.deployment(res.json.id);
      if (d.status === "rolled_back") return d;
      await otlp(100 + i);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("the watch did not end");
  })();
  expect(done.reason).toMatch(/^router_5xx check failed/);
  expect(done.watch?.ejections).toEqual({ green: 1 });
  const probe = done.probes.find((p) => p.check === "router_ejections");
  expect(probe).toMatchObject({ phase: "post", ok: false, target: "green" });
  expect(probe?.detail).toMatch(/^routers ejected green 1× in this watch \(epoch \d+, after consecutive failures\)/);

  // The live traffic series carries the ejection; the dashboard's green card shows it.
  const state = await s.control.state();
  expect(state.traffic.green.reduce((n, p) => n + (p.ejections ?? 0), 0)).toBe(1);
  const browser = await launchBrowser();
  try {
    const page = await openDashboard(browser, s.worker.url, s.token);
    await expect.poll(() => page.locator("#env-green .ejections").textContent(), { timeout: 10_000 }).toBe("1");
    expect(await page.locator("#env-blue .ejections").textContent()).toBe("0");
  } finally {
    await browser.close();
  }

  await expect
    .poll(() => hook.payloads.filter((p) => p.type === "router.ejection_surge").length, { timeout: 20_000 })
    .toBe(1);
  const surge = hook.payloads.find((p) => p.type === "router.ejection_surge");
  expect(surge?.event).toMatchObject({ color: "green", ejections: 1, deploymentId: done.id });
  expect(surge?.text).toContain("routers are ejecting green");
});
