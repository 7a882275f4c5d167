// The bundled CLI (dist/cli.js, what `npx edge-bluegreen` runs) spawned against the real Worker (wrangler
// dev) and the stand-in platform. The tests run in order on one Worker.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isTerminal } from "../../shared";
import { type CliRun, runCli, startCli } from "../support/cli";
import { type Deployer, startDeployer } from "../support/deployer";
import { freePort } from "../support/ports";
import { QUICK_DEPLOY, release, type Stack, startStack } from "../support/stack";

// Quick probes and a loose p95 limit for a busy 2-core machine; no live traffic runs here.
const FAST = ["--thresholds", '{"probeIntervalMs":100,"minSamples":4,"maxP95Ms":5000,"minRouterRequests":0}'];
const FAST_WATCH = [...FAST, "--watch-seconds", "2"];

const VIEW_TOKEN = "viewer-token-for-the-cli-test";
let stack: Stack;
let deployer: Deployer;
let env: Record<string, string>;

beforeAll(async () => {
  // FLAG_CACHE_MS 0: the router reads the flag on every request, so a check right after a switch is exact.
  // Readiness rounds every second: a restored standby is a failover target about 3 s after its redeploy.
  stack = await startStack({ drainSeconds: 1, vars: { FLAG_CACHE_MS: "0", HEALTH_INTERVAL_MS: "1000", VIEW_TOKEN } });
  // v-crash passes validation (one round of its 3 canaries), then its process dies under the post-switch probes.
  deployer = await startDeployer(stack, { "v-crash": { crashAfter: 3 } });
  env = { EDGE_BLUEGREEN_URL: stack.worker.url, EDGE_BLUEGREEN_TOKEN: stack.token };
});

afterAll(async () => {
  await deployer?.close();
  await stack?.stop();
});

const cli = (...args: string[]) => runCli(args, env);
const servedBy = async () => (await fetch(`${stack.worker.url}/health`)).headers.get("x-served-by");
/** deploy of v-crash, a release that dies once it serves, through the deployer. */
const deployCrash = (...extra: string[]) =>
  cli(
    "deploy",
    "--version",
    "v-crash",
    "--deploy-command",
    deployer.command,
    ...FAST_WATCH,
    "--mirror-percent",
    "0",
    ...extra,
  );
const show = (r: CliRun) => `exit ${r.code}\n${r.stdout}\n${r.stderr}`;

/** The state without what changes by itself from one read to the next (health checks, storage, traffic). */
function steady(state: unknown): unknown {
  return JSON.parse(JSON.stringify(state), (key, value) =>
    ["checkedAt", "storage", "traffic", "flagSync", "notifications", "coverage"].includes(key) ? undefined : value,
  );
}

