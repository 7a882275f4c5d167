// run() in-process against the real Worker (wrangler dev) and real local origins; only GitHub's REST
// API is faked (msw). The tests share one Worker and run in order: each starts from the state the
// previous one left (noted at the top of each).
import { describe, expect, test } from "vitest";
import type { Deployment } from "../shared";
import { REPOSITORY, SHA } from "../test/support/action-env";
import { actionHarness } from "../test/support/action-harness";

// Quick probes; a p95 limit loose enough for a busy 2-core machine; no live traffic runs here, so
// the watches need none (minRouterRequests 0). The first test's light traffic (25 requests/s, 10 % copied)
// brings 5 copies for validation on mirrored load in about 2 s, the default 20 in about 8 s.
const THRESHOLDS = { probeIntervalMs: 100, minSamples: 4, maxP95Ms: 5000, minRouterRequests: 0, minMirrorRequests: 5 };
const FAST = { thresholds: JSON.stringify(THRESHOLDS), "watch-seconds": "1" };
const GITHUB_TOKEN = "ghs_fake_token_for_tests";

// v-crash survives one validation round (3 canaries, one per CANARY entry) and dies after the switch.
const h = actionHarness({ "v-500": { errorRate: 1 }, "v-crash": { crashAfter: 3 } });

// These tests are about each command's own outcome: restoring the standby after it is
// test/e2e/action-restore.test.ts (with restore on, a failed release here would be redeployed over at once).
const deployInputs = (version: string, more: Record<string, string> = {}) => ({
  version,
  "deploy-command": h.deployer.command,
  "restore-standby": "false",
  "github-token": GITHUB_TOKEN,
  environment: "production",
  ...FAST,
  ...more,
});

const lastGithubDeployment = () => h.github.deployments.at(-1);

