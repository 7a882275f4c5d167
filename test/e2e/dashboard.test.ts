// The dashboard in a real browser (headless Chromium via playwright-core) against the whole local stack:
// live updates without reload, switch-to-screen delay, the promote/abort/rollback buttons and their errors,
// a viewer's page (no buttons, still live) and the operator's audit log.
import { mkdir } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ApiError, type AuditLog, type Color, type Deployment, type DeploymentRequest, isTerminal } from "../../shared";
import { HttpShipper } from "../producers/http-shipper";
import { sleep } from "../support/api";
import { type BrowserHandle, launchBrowser } from "../support/browser";
import { type Stack, startStack } from "../support/stack";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";

const SHOTS = "test-results/dashboard";
/** The README's picture; refreshed only on request, so a test run leaves the checkout clean. */
const DOCS_SHOT = process.env.UPDATE_DOCS_SCREENSHOT ? "docs/dashboard.png" : null;
/** The contract: a flag change is on screen in under a second. */
const MAX_SWITCH_TO_SCREEN_MS = 1000;
// Generous: other test files share the two cores.
const UI_TIMEOUT_MS = 15_000;
// Validation also waits for minMirrorRequests copies of the live load (README, "Mirroring"): a few suffice here.
const FAST = { thresholds: { probeIntervalMs: 150, minSamples: 4, minMirrorRequests: 5 }, autoPromote: false } as const;
const VIEW_TOKEN = "dashboard-test-view-token";

let stack: Stack;
let browser: BrowserHandle;
let page: Page;
let load: HttpShipper;
/** The browser reaches the Worker through this relay, so a test can cut its connection. */
let proxy: TcpProxy;

beforeAll(async () => {
  stack = await startStack({ vars: { VIEW_TOKEN } });
  // Steady log traffic through the Worker, so the chart and the live rates have something to show.
  load = new HttpShipper({ url: stack.worker.url, producer: "dashboard-load", entriesPerSecond: 60, batchSize: 4 });
  load.start();
  proxy = await startTcpProxy(stack.worker.port);
  browser = await launchBrowser();
  page = await browser.context.newPage();
  await mkdir(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await load?.stop(5000);
  await browser?.close();
  await proxy?.close();
  await stack?.stop();
});

const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
const activeOnPage = () => page.locator("#active-name").getAttribute("data-color");
const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: UI_TIMEOUT_MS, interval: 50 });

/** Deploys `version` to the idle color (the stand-in's "deploy command") and starts a deployment; waits out draining. */
async function deploy(
  version: string,
  watchSeconds: number,
  idle: Color = "green",
  more: Partial<DeploymentRequest> = {},
): Promise<Deployment> {
  stack.platforms[idle].setVersion(version);
  const req: DeploymentRequest = { version, watchSeconds, ...FAST, ...more };
  for (;;) {
    const res = await stack.control.deploy(req);
    if (res.status === 201) return res.json;
    const err = ApiError.safeParse(res.json);
    if (err.data?.error.code !== "color_draining") throw new Error(`deploy: ${res.status} ${JSON.stringify(res.json)}`);
    await sleep(200);
  }
}

/**
 * Stamps, in the page, when the active color first becomes `color`: at the animation frame after the DOM
 * change, i.e. when it is painted (epoch ms, the same clock as the test's).
 */
