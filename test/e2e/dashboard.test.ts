// The dashboard in a real browser (headless Chromium via playwright-core) against the whole local stack:
// live updates without reload, switch-to-screen delay, the promote/abort/rollback buttons and their errors,
// a lost connection. A viewer's page, the audit log and traffic steps: dashboard-roles.test.ts.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Color, Deployment } from "../../shared";
import {
  activeOn,
  type Dashboard,
  deploy as deployTo,
  openDashboard,
  poll,
  shot as shotOf,
  UI_TIMEOUT_MS,
} from "../support/dashboard";

/** The picture in docs/dashboard.md; refreshed only on request, so a test run leaves the checkout clean. */
const DOCS_SHOT = process.env.UPDATE_DOCS_SCREENSHOT ? "docs/dashboard.png" : null;
/** The contract: a flag change is on screen in under a second. */
const MAX_SWITCH_TO_SCREEN_MS = 1000;

let dash: Dashboard;
beforeAll(async () => {
  dash = await openDashboard({});
}, 120_000);
afterAll(() => dash?.close());

const shot = (name: string) => shotOf(dash.page, name);
const activeOnPage = () => activeOn(dash.page);
const deploy = (version: string, watchSeconds: number, idle?: Color) =>
  deployTo(dash.stack, version, watchSeconds, idle);

/**
 * Stamps, in the page, when the active color first becomes `color`: at the animation frame after the DOM
 * change, i.e. when it is painted (epoch ms, the same clock as the test's).
 */
async function watchForColor(color: Color): Promise<() => Promise<number | null>> {
  await dash.page.evaluate((c) => {
    const w = window as unknown as { shownAt?: number | null };
    w.shownAt = null;
    const observer = new MutationObserver(() => {
      if (document.getElementById("active-name")?.dataset.color === c) {
        observer.disconnect();
        requestAnimationFrame(() => {
          w.shownAt = Date.now();
        });
      }
    });
    observer.observe(document.body, { childList: true, subtree: true });
  }, color);
  return () => dash.page.evaluate(() => (window as unknown as { shownAt?: number | null }).shownAt ?? null);
}

/** Opens an action's dialog, (re)types the token when asked, confirms. */
async function confirmAction(button: string, token?: string) {
  await dash.page.click(button);
  await dash.page.locator("#confirm").waitFor({ state: "visible" });
  if (token !== undefined) {
    if (await dash.page.locator("#token-saved").isVisible()) await dash.page.click("#change-token");
    await dash.page.fill("#token", token);
  }
  await dash.page.click("#confirm-ok");
}

test("asks for the token first: a wrong one gets the API's 401 and shows nothing", async () => {
  await dash.page.goto(`${dash.proxy.url}/dashboard`);
  await dash.page.locator("#signin").waitFor({ state: "visible" });
  expect(await dash.page.locator("#content").isHidden()).toBe(true);
  await dash.page.fill("#signin-token", "not-the-token");
  await dash.page.click("#signin-ok");
  await poll(() => dash.page.locator("#signin-error").textContent()).toMatch(/^401 unauthorized: /);
  expect(await dash.page.locator("#content").isHidden()).toBe(true);
  expect(await dash.page.evaluate(() => sessionStorage.length)).toBe(0);
  await shot("00-sign-in");
});

test("shows blue active, both environments and live traffic", async () => {
  await dash.page.fill("#signin-token", dash.stack.token);
  await dash.page.click("#signin-ok");
  await poll(activeOnPage).toBe("blue");
  await poll(() => dash.page.locator("#conn").textContent()).toBe("Live");
  await poll(() => dash.page.locator("#env-blue .version").textContent()).toBe("v1");
  await poll(() => dash.page.locator("#env-green").textContent()).toContain("Standby");
  // Router traffic reaches the cards (the load generator goes through the Worker to blue).
  await poll(async () => Number(await dash.page.locator("#env-blue dd.num").first().textContent())).toBeGreaterThan(0);
  expect(await dash.page.locator("#deployment-body").textContent()).toContain("No deployment yet");
  await dash.page.evaluate(() => Object.assign(window, { loadedOnce: true }));
  await shot("01-blue-active");
});

