// The dashboard's roles and traffic steps in a real browser against the whole local stack: a viewer's page
// (no buttons, still live), the operator's audit log, and a deployment in traffic steps.
import { afterAll, beforeAll, expect, test } from "vitest";
import { type AuditLog, isTerminal } from "../../shared";
import {
  activeOn,
  type Dashboard,
  deploy,
  openDashboard,
  poll,
  SHOTS,
  shot as shotOf,
  signIn,
} from "../support/dashboard";

const VIEW_TOKEN = "dashboard-test-view-token";

let dash: Dashboard;
beforeAll(async () => {
  dash = await openDashboard({ VIEW_TOKEN });
  await signIn(dash.page, dash.proxy.url, dash.stack.token);
}, 120_000);
afterAll(() => dash?.close());

const shot = (name: string) => shotOf(dash.page, name);

test("a viewer (VIEW_TOKEN) gets live updates and no buttons; only the operator's page shows the audit log", async () => {
  const viewer = await dash.browser.context.newPage();
  try {
    await viewer.goto(`${dash.stack.worker.url}/dashboard`);
    await viewer.fill("#signin-token", VIEW_TOKEN);
    await viewer.click("#signin-ok");
    await poll(() => viewer.locator("#role").textContent()).toBe("Signed in as viewer");
    await poll(() => viewer.locator("#conn").textContent()).toBe("Live");
    const visibleButtons = () => viewer.locator("button:visible").allTextContents();

    const d = await deploy(dash.stack, "v5", 60, "green");
    await poll(() => viewer.locator(`#dep-${d.id}`).count()).toBe(1);
    await poll(() => viewer.locator("#deployment-body .phase.current .label").textContent()).toBe("Awaiting promotion");
    // The operator's tab offers to promote now; the viewer's offers nothing but signing out.
    await poll(() => dash.page.locator("#btn-promote").isVisible()).toBe(true);
    expect((await visibleButtons()).map((t) => t.trim())).toEqual(["Sign out"]);
    expect(await viewer.locator("#audit-panel").isHidden()).toBe(true);
    await viewer.screenshot({ path: `${SHOTS}/12-viewer.png`, fullPage: true });

    // Someone else promotes: the viewer's page follows live, still without buttons.
    expect((await dash.stack.control.call("POST", `/api/deployments/${d.id}/promote`)).status).toBe(200);
    await poll(() => activeOn(viewer)).toBe("green");
    expect((await visibleButtons()).map((t) => t.trim())).toEqual(["Sign out"]);

    // The operator's page lists the calls: the viewer's stream and the promote.
    expect(await dash.page.locator("#audit-panel").isVisible()).toBe(true);
    await poll(() => dash.page.locator("#audit-body").textContent()).toContain(`POST /api/deployments/${d.id}/promote`);
    const audit = (await dash.page.locator("#audit-body").textContent()) ?? "";
    // The viewer's stream is in the log; the panel shows the newest 50 calls only, and this test's own
    // polling may have pushed it out of them, so it is looked up through the API.
    const log = await dash.stack.control.call<AuditLog>("GET", "/api/audit?limit=1000");
    const stream = log.json.entries.find((e) => e.principal.kind === "view-token" && e.call === "GET /api/events");
    expect(stream).toMatchObject({ role: "viewer", status: 200 });
    expect(audit).not.toContain(VIEW_TOKEN);
    expect(audit).not.toContain(dash.stack.token);
    await shot("13-audit");
    // A call that changes nothing (no transition, no state event) still shows: a refused deployment.
    const refused = await dash.stack.control.call("POST", "/api/deployments", { version: "" });
    expect(refused.status).toBe(400);
    await poll(() => dash.page.locator("#audit-body").textContent()).toMatch(
      /POST \/api\/deployments\s*400\s*[\w .:]*version is required/,
    );
    expect((await dash.stack.control.call("POST", `/api/deployments/${d.id}/abort`)).status).toBe(200);
  } finally {
    await viewer.close();
  }
}, 120_000);

test("traffic steps: the split, the step plan and a chart marker show live; an abort clears the split", async () => {
  // Whatever an earlier test left running is stopped; then deploy to the idle color in steps.
  const before = await dash.stack.control.state();
  if (before.deployment && !isTerminal(before.deployment.status))
    await dash.stack.control.call("POST", `/api/deployments/${before.deployment.id}/abort`);
  const idle = (await dash.stack.control.state()).standby;
  const d = await deploy(dash.stack, "v6", 60, idle, { autoPromote: true, steps: [30, 100], stepSeconds: 600 });
  const [to, rest] = idle === "blue" ? ["Blue", "Green"] : ["Green", "Blue"];
  await poll(() => dash.page.locator("#split").getAttribute("data-percent")).toBe("30");
  expect(await dash.page.locator("#split").textContent()).toBe(
    `Split: 30 % of requests to ${to} (step 1 of 2), the rest to ${rest}`,
  );
  expect(await dash.page.locator(".hero .eyebrow").textContent()).toContain("serving 70 % of traffic");
  await poll(() => dash.page.locator("#traffic-steps tbody tr td:nth-child(3)").allTextContents()).toEqual([
    "running",
    "pending",
  ]);
  await poll(async () => (await dash.page.locator("#chart .marker-label").allTextContents()).join(" ")).toMatch(
    /→ 30 %/,
  );
  await shot("14-traffic-step");
  expect((await dash.stack.control.call("POST", `/api/deployments/${d.id}/abort`)).status).toBe(200);
  await poll(() => dash.page.locator("#split").count()).toBe(0);
  await poll(() => dash.page.locator("#traffic-steps tbody tr td:nth-child(3)").allTextContents()).toEqual([
    "reverted",
    "skipped",
  ]);
  expect(await dash.page.locator(".hero .eyebrow").textContent()).toContain("serving all traffic");
});
