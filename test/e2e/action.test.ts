// The bundled action (dist/index.js) run the way a GitHub runner runs it — `node dist/index.js` with
// INPUT_* variables and the runner's files — against the real Worker (wrangler dev) and real origins.
// The tests run in order on one Worker: bad release, then good release. `command: rollback` through the
// bundle is in test/e2e/zero-loss.test.ts (npm start's scenario, under load).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ActionFiles, actionFiles, runDist } from "../support/action-env";
import { type Deployer, startDeployer } from "../support/deployer";
import { type Stack, startStack } from "../support/stack";

// Quick probes; a p95 limit loose enough for a busy 2-core machine; no live traffic runs here, so the
// watch needs none (minRouterRequests 0).
const FAST = {
  thresholds: '{"probeIntervalMs":100,"minSamples":4,"maxP95Ms":5000,"minRouterRequests":0}',
  "watch-seconds": "2",
};

let stack: Stack;
let deployer: Deployer;
let files: ActionFiles;

beforeAll(async () => {
  // FLAG_CACHE_MS 0: the router reads the flag on every request, so a check right after a switch is exact.
  // HEALTH_INTERVAL_MS 1000: the restored standby passes its readiness rounds in about 3 s.
  stack = await startStack({ drainSeconds: 1, vars: { FLAG_CACHE_MS: "0", HEALTH_INTERVAL_MS: "1000" } });
  // v-crash passes validation (one round: its 3 canaries, one per CANARY entry), then its process dies
  // under the post-switch probes.
  deployer = await startDeployer(stack, { "v-crash": { crashAfter: 3 } });
  files = await actionFiles();
});

afterAll(async () => {
  await deployer?.close();
  await stack?.stop();
  await files?.cleanup();
});

/** `node dist/index.js` as a runner starts it; github-token empty, as in a local run. */
const run = (inputs: Record<string, string>) =>
  runDist(files, { "worker-url": stack.worker.url, token: stack.token, "github-token": "", ...inputs });

const deploy = (version: string) => ({ version, "deploy-command": deployer.command, ...FAST });

describe.sequential("bundled action end to end", () => {
  test("a bad release fails the job and leaves traffic on blue", async () => {
    // Mirroring off: without live traffic, validation would wait for routers to report (more rounds, more
    // canaries, and the release would die before the switch).
    const r = await run({ ...deploy("v-crash"), "mirror-percent": "0" });

    expect(r.code, r.log).toBe(1);
    expect(r.outputs).toMatchObject({
      result: "rolled_back",
      "active-color": "blue",
      version: "v-crash",
      // restore-standby (default with deploy-command): v1 back on green, proven, a failover target again.
      standby: "ready",
    });
    expect(deployer.deploys.at(-1)).toEqual({ color: "green", version: "v1" });
    expect(r.log).toMatch(/::error::v-crash was rolled back on green/);
    expect(r.log).toContain("::notice::github-token is empty: no GitHub deployment is recorded.");
    expect(r.summary).toContain("Blue/green deploy: rolled_back");
    const state = await stack.control.state();
    expect(state.active).toBe("blue");
    expect(state.deployment).toMatchObject({ version: "v-crash", status: "rolled_back" });
    expect(state.protection?.failoverTarget).toBe("green");
  });

  test("a good release succeeds and serves from green", async () => {
    const r = await run(deploy("v2"));

    expect(r.code, r.log).toBe(0);
    expect(r.outputs).toMatchObject({
      result: "succeeded",
      "active-color": "green",
      "previous-color": "blue",
      version: "v2",
    });
    expect(r.summary).toContain("Blue/green deploy: succeeded");
    const state = await stack.control.state();
    expect(state).toMatchObject({ active: "green", colors: { green: { version: "v2" } } });
    // Log traffic through the Worker now reaches the new version.
    const res = await fetch(`${stack.worker.url}/health`);
    expect(res.headers.get("x-served-by")).toBe("green");
    expect(await res.json()).toMatchObject({ version: "v2" });
  });
});