describe.sequential("npx edge-bluegreen end to end", () => {
  test("status --json prints GET /api/state", async () => {
    const r = await cli("status", "--json");
    const api = await stack.control.state();

    expect(r.code, show(r)).toBe(0);
    expect(steady(JSON.parse(r.stdout))).toEqual(steady(api));
  });

  test("status prints the active color, version, epoch and protection for people", async () => {
    const r = await cli("status");

    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/Active\s+blue\s+v1\s+\(epoch \d+, flag in sync\)/);
    expect(r.stdout).toMatch(/Protection\s+failover to green/);
    // Not a terminal: no color codes.
    expect(r.stdout).not.toContain("\x1b[");
  });

  test("status --watch off a terminal prints each phase of a deployment as it happens", async () => {
    const watch = startCli(["status", "--watch"], env);
    try {
      // The first state printed, and the event stream open: what happens from now on is followed live.
      await expect.poll(() => watch.lines.length, { timeout: 10_000 }).toBeGreaterThan(0);
      await expect.poll(() => watch.stderr(), { timeout: 10_000 }).toContain("following live events");
      await release(stack, "v1-watch");
      const started = await stack.control.deploy({ version: "v1-watch", mirrorPercent: 0, ...QUICK_DEPLOY });
      expect(started.status, JSON.stringify(started.json)).toBe(201);
      const done = await stack.control.waitFor(started.json.id, undefined, 60_000);
      await expect.poll(() => watch.lines.some((l) => l.text.includes(`status=${done.status}`))).toBe(true);

      const phases = watch.lines.flatMap((l) => /status=(\w+)/.exec(l.text)?.[1] ?? []);
      expect(done.status).toBe("succeeded");
      expect(phases).toEqual(expect.arrayContaining(["validating", "promoted", "watching", "succeeded"]));
      expect(phases.indexOf("validating")).toBeLessThan(phases.indexOf("promoted"));
      expect(phases.indexOf("promoted")).toBeLessThan(phases.indexOf("succeeded"));
      // As they happen: validation was printed before the deployment was over.
      const validating = watch.lines.find((l) => l.text.includes("status=validating"));
      expect(validating?.at).toBeLessThan(Date.parse(done.finishedAt ?? ""));
    } finally {
      watch.child.kill("SIGINT");
    }
    expect((await watch.done).code).toBe(0);
    // Back to blue for the tests below.
    expect((await cli("rollback", "--reason", "reset for the next test")).code).toBe(0);
  });

  test("deploy of a bad release ends 1 and leaves traffic where it was (--restore-standby false)", async () => {
    const before = (await stack.control.state()).active;
    const r = await deployCrash("--restore-standby", "false");

    expect(r.code, show(r)).toBe(1);
    expect(r.stdout).toMatch(/✘ v-crash was rolled back on \w+/);
    expect(r.stdout).toContain("standby: skipped — restore-standby is false");
    const state = await stack.control.state();
    expect(state.active).toBe(before);
    expect(state.deployment).toMatchObject({ version: "v-crash", status: "rolled_back" });
    // The idle color runs the dead release: no failover target, and status says since when and why.
    expect(state.protection?.failoverTarget).toBeNull();
    const status = await cli("status");
    expect(status.stdout).toMatch(/Protection\s+none since \d\d:\d\d:\d\d: \S.*/);
  });

  test("deploy of a bad release restores the standby by default: still exit 1, failover has a target again", {
    timeout: 120_000,
  }, async () => {
    const { active, standby } = await stack.control.state();
    const deploys = deployer.deploys.length;
    const r = await deployCrash();

    // The exit code is the deployment's, however the standby ended.
    expect(r.code, show(r)).toBe(1);
    expect(r.stdout).toMatch(/✘ v-crash was rolled back on \w+/);
    // The release, then the serving version back on the idle color.
    expect(deployer.deploys.slice(deploys)).toEqual([
      { color: standby, version: "v-crash" },
      { color: standby, version: "v1" },
    ]);
    expect(r.stderr).toContain(`restore-standby: deploy-command put v1 on ${standby}: exit 0`);
    expect(r.stdout).toContain(`standby: ready — ${standby} runs v1 and is the failover target again`);
    const state = await stack.control.state();
    expect(state.active).toBe(active);
    expect(state.protection?.failoverTarget).toBe(standby);
    expect((await cli("status")).stdout).toMatch(new RegExp(`Protection\\s+failover to ${standby}`));
  });

  test("deploy of a good release ends 0, with progress on stderr and the summary on stdout", async () => {
    const target = (await stack.control.state()).standby;
    const r = await cli("deploy", "--version", "v2", "--deploy-command", deployer.command, ...FAST_WATCH);

    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`✔ v2 succeeded: ${target} serves`));
    expect(r.stderr).toMatch(/validating[\s\S]*promoted[\s\S]*succeeded/);
    // The deploy command's own output is log (stderr): stdout holds only the CLI's results.
    expect(r.stderr).toContain(`deployed v2 to ${target}`);
    expect(r.stdout).not.toContain("deployed v2");
    expect(await servedBy()).toBe(target);
  });

  test("rollback moves traffic back to the previous color", async () => {
    const { active, standby } = await stack.control.state();
    const r = await cli("rollback", "--reason", "cli test");

    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain(`${standby} serves`);
    expect(await servedBy()).toBe(standby);
    // The rollback, and the standby entry it leaves on top: the color traffic left is no failover target.
    const history = await cli("history", "--limit", "2", "--json");
    expect(JSON.parse(history.stdout)).toMatchObject([
      { kind: "standby", status: "unavailable", from: standby, to: active },
      { kind: "rollback", from: active, to: standby, reason: expect.stringContaining("cli test") },
    ]);
  });

  test("rollback with --deploy-command puts the serving version back on the idle color: failover has a target", {
    timeout: 120_000,
  }, async () => {
    // A good release to roll back from.
    const good = await cli("deploy", "--version", "v3", "--deploy-command", deployer.command, ...FAST_WATCH);
    expect(good.code, show(good)).toBe(0);
    const { active: left } = await stack.control.state();
    const deploys = deployer.deploys.length;
    const r = await cli("rollback", "--reason", "cli restore test", "--deploy-command", deployer.command);

    expect(r.code, show(r)).toBe(0);
    const state = await stack.control.state();
    const serving = state.colors[state.active].version;
    expect(state.standby).toBe(left);
    // The color traffic left ran v3: the serving version goes back on it, and it earns failover again.
    expect(deployer.deploys.slice(deploys)).toEqual([{ color: left, version: serving }]);
    expect(r.stdout).toContain(`standby: ready — ${left} runs ${serving} and is the failover target again`);
    expect(state.protection?.failoverTarget).toBe(left);
  });

  test("promote switches a deployment waiting at the gate; abort stops one; audit lists both calls", async () => {
    /** A release on the idle color, deployed without auto-promote (retried while the idle color drains). */
    const gated = async (version: string) => {
      await release(stack, version);
      const body = { version, autoPromote: false, mirrorPercent: 0, ...QUICK_DEPLOY };
      let started = await stack.control.deploy(body);
      for (let i = 0; i < 50 && started.status === 409; i++) {
        await new Promise((r) => setTimeout(r, 200));
        started = await stack.control.deploy(body);
      }
      expect(started.status, JSON.stringify(started.json)).toBe(201);
      return stack.control.waitFor(started.json.id, "awaiting_promotion", 30_000);
    };
    const waiting = await gated("v1-gate");
    const promoted = await cli("promote", "--timeout", "60");

    expect(promoted.code, show(promoted)).toBe(0);
    expect(promoted.stdout).toMatch(/✔ v1-gate succeeded/);
    expect(await stack.control.deployment(waiting.id)).toMatchObject({ status: "succeeded" });

    const second = await gated("v1-abort");
    // A deploy while one runs: refused before anything runs, naming what is running and how to stop it.
    const busy = await cli("deploy", "--version", "v3");
    expect(busy.code, show(busy)).toBe(1);
    expect(busy.stdout).toContain(`✘ another deployment is running: ${second.id} (version v1-abort`);
    expect(busy.stdout).toContain(`npx edge-bluegreen abort --id ${second.id}`);
    const aborted = await cli("abort", "--id", second.id);

    expect(aborted.code, show(aborted)).toBe(0);
    expect(await stack.control.deployment(second.id)).toMatchObject({ status: "aborted" });
    const audit = JSON.parse((await cli("audit", "--limit", "1000", "--json")).stdout) as {
      entries: { call: string }[];
    };
    const calls = audit.entries.map((e) => e.call);
    expect(calls).toContain(`POST /api/deployments/${waiting.id}/promote`);
    expect(calls).toContain(`POST /api/deployments/${second.id}/abort`);
    // Nothing left to act on: a refusal naming what to do, exit 1.
    const nothing = await cli("abort");
    expect(nothing.code, show(nothing)).toBe(1);
    expect(nothing.stderr).toMatch(/no deployment is running: nothing to abort \(pass --id to name one\)/);
  });

  test("a wrong token: exit 2, one line naming the 401, and no token in the output", async () => {
    const wrong = "wrong-token-0123456789";
    const r = await runCli(["status"], { ...env, EDGE_BLUEGREEN_TOKEN: wrong });

    expect(r.code, show(r)).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/rejected the credentials .*401.*EDGE_BLUEGREEN_TOKEN/);
    for (const secret of [wrong, stack.token]) expect(r.stdout + r.stderr).not.toContain(secret);
  });

  test("a viewer token: status works, rollback is refused with the role it needs (exit 1)", async () => {
    const viewer = { ...env, EDGE_BLUEGREEN_TOKEN: VIEW_TOKEN };
    expect((await runCli(["status"], viewer)).code).toBe(0);
    const r = await runCli(["rollback"], viewer);

    expect(r.code, show(r)).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/403 forbidden.*rollback needs the operator role; these credentials have viewer/);
  });

  test("an unreachable Worker: exit 3", async () => {
    const r = await runCli(["status"], { ...env, EDGE_BLUEGREEN_URL: `http://127.0.0.1:${await freePort()}` });

    expect(r.code, show(r)).toBe(3);
    expect(r.stderr).toMatch(/cannot reach the Worker/);
  });

  test("usage errors: exit 2", async () => {
    expect((await cli("deploy")).code).toBe(2);
    expect((await cli("status", "--bogus")).code).toBe(2);
    expect((await cli("frobnicate")).code).toBe(2);
    expect((await runCli(["status"], {})).stderr).toMatch(/no Worker URL/);
    // Nothing was started by the bad deploy.
    const { deployment } = await stack.control.state();
    expect(deployment === null || isTerminal(deployment.status)).toBe(true);
  });
});