async function watchForColor(color: Color): Promise<() => Promise<number | null>> {
  await page.evaluate((c) => {
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
  return () => page.evaluate(() => (window as unknown as { shownAt?: number | null }).shownAt ?? null);
}

/** Opens an action's dialog, (re)types the token when asked, confirms. */
async function confirmAction(button: string, token?: string) {
  await page.click(button);
  await page.locator("#confirm").waitFor({ state: "visible" });
  if (token !== undefined) {
    if (await page.locator("#token-saved").isVisible()) await page.click("#change-token");
    await page.fill("#token", token);
  }
  await page.click("#confirm-ok");
}

test("asks for the token first: a wrong one gets the API's 401 and shows nothing", async () => {
  await page.goto(`${proxy.url}/dashboard`);
  await page.locator("#signin").waitFor({ state: "visible" });
  expect(await page.locator("#content").isHidden()).toBe(true);
  await page.fill("#signin-token", "not-the-token");
  await page.click("#signin-ok");
  await poll(() => page.locator("#signin-error").textContent()).toMatch(/^401 unauthorized: /);
  expect(await page.locator("#content").isHidden()).toBe(true);
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  await shot("00-sign-in");
});

test("shows blue active, both environments and live traffic", async () => {
  await page.fill("#signin-token", stack.token);
  await page.click("#signin-ok");
  await poll(activeOnPage).toBe("blue");
  await poll(() => page.locator("#conn").textContent()).toBe("Live");
  await poll(() => page.locator("#env-blue .version").textContent()).toBe("v1");
  await poll(() => page.locator("#env-green").textContent()).toContain("Standby");
  // Router traffic reaches the cards (the load generator goes through the Worker to blue).
  await poll(async () => Number(await page.locator("#env-blue dd.num").first().textContent())).toBeGreaterThan(0);
  expect(await page.locator("#deployment-body").textContent()).toContain("No deployment yet");
  await page.evaluate(() => Object.assign(window, { loadedOnce: true }));
  await shot("01-blue-active");
});

test("only the page is public: its data comes from /api with the token", async () => {
  for (const path of ["/dashboard/state", "/dashboard/events"])
    expect((await fetch(`${stack.worker.url}${path}`)).status, path).toBe(404);
  for (const path of ["/api/state", "/api/events"])
    expect((await fetch(`${stack.worker.url}${path}`)).status, path).toBe(401);
  const html = await fetch(`${stack.worker.url}/dashboard`);
  expect(html.headers.get("content-security-policy")).toContain("script-src 'self'");
  const text = await html.text();
  expect(text).not.toContain(stack.platforms.blue.url);
  expect(text).not.toContain("v1");
});

let first: Deployment;

test("a deployment appears and its steps advance without reload", async () => {
  first = await deploy("v2", 3);
  await poll(() => page.locator(`#dep-${first.id}`).count()).toBe(1);
  expect(await page.locator("#deployment-body .dep-title").textContent()).toContain("v2");
  await shot("02-validating");
  await poll(() => page.locator("#deployment-body .phase.current .label").textContent()).toBe("Awaiting promotion");
  expect(await page.locator("#deployment-body .probes tbody tr").count()).toBeGreaterThanOrEqual(4);
  // Validated on copies of the live load too: the figures are on the page.
  await poll(() => page.locator("#deployment-body li.mirror").textContent()).toMatch(
    /^Mirrored 10 %: passed · \d+ copies · accepted 100\.0 % · 0 skipped · 0 5xx · p95 ≤ /,
  );
  await poll(() => page.locator("#btn-promote").isVisible()).toBe(true);
  expect(await page.locator("#btn-rollback").isDisabled()).toBe(true);
  expect(await page.evaluate(() => "loadedOnce" in window)).toBe(true); // same document: no reload
  await shot("03-awaiting-promotion");
});

test("promote through the API: green is on screen within a second", async () => {
  const shownAt = await watchForColor("green");
  const sent = Date.now();
  const res = await stack.control.call("POST", `/api/deployments/${first.id}/promote`);
  const answered = Date.now();
  expect(res.status).toBe(200);
  await poll(shownAt).not.toBeNull();
  const onScreen = (await shownAt()) as number;
  const flagAt = Date.parse((await stack.control.state()).flag.updatedAt);
  const fromFlag = onScreen - flagAt;
  const fromResponse = onScreen - answered;
  console.log(
    `switch-to-screen: ${fromFlag} ms after the flag changed, ${fromResponse} ms after the API answered (request took ${answered - sent} ms)`,
  );
  expect(fromFlag).toBeLessThan(MAX_SWITCH_TO_SCREEN_MS);
  expect(fromResponse).toBeLessThan(MAX_SWITCH_TO_SCREEN_MS);
  expect(await page.locator(".hero").getAttribute("class")).toContain("hero-green");
  await poll(() => page.locator("#deployment-body .dep-title .badge").textContent()).toBe("Watching");
  await shot("04-green-active");
  await stack.control.waitFor(first.id, "succeeded");
  await poll(() => page.locator("#deployment-body .dep-title .badge").textContent()).toBe("Succeeded");
});

test("rollback button: a wrong token shows the API's 401, the right one returns to blue", async () => {
  await confirmAction("#btn-rollback", "not-the-token");
  const error = page.locator("#confirm-error");
  await error.waitFor({ state: "visible" });
  expect(await error.textContent()).toMatch(/^401 unauthorized: /);
  expect(await activeOnPage()).toBe("green");
  await shot("05-wrong-token");

  await page.fill("#reason", "dashboard test");
  await page.fill("#token", stack.token);
  await page.click("#confirm-ok");
  await poll(activeOnPage).toBe("blue");
  await page.locator("#confirm").waitFor({ state: "hidden" });
  expect(await page.locator("#notice").textContent()).toContain("Rolled back");
  expect((await stack.control.state()).active).toBe("blue");
  await poll(() => page.locator("#history-body tbody tr").first().textContent()).toContain("Manual rollback");
  expect(await page.locator("#history-body").textContent()).toContain("dashboard test");
  await shot("06-rolled-back");
});

test("promote and abort buttons, with the token kept for the tab", async () => {
  const second = await deploy("v3", 60);
  await poll(() => page.locator("#btn-promote").isVisible()).toBe(true);
  await page.click("#btn-promote");
  await page.locator("#confirm").waitFor({ state: "visible" });
  expect(await page.locator("#token-saved").isVisible()).toBe(true);
  expect(await page.locator("#confirm-title").textContent()).toBe("Promote v3 to Green?");
  await shot("07-promote-dialog");
  await page.click("#confirm-ok");
  await poll(activeOnPage).toBe("green");
  expect((await stack.control.deployment(second.id)).status).toBe("watching");
  // The README's picture: green serving, a deployment being watched, the earlier switches on the chart.
  await page.locator("#notice").waitFor({ state: "hidden", timeout: UI_TIMEOUT_MS });
  await shot("08-watching");
  if (DOCS_SHOT) await page.screenshot({ path: DOCS_SHOT, fullPage: true });

  await confirmAction("#btn-abort");
  await poll(activeOnPage).toBe("blue");
  expect((await stack.control.deployment(second.id)).status).toBe("aborted");
  await poll(() => page.locator("#deployment-body .dep-title .badge").textContent()).toBe("Aborted");
  // Green still runs the aborted v3: the page says a rollback onto it would be refused, and it is.
  await poll(() => page.locator("#rollback-hint").textContent()).toContain("still runs v3, which ended aborted");
  await confirmAction("#btn-rollback");
  await page.locator("#confirm-error").waitFor({ state: "visible" });
  expect(await page.locator("#confirm-error").textContent()).toMatch(/^409 standby_rejected: /);
  await page.click("#confirm-cancel");
  expect(await activeOnPage()).toBe("blue");
  // Every flag change of this file is marked on the traffic chart: two promotions, the rollback, the abort.
  await poll(() => page.locator("#chart line.marker").count()).toBe(4);
  const labels = (await page.locator("#chart .marker-label").allTextContents()).join(" ");
  expect(labels).toMatch(/→ (switch to )?green/);
  expect(labels).toMatch(/↩ (rollback to )?blue/);
  await shot("09-aborted");
});

test("phone width: one column, nothing wider than the screen", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await shot("10-phone");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1280, height: 900 });
});

