// The action's run() in this process against a real stack (wrangler dev, local origins, a deployer), with
// only GitHub's REST API faked (msw): what action/main.test.ts drives, one stack for the whole file.
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, vi } from "vitest";
import { run } from "../../action/main";
import type { FaultsByVersion } from "../platform/faults";
import { type ActionFiles, actionFiles, inputEnv, REPOSITORY } from "./action-env";
import { type Deployer, startDeployer } from "./deployer";
import { fakeGithub } from "./github-api";
import { type Stack, startStack } from "./stack";

export interface ActionHarness {
  github: ReturnType<typeof fakeGithub>;
  stack: Stack;
  deployer: Deployer;
  /** Runs the action as a step with these inputs: its outputs, summary, log and whether it failed. */
  run(
    inputs: Record<string, string>,
  ): Promise<Awaited<ReturnType<ActionFiles["read"]>> & { log: string; failed: boolean }>;
}

/** Registers the file's hooks (start, stop, restore mocks after each test); the harness is usable inside tests. */
export function actionHarness(faults: FaultsByVersion): ActionHarness {
  const github = fakeGithub(REPOSITORY);
  const msw = setupServer(...github.handlers);
  let files: ActionFiles | undefined;
  const h = { github } as ActionHarness;

  beforeAll(async () => {
    // A drain needs 1 s without router traffic under an older epoch, not production's 10 s: no test here is about
    // its length (after the first test's live traffic, the next deployment waited those 10 s).
    h.stack = await startStack({ drainSeconds: 1, vars: { DRAIN_QUIET_SECONDS: "1" } });
    h.deployer = await startDeployer(h.stack, faults);
    files = await actionFiles();
    // Only GitHub is faked: the Worker and the origins are real and reached over loopback.
    msw.listen({
      onUnhandledRequest: (req, print) => {
        if (new URL(req.url).hostname === "api.github.com") print.error();
      },
    });
  });
  afterAll(async () => {
    msw.close();
    await h.deployer?.close();
    await h.stack?.stop();
    await files?.cleanup();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  h.run = async (inputs) => {
    if (!files) throw new Error("the action harness has not started");
    await files.reset();
    const env = { ...files.env, ...inputEnv({ "worker-url": h.stack.worker.url, token: h.stack.token, ...inputs }) };
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    let log = "";
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      log += chunk.toString();
      return true;
    });
    await run();
    vi.restoreAllMocks();
    const failed = process.exitCode === 1;
    process.exitCode = undefined;
    return { ...(await files.read()), log, failed };
  };
  return h;
}