test("only the page is public: its data comes from /api with the token", async () => {
  for (const path of ["/dashboard/state", "/dashboard/events"])
    expect((await fetch(`${dash.stack.worker.url}${path}`)).status, path).toBe(404);
  for (const path of ["/api/state", "/api/events"])
    expect((await fetch(`${dash.stack.worker.url}${path}`)).status, path).toBe(401);
  const html = await fetch(`${dash.stack.worker.url}/dashboard`);
  expect(html.headers.get("content-security-policy")).toContain("script-src 'self'");
  const text = await html.text();
  expect(text).not.toContain(dash.stack.platforms.blue.url);
  expect(text).not.toContain("v1");
});

let first: Deployment;

test("a deployment appears and its steps advance without reload", async () => {
  first = await deploy("v2", 3);
  await poll(() => dash.page.locator(`#dep-${first.id}`).count()).toBe(1);
  expect(await dash.page.locator("#deployment-body .dep-title").textContent()).toContain("v2");
  await shot("02-validating");
  await poll(() => dash.page.locator("#deployment-body .phase.current .label").textContent()).toBe(
    "Awaiting promotion",
  );
  expect(await dash.page.locator("#deployment-body .probes tbody tr").count()).toBeGreaterThanOrEqual(4);
  // Validated on copies of the live load too: the figures are on the dash.page.
  await poll(() => dash.page.locator("#deployment-body li.mirror").textContent()).toMatch(
    /^Mirrored 10 %: passed · \d+ copies · accepted 100\.0 % · 0 skipped · 0 5xx · p95 ≤ /,
  );
  await poll(() => dash.page.locator("#btn-promote").isVisible()).toBe(true);
  expect(await dash.page.locator("#btn-rollback").isDisabled()).toBe(true);
  expect(await dash.page.evaluate(() => "loadedOnce" in window)).toBe(true); // same document: no reload
  await shot("03-awaiting-promotion");
});

test("promote through the API: green is on screen within a second", async () => {
  const shownAt = await watchForColor("green");
  const sent = Date.now();
  const res = await dash.stack.control.call("POST", `/api/deployments/${first.id}/promote`);
  const answered = Date.now();
  expect(res.status).toBe(200);
  await poll(shownAt).not.toBeNull();
  const onScreen = (await shownAt()) as number;
  const flagAt = Date.parse((await dash.stack.control.state()).flag.updatedAt);
  const fromFlag = onScreen - flagAt;
  const fromResponse = onScreen - answered;
  console.log(
    `switch-to-screen: ${fromFlag} ms after the flag changed, ${fromResponse} ms after the API answered (request took ${answered - sent} ms)`,
  );
  expect(fromFlag).toBeLessThan(MAX_SWITCH_TO_SCREEN_MS);
  expect(fromResponse).toBeLessThan(MAX_SWITCH_TO_SCREEN_MS);
  expect(await dash.page.locator(".hero").getAttribute("class")).toContain("hero-green");
  await poll(() => dash.page.locator("#deployment-body .dep-title .badge").textContent()).toBe("Watching");
  await shot("04-green-active");
  await dash.stack.control.waitFor(first.id, "succeeded");
  await poll(() => dash.page.locator("#deployment-body .dep-title .badge").textContent()).toBe("Succeeded");
});

