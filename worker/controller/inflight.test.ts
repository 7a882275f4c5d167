// Graceful drain by the platform's word (issue 15): with DRAIN_PATH, the color that lost traffic counts as
// drained only once it reports 0 in flight, through the real Worker, stand-in platform and a browser
// (which also shows each color's configHash).
import { afterAll, beforeAll, expect, test } from "vitest";
import type { State } from "../../shared";
import { sleep } from "../../test/support/api";
import { launchBrowser, openDashboard } from "../../test/support/browser";
import { type Stack, startStack } from "../../test/support/stack";

let s: Stack;
beforeAll(async () => {
  s = await startStack({ drainSeconds: 1, vars: { DRAIN_PATH: "/drain", DRAIN_QUIET_SECONDS: "1" } });
});
afterAll(() => s?.stop());

const FAST = { thresholds: { probeIntervalMs: 100, minSamples: 4, minRouterRequests: 0 }, watchSeconds: 0 };
const BATCHES = 5;

async function until(what: string, ok: (st: State) => boolean, timeoutMs = 20_000): Promise<State> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await s.control.state();
    if (ok(st)) return st;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(st.colors)}`);
    await sleep(100);
  }
}

test("a color with work in flight is not drained until it reports 0; every record stored once", async () => {
  // Blue serves and buffers what it acks; its pipeline cannot flush yet.
  s.platforms.blue.setFaults({ bufferIngest: true, holdBuffer: true });
  for (let seq = 1; seq <= BATCHES; seq++) {
    const res = await fetch(`${s.worker.url}/ingest`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: JSON.stringify({ producer: "inflight", seq }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-served-by")).toBe("blue");
  }
  expect(s.platforms.blue.stats.inflight).toBe(BATCHES);

  s.platforms.green.setVersion("v2");
  const res = await s.control.deploy({ version: "v2", ...FAST });
  const done = await s.control.waitFor(res.json.id);
  expect(done.status).toBe("succeeded");
  const switched = Date.now();

  // Past DRAIN_SECONDS and the quiet period, blue still drains: it says it has work in flight.
  const held = await until("blue's in-flight report", (st) => st.colors.blue.inflight?.count === BATCHES);
  await sleep(Math.max(0, switched + 4000 - Date.now()));
  const waiting = await s.control.state();
  expect(waiting.colors.blue.drainedAt ?? null).toBeNull();
  expect(waiting.colors.blue.drain?.waitingFor).toEqual([
    `DRAIN_PATH: the platform to finish its in-flight work (${BATCHES} in flight)`,
  ]);
  expect(held.colors.green.inflight ?? null).toBeNull();
  // A deployment onto it is refused, naming why.
  const refused = await s.control.deploy({ version: "v3", ...FAST });
  expect(refused.status).toBe(409);
  expect(JSON.stringify(refused.json)).toContain("in-flight work (5 in flight)");
  expect(s.store.seqs("inflight")).toEqual([]);

  // The dashboard (a real browser) shows blue's in-flight work.
  const browser = await launchBrowser();
  try {
    const page = await openDashboard(browser, s.worker.url, s.token);
    const cell = page.locator("#env-blue dd.inflight");
    await cell.waitFor({ timeout: 15_000 });
    expect(await cell.textContent()).toBe(`${BATCHES} items`);
    // …and each color's configHash, as its health endpoint reports it.
    expect(await page.locator("#env-green dd.config").textContent()).toBe("c1");
  } finally {
    await browser.close();
  }

  // The pipeline may flush now: the next ask flushes it, reports 0, and blue is drained.
  s.platforms.blue.setFaults({ bufferIngest: true });
  const drained = await until("blue drained", (st) => Boolean(st.colors.blue.drainedAt));
  expect(drained.colors.blue.inflight).toMatchObject({ count: 0, error: null });
  expect(Date.parse(drained.colors.blue.drainedAt ?? "")).toBeGreaterThanOrEqual(
    Date.parse(drained.colors.blue.inflight?.at ?? ""),
  );
  expect(s.store.seqs("inflight")).toEqual([1, 2, 3, 4, 5]);
  expect(s.platforms.blue.stats.duplicates).toBe(0);
});
