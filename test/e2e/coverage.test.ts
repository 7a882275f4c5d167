// The evidence coverage (worker/controller/coverage.ts) where people read it: GET /api/state, the CLI's
// status and the dashboard, against the many-location simulation with a tier per location (production's
// LocationTier), so each location reports under its own name.
import { mkdir } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SIM_THRESHOLDS, type Sim, startSim } from "../sim/harness";
import { SteadyTraffic } from "../sim/traffic";
import { type BrowserHandle, launchBrowser } from "../support/browser";
import { runCli } from "../support/cli";

const LOCATIONS = 3;
const WINDOW_MS = 10_000;
const UI_TIMEOUT_MS = 20_000;
const SHOTS = "test-results/dashboard";

let sim: Sim;
let traffic: SteadyTraffic;

beforeAll(async () => {
  sim = await startSim({ locations: LOCATIONS, maxLagMs: 0, drainSeconds: 1, flagSource: "tier" });
  traffic = new SteadyTraffic(sim, 4).start();
}, 120_000);

afterAll(async () => {
  await traffic?.stop();
  await sim?.stop();
});

/** Signs in to the dashboard in headless Chromium and runs `look` on the page. */
async function onDashboard(look: (page: Page) => Promise<void>): Promise<void> {
  const browser: BrowserHandle = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${sim.worker.url}/dashboard`);
    await page.fill("#signin-token", sim.token);
    await page.click("#signin-ok");
    await look(page);
  } finally {
    await browser.close();
  }
}

const coverage = async () => (await sim.control.state()).coverage;
const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: UI_TIMEOUT_MS, interval: 100 });

describe.sequential("evidence coverage", () => {
  test("GET /api/state counts the locations whose tiers report, with their ages; status and the dashboard show it", async () => {
    await poll(async () => (await coverage())?.reporting).toBe(LOCATIONS);
    const c = await coverage();
    // No deployment: every location heard from lately, nothing judged.
    expect(c).toMatchObject({ since: null, locations: LOCATIONS, windowMs: WINDOW_MS, collapsed: false });
    expect(c?.newestAgeMs).toBeGreaterThanOrEqual(0);
    expect(c?.oldestAgeMs).toBeGreaterThanOrEqual(c?.newestAgeMs ?? 0);
    expect(c?.oldestAgeMs).toBeLessThanOrEqual(WINDOW_MS);

    const r = await runCli(["status"], { EDGE_BLUEGREEN_URL: sim.worker.url, EDGE_BLUEGREEN_TOKEN: sim.token });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /\nLocations {3}3 of 3 reporting in the last 10 s \(newest report \d+\.\d s old, oldest \d+\.\d s\)\n/,
    );

    await onDashboard(async (page) => {
      await poll(() => page.locator("#coverage").getAttribute("data-reporting")).toBe(String(LOCATIONS));
      expect((await page.locator("#coverage").textContent())?.replace(/\s+/g, " ")).toMatch(
        /Edge locations: 3 of 3 reporting in the last 10 s · newest report \d+\.\d s old, oldest \d+\.\d s/,
      );
      await mkdir(SHOTS, { recursive: true });
      await page.screenshot({ path: `${SHOTS}/coverage.png`, fullPage: true });
    });
  });

  test("during a watch it covers the locations that reported since the switch", async () => {
    sim.platforms.green.setVersion("v2");
    const started = await sim.control.deploy({
      version: "v2",
      thresholds: SIM_THRESHOLDS,
      watchSeconds: 3,
      mirrorPercent: 0,
    });
    expect(started.status, JSON.stringify(started.json)).toBe(201);
    const watching = await sim.control.waitFor(started.json.id, "watching", 30_000);
    await poll(async () => {
      const c = await coverage();
      return c && { since: c.since, locations: c.locations };
    }).toEqual({ since: watching.promotedAt, locations: LOCATIONS });
    expect(await coverage()).toMatchObject({ reporting: LOCATIONS, collapsed: false });

    const done = await sim.control.waitFor(started.json.id, undefined, 60_000);
    expect(done.status, done.reason ?? "").toBe("succeeded");
    // The watch is over: back to every location heard from lately.
    expect(await coverage()).toMatchObject({ since: null, locations: LOCATIONS });
  });
});