test("rollback button: a wrong token shows the API's 401, the right one returns to blue", async () => {
  await confirmAction("#btn-rollback", "not-the-token");
  const error = dash.page.locator("#confirm-error");
  await error.waitFor({ state: "visible" });
  expect(await error.textContent()).toMatch(/^401 unauthorized: /);
  expect(await activeOnPage()).toBe("green");
  await shot("05-wrong-token");

  await dash.page.fill("#reason", "dashboard test");
  await dash.page.fill("#token", dash.stack.token);
  await dash.page.click("#confirm-ok");
  await poll(activeOnPage).toBe("blue");
  await dash.page.locator("#confirm").waitFor({ state: "hidden" });
  expect(await dash.page.locator("#notice").textContent()).toContain("Rolled back");
  expect((await dash.stack.control.state()).active).toBe("blue");
  // The rollback's row (a standby row, the color traffic left is no failover target, may come first).
  const row = dash.page.locator("#history-body tbody tr", { hasText: "dashboard test" }).first();
  await poll(() => row.textContent()).toContain("Manual rollback");
  await shot("06-rolled-back");
});

test("promote and abort buttons, with the token kept for the tab", async () => {
  const second = await deploy("v3", 60);
  await poll(() => dash.page.locator("#btn-promote").isVisible()).toBe(true);
  await dash.page.click("#btn-promote");
  await dash.page.locator("#confirm").waitFor({ state: "visible" });
  expect(await dash.page.locator("#token-saved").isVisible()).toBe(true);
  expect(await dash.page.locator("#confirm-title").textContent()).toBe("Promote v3 to Green?");
  await shot("07-promote-dialog");
  await dash.page.click("#confirm-ok");
  await poll(activeOnPage).toBe("green");
  expect((await dash.stack.control.deployment(second.id)).status).toBe("watching");
  // The picture in docs/dashboard.md: green serving, a deployment being watched, the earlier switches on the chart.
  await dash.page.locator("#notice").waitFor({ state: "hidden", timeout: UI_TIMEOUT_MS });
  await shot("08-watching");
  if (DOCS_SHOT) await dash.page.screenshot({ path: DOCS_SHOT, fullPage: true });

  await confirmAction("#btn-abort");
  await poll(activeOnPage).toBe("blue");
  expect((await dash.stack.control.deployment(second.id)).status).toBe("aborted");
  await poll(() => dash.page.locator("#deployment-body .dep-title .badge").textContent()).toBe("Aborted");
  // Green still runs the aborted v3: the page says a rollback onto it would be refused, and it is.
  await poll(() => dash.page.locator("#rollback-hint").textContent()).toContain("still runs v3, which ended aborted");
  await confirmAction("#btn-rollback");
  await dash.page.locator("#confirm-error").waitFor({ state: "visible" });
  expect(await dash.page.locator("#confirm-error").textContent()).toMatch(/^409 standby_rejected: /);
  await dash.page.click("#confirm-cancel");
  expect(await activeOnPage()).toBe("blue");
  // Every flag change of this file is marked on the traffic chart: two promotions, the rollback, the abort.
  await poll(() => dash.page.locator("#chart line.marker").count()).toBe(4);
  const labels = (await dash.page.locator("#chart .marker-label").allTextContents()).join(" ");
  expect(labels).toMatch(/→ (switch to )?green/);
  expect(labels).toMatch(/↩ (rollback to )?blue/);
  await shot("09-aborted");
});

test("phone width: one column, nothing wider than the screen", async () => {
  await dash.page.setViewportSize({ width: 390, height: 844 });
  await dash.page.waitForTimeout(300);
  await shot("10-phone");
  const overflow = await dash.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await dash.page.setViewportSize({ width: 1280, height: 900 });
});

test("reconnects by itself when the connection drops", async () => {
  dash.proxy.setDown(true);
  await poll(() => dash.page.locator("#conn").textContent()).toBe("Reconnecting…");
  await shot("11-reconnecting");
  dash.proxy.setDown(false);
  await poll(() => dash.page.locator("#conn").textContent()).toBe("Live");
  // The new stream carries changes again.
  // Green still runs the release aborted above: a plain rollback onto it is refused, so force it.
  const res = await dash.stack.control.call("POST", "/api/rollback", { reason: "after reconnect", force: true });
  expect(res.status).toBe(200);
  await poll(activeOnPage).toBe("green");
});