test("reconnects by itself when the connection drops", async () => {
  proxy.setDown(true);
  await poll(() => page.locator("#conn").textContent()).toBe("Reconnecting…");
  await shot("11-reconnecting");
  proxy.setDown(false);
  await poll(() => page.locator("#conn").textContent()).toBe("Live");
  // The new stream carries changes again.
  // Green still runs the release aborted above: a plain rollback onto it is refused, so force it.
  const res = await stack.control.call("POST", "/api/rollback", { reason: "after reconnect", force: true });
  expect(res.status).toBe(200);
  await poll(activeOnPage).toBe("green");
});

test("a viewer (VIEW_TOKEN) gets live updates and no buttons; only the operator's page shows the audit log", async () => {
  const viewer = await browser.context.newPage();
  try {
    await viewer.goto(`${stack.worker.url}/dashboard`);
    await viewer.fill("#signin-token", VIEW_TOKEN);
    await viewer.click("#signin-ok");
    await poll(() => viewer.locator("#role").textContent()).toBe("Signed in as viewer");
    await poll(() => viewer.locator("#conn").textContent()).toBe("Live");
    const visibleButtons = () => viewer.locator("button:visible").allTextContents();

    const d = await deploy("v5", 60, "blue");
    await poll(() => viewer.locator(`#dep-${d.id}`).count()).toBe(1);
    await poll(() => viewer.locator("#deployment-body .phase.current .label").textContent()).toBe("Awaiting promotion");
    // The operator's tab offers to promote now; the viewer's offers nothing but signing out.
    await poll(() => page.locator("#btn-promote").isVisible()).toBe(true);
    expect((await visibleButtons()).map((t) => t.trim())).toEqual(["Sign out"]);
    expect(await viewer.locator("#audit-panel").isHidden()).toBe(true);
    await viewer.screenshot({ path: `${SHOTS}/12-viewer.png`, fullPage: true });

    // Someone else promotes: the viewer's page follows live, still without buttons.
    expect((await stack.control.call("POST", `/api/deployments/${d.id}/promote`)).status).toBe(200);
    await poll(() => viewer.locator("#active-name").getAttribute("data-color")).toBe("blue");
    expect((await visibleButtons()).map((t) => t.trim())).toEqual(["Sign out"]);

    // The operator's page lists the calls: the viewer's stream and the promote.
    expect(await page.locator("#audit-panel").isVisible()).toBe(true);
    await poll(() => page.locator("#audit-body").textContent()).toContain(`POST /api/deployments/${d.id}/promote`);
    const audit = (await page.locator("#audit-body").textContent()) ?? "";
    // The viewer's stream is in the log; the panel shows the newest 50 calls only, and this test's own
    // polling may have pushed it out of them, so it is looked up through the API.
    const log = await stack.control.call<AuditLog>("GET", "/api/audit?limit=1000");
    const stream = log.json.entries.find((e) => e.principal.kind === "view-token" && e.call === "GET /api/events");
    expect(stream).toMatchObject({ role: "viewer", status: 200 });
    expect(audit).not.toContain(VIEW_TOKEN);
    expect(audit).not.toContain(stack.token);
    await shot("13-audit");
    // A call that changes nothing (no transition, no state event) still shows: a refused deployment.
    const refused = await stack.control.call("POST", "/api/deployments", { version: "" });
    expect(refused.status).toBe(400);
    await poll(() => page.locator("#audit-body").textContent()).toMatch(
      /POST \/api\/deployments\s*400\s*[\w .:]*version is required/,
    );
    expect((await stack.control.call("POST", `/api/deployments/${d.id}/abort`)).status).toBe(200);
  } finally {
    await viewer.close();
  }
}, 120_000);

