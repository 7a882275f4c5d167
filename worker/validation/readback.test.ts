import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { type Probe, quantile } from "../../shared/index";
import { launchBrowser, openDashboard } from "../../test/support/browser";
import { type Stack, startStack } from "../../test/support/stack";

// Every round's canary is read back through the stand-in platform's search.
const READBACK = { READBACK_PATH: "/search?canary={id}" };
const FAST = {
  thresholds: { probeIntervalMs: 100, minSamples: 4, minRouterRequests: 0, readbackTimeoutMs: 1500 },
  watchSeconds: 1,
};
const readbacks = (probes: Probe[]) => probes.filter((p) => p.check === "readback");

let s: Stack;
beforeAll(async () => {
  s = await startStack({ drainSeconds: 0, vars: READBACK });
});
afterAll(() => s?.stop());
beforeEach(() => {
  s.platforms.blue.setFaults({});
  s.platforms.green.setFaults({});
});

/** Puts `version` with `faults` on the idle color, as a deploy command would. */
async function release(version: string, faults = {}) {
  const color = (await s.control.state()).standby;
  s.platforms[color].setVersion(version);
  s.platforms[color].setFaults(faults);
  return color;
}

test("each round's canary is read back; the readback latency is reported in probes and on the dashboard", async () => {
  // Stored 500 ms after the ack, like an indexing pipeline: the readback waits for it.
  await release("v2", { storeDelayMs: 500 });
  const res = await s.control.deploy({
    version: "v2",
    ...FAST,
    thresholds: { ...FAST.thresholds, readbackTimeoutMs: 5000 },
  });
  const done = await s.control.waitFor(res.json.id);
  expect(done.status, done.reason ?? "").toBe("succeeded");
  const pre = readbacks(done.probes.filter((p) => p.phase === "pre"));
  const post = readbacks(done.probes.filter((p) => p.phase === "post"));
  expect(pre.length).toBeGreaterThanOrEqual(2);
  expect(post.length).toBeGreaterThanOrEqual(1);
  for (const p of [...pre, ...post]) {
    expect(p.ok, p.detail).toBe(true);
    // Measured from the ack as the Worker got it, after the platform started its 500 ms (how long after
    // depends on the load; 150 ms of slack).
    expect(p.latencyMs).toBeGreaterThanOrEqual(350);
    expect(p.detail).toMatch(/^canary read back after \d+ ms \(\d+ reads\)$/);
  }
  // Indexing delay is no request latency: it does not count against maxP95Ms (nor does the idempotency proof,
  // which waits for the same delay).
  const requests = done.probes.filter((p) => p.phase === "pre" && p.check !== "readback" && p.check !== "idempotency");
  expect(done.summary?.p95Ms).toBe(
    quantile(
      requests.map((p) => p.latencyMs ?? 0),
      0.95,
    ),
  );
  // The dashboard (a real browser) gives the readback its own summary line and lists each readback probe.
  const browser = await launchBrowser();
  try {
    const page = await openDashboard(browser, s.worker.url, s.token);
    const summary = page.locator(".probe-summary li", { hasText: "Readback (latest):" });
    await summary.waitFor({ timeout: 15_000 });
    const line = (await summary.textContent())?.match(/^Readback \(latest\): (\d+) checks · 0 failed · p95 (\d+) ms$/);
    expect(Number(line?.[1])).toBe(pre.length + post.length);
    expect(Number(line?.[2])).toBeGreaterThanOrEqual(350);
    const rows = page.locator("table.probes tr", { hasText: "readback" });
    expect(await rows.count()).toBeGreaterThan(0);
    expect(await rows.first().textContent()).toMatch(/canary read back after \d+ ms/);
  } finally {
    await browser.close();
  }
});

test("a release that acknowledges canaries but drops them fails validation with reason readback", async () => {
  const color = await release("v3", { acknowledgeButDrop: true });
  const before = await s.control.state();
  const res = await s.control.deploy({ version: "v3", ...FAST });
  const done = await s.control.waitFor(res.json.id);
  expect(done.status).toBe("failed");
  expect(done.reason).toMatch(
    /^readback check failed: \/ingest ndjson: 1 of 1 failed .*last: canary canary-\S+ was accepted but not readable within 1500 ms \(\d+ reads, last answer: 200 without it\)$/,
  );
  // The platform did answer 2xx: only the readback saw the loss.
  expect(done.probes.filter((p) => p.check === "canary").every((p) => p.ok)).toBe(true);
  // Traffic never moved: the flag write at validation start (failover off, the mirror on), and the one that
  // took the mirror out when it failed.
  const after = await s.control.state();
  expect(after.active).not.toBe(color);
  expect(after.flag).toMatchObject({ color: before.flag.color, failover: false });
  expect(after.epoch).toBe(before.epoch + 2);
});

test("a release that starts dropping data after the switch is rolled back during the watch", async () => {
  const color = await release("v4");
  const res = await s.control.deploy({ version: "v4", ...FAST, watchSeconds: 30 });
  await s.control.waitFor(res.json.id, "watching");
  s.platforms[color].setFaults({ acknowledgeButDrop: true });
  const done = await s.control.waitFor(res.json.id);
  expect(done.status).toBe("rolled_back");
  expect(done.reason).toMatch(/^readback check failed: /);
  expect(readbacks(done.probes).at(-1)).toMatchObject({ phase: "post", ok: false });
  expect((await s.control.state()).active).toBe(done.previousColor);
});
