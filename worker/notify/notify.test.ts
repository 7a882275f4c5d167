import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { NotifyPayload } from "../../shared";
import { launchBrowser, openDashboard } from "../../test/support/browser";
import { freePort } from "../../test/support/ports";
import { type Stack, startStack } from "../../test/support/stack";
import { type Receiver, startReceiver } from "../../test/support/webhook-receiver";

const SECRET = "notify-test-secret";
const FAST = { thresholds: { probeIntervalMs: 100, minSamples: 4, minRouterRequests: 0 }, watchSeconds: 1 };
const poll = <T>(fn: () => T | Promise<T>, timeout = 20_000) => expect.poll(fn, { timeout, interval: 100 });
const statuses = (r: Receiver, id: string) =>
  r.payloads.filter((p) => p.event.deploymentId === id).map((p) => p.event.status);

let s: Stack;
let good: Receiver;
let flaky: Receiver;
let wrongSecret: Receiver;

beforeAll(async () => {
  [good, flaky, wrongSecret] = await Promise.all([
    startReceiver({ secret: SECRET }),
    startReceiver({ secret: SECRET, failFirst: 2, failStatus: 503 }),
    startReceiver({ secret: "another-secret" }),
  ]);
  s = await startStack({
    drainSeconds: 0,
    vars: { NOTIFY_URLS: [good.url, flaky.url, wrongSecret.url].join(","), NOTIFY_SECRET: SECRET },
  });
});
afterAll(async () => {
  await s?.stop();
  await Promise.all([good, flaky, wrongSecret].map((r) => r?.close()));
});

