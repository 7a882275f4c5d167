// The dashboard's protection banner in a real browser (docs/protection.md): while the active color has no
// failover target it says so, since when, why and what brings one back; it clears once the standby is ready.
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Dashboard, openDashboard, poll, shot, signIn } from "../support/dashboard";

let dash: Dashboard;
beforeAll(async () => {
  // Readiness rounds every 300 ms: the restored standby is ready within about a second.
  dash = await openDashboard({ HEALTH_INTERVAL_MS: "300" });
  await signIn(dash.page, dash.proxy.url, dash.stack.token);
}, 120_000);
afterAll(() => dash?.close());

test("no failover target: an unmistakable banner with since, why and what brings it back; gone once the standby is ready", async () => {
  const { page, stack } = dash;
  const banner = page.locator("#protection .protection");
  await poll(() => banner.getAttribute("data-protected")).toBe("true");
  expect(await banner.textContent()).toContain("Failover target: Green");

  // A release that fails validation leaves green unfit: no failover target.
  stack.platforms.green.setVersion("v2");
  stack.platforms.green.setFaults({ errorRate: 1 });
  const res = await stack.control.deploy({
    version: "v2",
    mirrorPercent: 0,
    thresholds: { probeIntervalMs: 100, minSamples: 4 },
  });
  await stack.control.waitFor(res.json.id, "failed", 30_000);
  await poll(() => banner.getAttribute("data-protected")).toBe("false");
  const text = (await banner.textContent()) ?? "";
  expect(await banner.getAttribute("role")).toBe("alert");
  expect(text).toMatch(/^⚠️ No failover target: Blue serves unprotected since \d\d:\d\d:\d\d/);
  expect(text).toContain("A hang or crash of Blue now loses data.");
  expect(text).toContain("deployment of v2 failed");
  expect(text).toContain("green becomes a failover target again once it runs v1");
  await shot(page, "protection-unprotected");

  // The standby restarted on the active release earns its standing back: the banner goes.
  stack.platforms.green.setFaults({});
  stack.platforms.green.setVersion("v1");
  await poll(() => banner.getAttribute("data-protected")).toBe("true");
  expect(await page.locator("#protection .unprotected").count()).toBe(0);
  // The history says both changes.
  await poll(() => page.locator("#history-body td[data-label='Kind']", { hasText: "Standby" }).count()).toBe(2);
});