describe.sequential("run()", () => {
  test("deploy succeeds: outputs, summary, GitHub deployment success and the replaced one inactive", async () => {
    // blue v1 serves; an earlier run recorded v1 in GitHub.
    const replaced = h.github.seed("production", "v1");
    // Live traffic through the Worker meanwhile, so the routers' convergence has something to show.
    let sending = true;
    const traffic = (async () => {
      while (sending) {
        await fetch(`${h.stack.worker.url}/ingest`, { method: "POST", body: "{}\n" }).then((res) => res.arrayBuffer());
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();
    const timeouts = { "promotion-timeout-seconds": "1800", "validation-timeout-seconds": "120" };
    // A watch long enough for the routers' reports after the switch to settle (up to FLAG_CACHE_MS for a router to
    // take the new flag, then SETTLE_MS): with a 1 s watch the milestones were only logged when the switch happened
    // to come just after the routers' flag refresh.
    const r = await h.run(deployInputs("v2", { ...timeouts, "watch-seconds": "4" })).finally(async () => {
      sending = false;
      await traffic;
    });

    expect(r.failed, r.log).toBe(false);
    const state = await h.stack.control.state();
    expect(r.outputs).toEqual({
      result: "succeeded",
      "active-color": "green",
      "previous-color": "blue",
      "deployment-id": state.deployment?.id,
      version: "v2",
      // blue keeps v1, the release v2 replaced: the failover target.
      standby: "ready",
    });
    expect(state.active).toBe("green");
    expect(state.colors.green.version).toBe("v2");
    expect(h.deployer.deploys.at(-1)).toEqual({ color: "green", version: "v2" });
    expect(r.log).toContain(`::add-mask::${h.stack.token}`);
    expect(r.log).toContain("deployed v2 to green"); // the deploy-command's own output, streamed

    expect(r.summary).toContain("Blue/green deploy: succeeded");
    for (const part of ["Timeline", "deploy-command", "validating", "promoted", "watching", "Probes", "pre health"]) {
      expect(r.summary).toContain(part);
    }
    expect(r.summary).toMatch(/<td>green<\/td><td><b>active<\/b><\/td><td>v2<\/td>/);
    // Convergence and the watch's start, in the log as they happened and in the summary; the deadlines passed on.
    expect(state.deployment).toMatchObject({ promotionTimeoutSeconds: 1800, validationTimeoutSeconds: 120 });
    expect(r.log, r.log).toMatch(/routers on epoch \d+ \(→ green\): 50 % of traffic after \d+\.\d s/);
    expect(r.log).toMatch(/watch period counted from \d\d:\d\d:\d\d \((99 %|DRAIN_SECONDS)[^)]*\); judged \d+ router/);
    expect(r.summary).toContain("Convergence (router traffic on the new flag)");
    // Validation on the copies of that traffic (docs/deployments.md, "Mirroring"), with its figures.
    expect(state.deployment?.mirror?.status).toMatch(/^(passed|no-traffic)$/);
    expect(r.summary).toContain("Mirrored live traffic (10 % of ingest)");
    expect(r.summary).toMatch(/<td>\d+<\/td><td>green<\/td><td>\d+\.\d s<\/td>/);

    const created = lastGithubDeployment();
    expect(created).toMatchObject({ environment: "production", ref: SHA, payload: { version: "v2", color: "green" } });
    expect(h.github.states(created)).toEqual(["in_progress", "success"]);
    expect(created?.statuses[1]?.environment_url).toBe(h.stack.worker.url);
    expect(created?.statuses[1]?.log_url).toBe(`https://github.com/${REPOSITORY}/actions/runs/4242`);
    expect(h.github.states(replaced)).toEqual(["success", "inactive"]);
  });

  test("rollback command flips traffic back and records the restored version in GitHub", async () => {
    // green v2 serves (previous test), blue still runs v1.
    const replaced = lastGithubDeployment();
    const r = await h.run({ command: "rollback", reason: "bad dashboards", "github-token": GITHUB_TOKEN });

    expect(r.failed, r.log).toBe(false);
    expect(r.outputs).toMatchObject({
      result: "rolled_back_manually",
      "active-color": "blue",
      "previous-color": "green",
      version: "v1",
    });
    const state = await h.stack.control.state();
    expect(state.active).toBe("blue");
    // (A standby entry may come first: the color traffic left is no failover target.)
    const rollback = state.history.find((h) => h.kind === "rollback");
    expect(rollback).toMatchObject({ kind: "rollback", status: "rolled_back_manually" });
    expect(rollback?.reason).toContain("bad dashboards; requested by octocat");
    expect(r.summary).toContain("Blue/green rollback: rolled_back_manually");

    const created = lastGithubDeployment();
    expect(created).toMatchObject({ environment: "production", payload: { version: "v1", color: "blue" } });
    expect(h.github.states(created)).toEqual(["success"]);
    expect(h.github.states(replaced)).toEqual(["in_progress", "success", "inactive"]);
  });

  test("validation fails (the new version answers 500): result failed, no traffic moved", async () => {
    // blue v1 serves; green stays warm for a second after the rollback, so the action waits for it.
    const before = await h.stack.control.state();
    const r = await h.run(deployInputs("v-500"));

    expect(r.failed).toBe(true);
    expect(r.outputs).toMatchObject({
      result: "failed",
      "active-color": "blue",
      "previous-color": "blue",
      version: "v-500",
      standby: "skipped",
    });
    expect(r.log).toContain("::warning::standby: skipped — restore-standby is false");
    expect(r.log).toMatch(/::error::v-500 failed validation on green: canary check failed: .*; blue serves v1\./);
    const state = await h.stack.control.state();
    expect(state.active).toBe("blue");
    // Traffic never moved: the flag write at validation start (failover off, the mirror on), and the one that
    // took the mirror out when it failed.
    expect(state.epoch).toBe(before.epoch + 2);
    expect(state.flag).toMatchObject({ color: "blue", failover: false });
    expect(r.summary).toContain("Blue/green deploy: failed");
    expect(r.summary).toContain("canary rejected: 500");
    expect(h.github.states(lastGithubDeployment())).toEqual(["in_progress", "failure"]);
  });

  test("rollback onto the release that just failed is refused; force overrides", async () => {
    // green still runs v-500 from the previous test.
    const refused = await h.run({ command: "rollback" });
    expect(refused.failed).toBe(true);
    expect(refused.log).toMatch(/::error::.*409 standby_rejected\): green runs v-500/);
    expect((await h.stack.control.state()).active).toBe("blue");

    const forced = await h.run({ command: "rollback", force: "true", reason: "operator insists" });
    expect(forced.failed, forced.log).toBe(false);
    expect(forced.outputs).toMatchObject({ result: "rolled_back_manually", "active-color": "green", version: "v-500" });
    // And back to blue for the next tests (blue was never rejected).
    const back = await h.run({ command: "rollback" });
    expect(back.outputs).toMatchObject({ result: "rolled_back_manually", "active-color": "blue" });
  });

  test("a breach after the switch: result rolled_back, traffic back on blue", async () => {
    // blue v1 serves. v-crash passes validation, then its origin dies under the watch's probes. Mirroring off:
    // without live traffic validation would wait for routers to report (more rounds, more canaries).
    const r = await h.run(deployInputs("v-crash", { "watch-seconds": "30", "mirror-percent": "0" }));

    expect(r.failed).toBe(true);
    expect(r.outputs).toMatchObject({ result: "rolled_back", "active-color": "blue", "previous-color": "blue" });
    expect(r.log).toMatch(/::error::v-crash was rolled back on green: .* check failed: .*; blue serves v1\./);
    const state = await h.stack.control.state();
    expect(state.active).toBe("blue");
    expect(state.deployment).toMatchObject({ version: "v-crash", status: "rolled_back" });
    expect(state.deployment?.steps.map((s) => s.status)).toContain("watching");
    expect(h.github.states(lastGithubDeployment())).toEqual(["in_progress", "failure"]);
  });

  test("a failing deploy-command stops before the Worker is asked for anything", async () => {
    const before = await h.stack.control.state();
    const r = await h.run(
      deployInputs("v3", { "deploy-command": 'echo "building $DEPLOY_VERSION for $DEPLOY_COLOR"; exit 3' }),
    );

    expect(r.failed).toBe(true);
    expect(r.outputs).toMatchObject({ result: "failed", "active-color": "blue", version: "v3" });
    expect(r.log).toContain("building v3 for green");
    expect(r.log).toContain("::error::deploy-command exited with 3; no traffic moved (blue still serves).");
    expect(r.summary).toContain("deploy-command output (last lines)");
    const state = await h.stack.control.state();
    expect(state.deployment?.id).toBe(before.deployment?.id);
    expect(h.github.states(lastGithubDeployment())).toEqual(["in_progress", "failure"]);
  });

  test("409 while another deployment runs: names it, deploys nothing; abort command stops it", async () => {
    // A deployment that stays in validation (errors allowed, many samples needed).
    const running = await h.stack.control.deploy({
      version: "v-other",
      thresholds: { maxErrorRate: 1, minSamples: 10_000, probeIntervalMs: 60_000 },
    });
    expect(running.status).toBe(201);
    const id = running.json.id;
    const deploys = h.deployer.deploys.length;
    const recorded = h.github.deployments.length;

    // restore-standby on: still nothing to restore, since nothing reached the idle color.
    const r = await h.run(deployInputs("v3", { "restore-standby": "true" }));
    expect(r.failed).toBe(true);
    expect(r.outputs).toMatchObject({ result: "failed", version: "v3", standby: "skipped" });
    expect(r.log).toContain("standby: skipped — nothing reached the idle color");
    expect(r.log).toContain(`::error::another deployment is running: ${id} (version v-other to green, validating`);
    expect(r.log).toContain(`deployment-id: ${id}`);
    expect(h.deployer.deploys.length).toBe(deploys);
    expect(h.github.deployments.length).toBe(recorded);

    const aborted = await h.run({ command: "abort", "deployment-id": id });
    expect(aborted.failed, aborted.log).toBe(false);
    expect(aborted.outputs).toMatchObject({ result: "aborted", "deployment-id": id, "active-color": "blue" });
    expect((await h.stack.control.deployment(id)).status).toBe("aborted");
  });

  test("auto-promote false: waits at the gate, aborts at timeout-seconds", async () => {
    const r = await h.run(deployInputs("v3", { "auto-promote": "false", "timeout-seconds": "8" }));

    expect(r.failed).toBe(true);
    expect(r.outputs).toMatchObject({ result: "aborted", "active-color": "blue", version: "v3" });
    expect(r.log).toContain("::notice::Validation of v3 on green passed");
    expect(r.log).toMatch(/::error::v3 was aborted on green: timed out after 8 s while awaiting_promotion/);
    expect((await h.stack.control.state()).active).toBe("blue");
  });

  test("promote command switches a deployment waiting at the gate and follows it", async () => {
    // green runs v3 (deployed by the previous test); validate it without auto-promote.
    const started = await h.stack.control.deploy({
      version: "v3",
      autoPromote: false,
      watchSeconds: 1,
      thresholds: THRESHOLDS,
    });
    const waiting: Deployment = await h.stack.control.waitFor(started.json.id, "awaiting_promotion");

    const r = await h.run({ command: "promote" }); // no deployment-id: the running one
    expect(r.failed, r.log).toBe(false);
    expect(r.outputs).toEqual({
      result: "succeeded",
      "active-color": "green",
      "previous-color": "blue",
      "deployment-id": waiting.id,
      version: "v3",
      standby: "ready",
    });
    expect(r.summary).toContain("Blue/green promote: succeeded");
  });

  test("status command reports who serves and the latest result", async () => {
    const r = await h.run({ command: "status" });
    expect(r.failed, r.log).toBe(false);
    expect(r.outputs).toMatchObject({
      result: "succeeded",
      "active-color": "green",
      "previous-color": "blue",
      version: "v3",
    });
    expect(r.summary).toContain("Recent history");
  });

  test("promote of an unknown deployment fails with the Worker's answer", async () => {
    const r = await h.run({ command: "promote", "deployment-id": "no-such-deployment" });
    expect(r.failed).toBe(true);
    expect(r.log).toContain(
      "::error::the Worker refused POST /api/deployments/no-such-deployment/promote (404 not_found): no running deployment no-such-deployment",
    );
    expect(r.outputs).toEqual({});
  });

  test("401 with a wrong token: a clear error, nothing deployed or recorded", async () => {
    const recorded = h.github.deployments.length;
    const deploys = h.deployer.deploys.length;
    const r = await h.run(deployInputs("v4", { token: "not-the-token" }));

    expect(r.failed).toBe(true);
    expect(r.outputs).toMatchObject({ result: "failed", version: "v4" });
    expect(r.log).toContain("::error::the Worker rejected the credentials for GET /api/state (401: invalid token)");
    expect(r.log).toContain("::add-mask::not-the-token");
    expect(h.github.deployments.length).toBe(recorded);
    expect(h.deployer.deploys.length).toBe(deploys);
  });

  test("config-hash: a release whose platform reports another configHash fails validation (config)", async () => {
    const before = await h.stack.control.state();
    // The stand-in platform's nodes report configHash c1.
    const r = await h.run(deployInputs("v-cfg", { "config-hash": "c2" }));

    expect(r.failed).toBe(true);
    expect(r.outputs).toMatchObject({ result: "failed", version: "v-cfg" });
    expect(r.log).toMatch(
      /v-cfg failed validation on \w+: config check failed: configHash mismatch: expected c2, got c1/,
    );
    const state = await h.stack.control.state();
    // Traffic never moved: the flag write at validation start (failover off, the mirror on), and the one that
    // took the mirror out when it failed.
    expect(state.epoch).toBe(before.epoch + 2);
    expect(state.history.find((h) => h.kind === "deployment")).toMatchObject({ version: "v-cfg", status: "failed" });
  });

  test("steps and step-seconds reach the Worker; the log and the summary show each step", async () => {
    const r = await h.run(deployInputs("v-steps", { steps: "20,100", "step-seconds": "1" }));

    expect(r.failed, r.log).toBe(false);
    expect(r.outputs).toMatchObject({ result: "succeeded", version: "v-steps" });
    const d = (await h.stack.control.state()).deployment;
    expect(d?.trafficSteps?.map((x) => [x.percent, x.seconds, x.status])).toEqual([
      [20, 1, "passed"],
      [100, 1, "passed"],
    ]);
    expect(r.log).toMatch(/watching: step 1\/2: 20 % of traffic on \w+; watching it for 1s/);
    expect(r.summary).toContain("Traffic steps (20 % → 100 %)");
    expect(r.summary).toMatch(/<td>1: 20 %<\/td><td>1 s<\/td><td>passed<\/td><td>\d+<\/td>/);
    expect(r.summary).toMatch(/<td>2: 100 %<\/td><td>1 s<\/td><td>passed<\/td>/);
  });
});
