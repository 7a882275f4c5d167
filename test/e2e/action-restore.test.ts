// The bundled action restores the standby (docs/protection.md): a release that fails validation fails the job,
// then deploy-command puts the serving version back on the idle color, the Worker proves it by probes, and the
// job ends with standby=ready. A hang of the active color afterwards loses nothing: the standby takes it.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Producer } from "../producers/producer";
import { type ActionFiles, actionFiles, runDist } from "../support/action-env";
import { sleep } from "../support/api";
import { producerReports } from "../support/audit";
import { type Deployer, startDeployer } from "../support/deployer";
import { startProducers } from "../support/scenario";
import { type Stack, startStack } from "../support/stack";
import { expectEveryEntryOnce } from "../support/zero-loss";

const TEST_TIMEOUT_MS = 180_000;
const HANG_MS = 15_000;
const FAST = {
  thresholds: '{"probeIntervalMs":100,"minSamples":4,"maxP95Ms":5000,"minRouterRequests":0}',
  "watch-seconds": "2",
  "mirror-percent": "0",
};

let stack: Stack;
let deployer: Deployer;
let files: ActionFiles;
let load: Producer[] = [];

beforeAll(async () => {
  // Readiness rounds every second: the standby is ready about 3 s after its redeploy.
  stack = await startStack({ drainSeconds: 1, vars: { HEALTH_INTERVAL_MS: "1000" } });
  deployer = await startDeployer(stack, { "v-bad": { errorRate: 1 } });
  files = await actionFiles();
});

afterAll(async () => {
  await Promise.all(load.map((p) => p.stop(5000)));
  await deployer?.close();
  await stack?.stop();
  await files?.cleanup();
});

test(
  "a release that fails validation fails the job, the action restores the standby (standby=ready), and a hang of the active color then loses nothing",
  async () => {
    const r = await runDist(files, {
      "worker-url": stack.worker.url,
      token: stack.token,
      "github-token": "",
      version: "v-bad",
      "deploy-command": deployer.command,
      ...FAST,
    });
    // The job's result is the deployment's.
    expect(r.code, r.log).toBe(1);
    expect(r.outputs).toMatchObject({ result: "failed", "active-color": "blue", standby: "ready" });
    expect(deployer.deploys).toEqual([
      { color: "green", version: "v-bad" },
      { color: "green", version: "v1" },
    ]);
    expect(r.log).toMatch(/restore-standby: deploy-command put v1 on green: exit 0/);
    expect(r.log).toMatch(/standby: ready — green runs v1 and is the failover target again/);
    expect(r.summary).toContain("Standby: ready");
    const state = await stack.control.state();
    expect(state.protection).toMatchObject({ failoverTarget: "green" });
    expect(state.flag.failover).not.toBe(false);

    load = startProducers(stack.worker.url, "restored");
    await sleep(1500);
    stack.platforms.blue.setFaults({ hang: true });
    await sleep(HANG_MS);
    stack.platforms.blue.setFaults({});
    await sleep(2000);
    const stats = await Promise.all(load.map((p) => p.stop()));
    load = [];
    const rows = producerReports(stack.store, stats);
    console.log(`[action-restore] blue hung ${HANG_MS} ms\n${rows.map((x) => JSON.stringify(x)).join("\n")}`);
    expectEveryEntryOnce(rows);
    expect(stack.platforms.blue.stats.hung).toBeGreaterThan(0);
    expect(stack.store.countBy("color").green ?? 0).toBeGreaterThan(0);
  },
  TEST_TIMEOUT_MS,
);
