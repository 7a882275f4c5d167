// Production timing on the dashboard, in a real browser, against the many-location simulation (routers
// whose view of KV lags, a controller whose KV writes can fail): the routers' convergence next to the
// switch (none before the first one), why the old color still drains, and a flag that has not reached KV.
import { mkdir } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Sim, startSim } from "../sim/harness";
import { SteadyTraffic } from "../sim/traffic";
import { type BrowserHandle, launchBrowser } from "../support/browser";

const UI_TIMEOUT_MS = 20_000;
const SHOTS = "test-results/dashboard";

let sim: Sim;
let traffic: SteadyTraffic;
let browser: BrowserHandle;
let page: Page;

beforeAll(async () => {
  sim = await startSim({
    locations: 6,
    maxLagMs: 3000,
    drainSeconds: 1,
    vars: { DRAIN_QUIET_SECONDS: "3", FLAG_CACHE_MS: "200" },
  });
  traffic = new SteadyTraffic(sim, 4).start();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  await mkdir(SHOTS, { recursive: true });
  await page.goto(`${sim.worker.url}/dashboard`);
  await page.fill("#signin-token", sim.token);
  await page.click("#signin-ok");
  await page.locator("#convergence").waitFor({ state: "visible", timeout: UI_TIMEOUT_MS });
}, 120_000);

afterAll(async () => {
  await traffic?.stop();
  await browser?.close();
  await sim?.stop();
});

const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: UI_TIMEOUT_MS, interval: 100 });
/**
 * An element's text with its whitespace collapsed, "" when it is absent. It never waits: Playwright's
 * textContent() waits up to 30 s for a missing element, and expect.poll cannot cut a call short, so one
 * vanished element turned a 20 s poll into a 60 s test timeout.
 */
const text = async (selector: string) =>
  (await page.locator(selector).allTextContents()).join(" ").replace(/\s+/g, " ").trim();

test("before the first switch: the share on epoch 0, and no switch to time convergence from", async () => {
  expect((await sim.control.state()).epoch).toBe(0);
  // A share shown means settled traffic was judged, so the controller has recorded milestones, counted from 1970.
  await poll(async () => Number(await page.locator("#convergence").getAttribute("data-share"))).toBeGreaterThan(0);
  const shown = await text("#convergence");
  expect(shown).toMatch(/^Routers on epoch 0: [\d.]+ % of router traffic no switch yet$/);
  expect(shown).not.toContain("after");
});

test("after a switch: the routers' share of traffic on the new epoch, live, and why the old color drains", async () => {
  const before = await sim.control.state();
  // Locations whose view of the flag lags keep routing by the old one. Held here (KV writes and fast-path
  // reads fail) for as long as the page needs to show it: left to chance, the lag lasted a second or two,
  // and a loaded machine rendered the page after it had passed.
  await sim.kvFaults({ failPuts: true });
  await sim.fastPathFaults({ fail: true });
  const epoch = before.epoch + 1;
  try {
    expect((await sim.control.call("POST", "/api/rollback", {})).status).toBe(200);
    await poll(() => page.locator("#convergence").getAttribute("data-epoch")).toBe(String(epoch));
    // …and the old color's card says what it still waits for.
    await poll(() => text(`#env-${before.active} .drain-why`)).toMatch(
      /routers still sent it traffic under an older epoch \d+ s ago \(needs 3 s without\)/,
    );
    expect(await text("#convergence")).toContain("100 % after not yet");
    await page.screenshot({ path: `${SHOTS}/timing-draining.png`, fullPage: true });
  } finally {
    await sim.fastPathFaults({});
    await sim.kvFaults({ failPuts: false });
  }
  // The locations move to the new flag: the share rises, live…
  await poll(async () => Number(await page.locator("#convergence").getAttribute("data-share"))).toBeGreaterThan(0);
  await poll(() => text("#convergence")).toMatch(
    new RegExp(
      `Routers on epoch ${epoch}: 100\\.0 % of router traffic.*50 % after \\d+\\.\\d s · 99 % after \\d+\\.\\d s · 100 % after \\d+\\.\\d s`,
    ),
  );
  await poll(() => page.locator(`#env-${before.active} .drain-why`).count()).toBe(0);
  const shown = await text("#convergence");
  const reached = (await sim.control.state()).convergence?.reached;
  expect(shown).toContain(`100 % after ${((reached?.["100"] ?? 0) / 1000).toFixed(1)} s`);
});

test("a flag that has not reached KV is shown, with since when, until it lands", async () => {
  await sim.kvFaults({ failPuts: true });
  try {
    expect((await sim.control.call("POST", "/api/rollback", { force: true })).status).toBe(200);
    await poll(() => text("#flag-sync")).toMatch(
      /^Flag not in KV since \d\d:\d\d:\d\d \(.*\): routers still route by the previous flag\. \d+ failed writes?, last: simulated KV write failure\./,
    );
    await page.screenshot({ path: `${SHOTS}/timing-flag-not-in-kv.png`, fullPage: true });
  } finally {
    await sim.kvFaults({ failPuts: false });
  }
  await poll(() => page.locator("#flag-sync").count()).toBe(0);
});