test("traffic steps: the split, the step plan and a chart marker show live; an abort clears the split", async () => {
  // Whatever an earlier test left running is stopped; then deploy to the idle color in steps.
  const before = await stack.control.state();
  if (before.deployment && !isTerminal(before.deployment.status))
    await stack.control.call("POST", `/api/deployments/${before.deployment.id}/abort`);
  const idle = (await stack.control.state()).standby;
  const d = await deploy("v6", 60, idle, { autoPromote: true, steps: [30, 100], stepSeconds: 600 });
  const [to, rest] = idle === "blue" ? ["Blue", "Green"] : ["Green", "Blue"];
  await poll(() => page.locator("#split").getAttribute("data-percent")).toBe("30");
  expect(await page.locator("#split").textContent()).toBe(
    `Split: 30 % of requests to ${to} (step 1 of 2), the rest to ${rest}`,
  );
  expect(await page.locator(".hero .eyebrow").textContent()).toContain("serving 70 % of traffic");
  await poll(() => page.locator("#traffic-steps tbody tr td:nth-child(3)").allTextContents()).toEqual([
    "running",
    "pending",
  ]);
  await poll(async () => (await page.locator("#chart .marker-label").allTextContents()).join(" ")).toMatch(/→ 30 %/);
  await shot("14-traffic-step");
  expect((await stack.control.call("POST", `/api/deployments/${d.id}/abort`)).status).toBe(200);
  await poll(() => page.locator("#split").count()).toBe(0);
  await poll(() => page.locator("#traffic-steps tbody tr td:nth-child(3)").allTextContents()).toEqual([
    "reverted",
    "skipped",
  ]);
  expect(await page.locator(".hero .eyebrow").textContent()).toContain("serving all traffic");
});