test("every status change reaches each webhook, signed; a webhook failing twice gets it on the third attempt", async () => {
  s.platforms.green.setVersion("v2");
  const res = await s.control.deploy({ version: "v2", ...FAST });
  const done = await s.control.waitFor(res.json.id);
  expect(done.status).toBe("succeeded");
  const path = ["validating", "promoted", "watching", "succeeded"];
  await poll(() => statuses(good, done.id)).toEqual(path);
  await poll(() => statuses(flaky, done.id)).toEqual(path);

  const told = good.payloads.filter((p) => p.event.deploymentId === done.id);
  expect(told.map((p) => p.id)).toEqual(path.map((_, i) => `${done.id}:${i}`));
  const seqs = told.map((p) => p.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  const last = told[3] as NotifyPayload;
  expect(last).toMatchObject({ type: "deployment.status", platform: "production" });
  expect(last.text).toBe(`[production] ✅ v2 → green: succeeded — ${done.reason}`);
  expect(last.event).toMatchObject({
    version: "v2",
    color: "green",
    previousColor: "blue",
    previousStatus: "watching",
  });
  // The same event id under both signatures: receivers agree on what they got.
  expect(flaky.payloads.filter((p) => p.event.deploymentId === done.id)).toEqual(told);

  // The flaky webhook saw the first event three times, byte for byte, backing off between attempts.
  const first = flaky.requests.filter((r) => r.eventId === `${done.id}:0`);
  expect(first.map((r) => [r.status, r.attempt])).toEqual([
    [503, "1"],
    [503, "2"],
    [200, "3"],
  ]);
  expect(new Set(first.map((r) => r.body)).size).toBe(1);
  const [a, b, c] = first.map((r) => r.at) as [number, number, number];
  expect(b - a).toBeGreaterThanOrEqual(900);
  expect(c - b).toBeGreaterThanOrEqual(1900);

  // A receiver holding another secret refuses every body: the controller gives up on each at once and says so.
  expect(wrongSecret.payloads).toEqual([]);
  expect(wrongSecret.requests.every((r) => r.status === 401)).toBe(true);
  const host = new URL(wrongSecret.url).host;
  await poll(async () => (await s.control.state()).notifications?.pending).toBe(0);
  const n = (await s.control.state()).notifications;
  expect(n).toMatchObject({ signed: true, targets: [good, flaky, wrongSecret].map((r) => new URL(r.url).host) });
  expect(n?.delivered).toBeGreaterThanOrEqual(8);
  expect(n?.failed).toBeGreaterThanOrEqual(4);
  const refused = n?.failures.find((f) => f.target === host);
  expect(refused).toMatchObject({ gaveUp: true, retryAt: null, error: "answered 401 (gave up after 1 attempts)" });
  // The flaky webhook's failed attempts are there too, each with when it was tried again.
  const retried = n?.failures.filter((f) => f.target === new URL(flaky.url).host) ?? [];
  expect(retried.map((f) => [f.attempt, f.error, f.gaveUp])).toEqual([
    [2, "answered 503", false],
    [1, "answered 503", false],
  ]);
  for (const f of retried) expect(Date.parse(f.retryAt ?? "")).toBeGreaterThan(Date.parse(f.at));
  // Webhook URLs can hold tokens: the state names hosts only.
  expect(JSON.stringify(n)).not.toContain("/hook");

  // The dashboard, in a real browser, shows the same.
  const browser = await launchBrowser();
  try {
    const page = await openDashboard(browser, s.worker.url, s.token);
    const failures = page.locator("#notify-failures");
    await poll(() => failures.textContent()).toContain("answered 401 (gave up after 1 attempts)");
    const table = await failures.textContent();
    expect(table).toContain(host);
    expect(table).toContain("answered 503");
    const summary = (await page.locator("#notify-summary").textContent())?.replace(/\s+/g, " ");
    expect(summary).toMatch(/^ ?3 webhooks \(.+\) · signed · 0 waiting · \d+ delivered · \d+ given up/);
  } finally {
    await browser.close();
  }
});

test("an abort and a manual rollback are told, with who did it", async () => {
  s.platforms.blue.setVersion("v3");
  const res = await s.control.deploy({ version: "v3", thresholds: { probeIntervalMs: 200, minSamples: 1000 } });
  expect((await s.control.call("POST", `/api/deployments/${res.json.id}/abort`)).status).toBe(200);
  await poll(() => statuses(good, res.json.id)).toEqual(["validating", "aborted"]);
  const aborted = good.payloads.find((p) => p.event.deploymentId === res.json.id && p.event.status === "aborted");
  expect(aborted?.text).toBe("[production] ⏹️ v3 → blue: aborted — aborted by control-token");

  // A deadline ends a deployment: told as that status change, with the deadline as its reason.
  const late = await s.control.deploy({ version: "v3", ...FAST, autoPromote: false, promotionTimeoutSeconds: 1 });
  expect(late.status).toBe(201);
  await poll(() => statuses(good, late.json.id)).toEqual(["validating", "awaiting_promotion", "aborted"]);
  const timedOut = good.payloads.find((p) => p.event.deploymentId === late.json.id && p.event.status === "aborted");
  expect(timedOut?.text).toMatch(/^\[production\] ⏹️ v3 → blue: aborted — promotion deadline: not promoted within 1 s/);

  const rb = await s.control.call("POST", "/api/rollback", { reason: "smoke test", force: true });
  expect(rb.status).toBe(200);
  await poll(() => good.payloads.filter((p) => p.type === "rollback").length).toBe(1);
  const told = good.payloads.find((p) => p.type === "rollback");
  expect(told?.event).toMatchObject({ from: "green", to: "blue", version: "v3", actor: "control-token" });
  expect(told?.text).toBe(
    "[production] ⏪ rollback: traffic green → blue (v3) — manual rollback by control-token: smoke test",
  );
});

test("undelivered notifications wait in the Durable Object's storage across a restart", async () => {
  const dir = await mkdtemp(join(tmpdir(), "bg-notify-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/hook`;
  const vars = { NOTIFY_URLS: url, NOTIFY_SECRET: SECRET };
  let other = await startStack({ drainSeconds: 0, persistTo: dir, vars });
  let late: Receiver | undefined;
  try {
    other.platforms.green.setVersion("v2");
    const res = await other.control.deploy({ version: "v2", ...FAST, watchSeconds: 0 });
    expect((await other.control.waitFor(res.json.id)).status).toBe("succeeded");
    // Nobody listens on the webhook's port: every attempt fails and the events wait.
    await poll(async () => (await other.control.state()).notifications?.failures.length ?? 0).toBeGreaterThan(0);
    expect((await other.control.state()).notifications?.pending).toBe(3);
    await other.stop();
    late = await startReceiver({ secret: SECRET, port });
    other = await startStack({ drainSeconds: 0, persistTo: dir, vars });
    await other.control.state();
    await poll(() => late?.payloads.map((p) => p.event.status), 30_000).toEqual([
      "validating",
      "promoted",
      "succeeded",
    ]);
  } finally {
    await other.stop();
    await late?.close();
    await rm(dir, { recursive: true, force: true });
  }
});
