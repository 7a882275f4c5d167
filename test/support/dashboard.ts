// The dashboard tests' fixture: the whole local stack with steady log traffic, a relay the browser goes
// through (so a test can cut its connection), headless Chromium and one page, plus their shared steps.
import { mkdir } from "node:fs/promises";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { ApiError, type Color, type Deployment, type DeploymentRequest } from "../../shared";
import { HttpShipper } from "../producers/http-shipper";
import { sleep } from "./api";
import { type BrowserHandle, launchBrowser } from "./browser";
import { type Stack, startStack } from "./stack";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy";

export const SHOTS = "test-results/dashboard";
// Generous: other test files share the two cores.
export const UI_TIMEOUT_MS = 15_000;
// Validation also waits for minMirrorRequests copies of the live load (docs/deployments.md): a few suffice here.
const FAST = { thresholds: { probeIntervalMs: 150, minSamples: 4, minMirrorRequests: 5 }, autoPromote: false } as const;

export interface Dashboard {
  stack: Stack;
  browser: BrowserHandle;
  page: Page;
  /** The browser reaches the Worker through this relay. */
  proxy: TcpProxy;
  close(): Promise<void>;
}

export async function openDashboard(vars: Record<string, string>): Promise<Dashboard> {
  // Under the steady load below, a color switched away from drains only after DRAIN_QUIET_SECONDS without router
  // traffic under an older epoch: 1 s here, not production's 10 s, which each deployment after a switch waited
  // out (why a color drains, on screen: dashboard-timing.test.ts).
  const stack = await startStack({ vars: { DRAIN_QUIET_SECONDS: "1", ...vars } });
  // Steady log traffic through the Worker, so the chart and the live rates have something to show.
  const load = new HttpShipper({
    url: stack.worker.url,
    producer: "dashboard-load",
    entriesPerSecond: 60,
    batchSize: 4,
  });
  load.start();
  const proxy = await startTcpProxy(stack.worker.port);
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  await mkdir(SHOTS, { recursive: true });
  return {
    stack,
    browser,
    page,
    proxy,
    async close() {
      await load.stop(5000);
      await browser.close();
      await proxy.close();
      await stack.stop();
    },
  };
}

export const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: UI_TIMEOUT_MS, interval: 50 });
export const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
export const activeOn = (page: Page) => page.locator("#active-name").getAttribute("data-color");

/** Opens the page, signs in with `token` and waits for the live stream (playwright's waits: usable in beforeAll). */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/dashboard`);
  await page.fill("#signin-token", token);
  await page.click("#signin-ok");
  await page.locator("#conn", { hasText: "Live" }).waitFor({ timeout: UI_TIMEOUT_MS });
}

/** Deploys `version` to the idle color (the stand-in's "deploy command") and starts a deployment; waits out draining. */
export async function deploy(
  stack: Stack,
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
