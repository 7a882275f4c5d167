import { afterEach, expect, test, vi } from "vitest";
import { runDeployCommand } from "./deploy-command";

afterEach(() => vi.unstubAllEnvs());

test("the deploy command gets its target and none of the tool's own credentials", async () => {
  vi.stubEnv("EDGE_BLUEGREEN_TOKEN", "cli-secret");
  vi.stubEnv("INPUT_TOKEN", "action-secret");
  vi.stubEnv("KEEP_ME", "visible");
  let printed = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    printed += chunk.toString();
    return true;
  });
  const run = await runDeployCommand("env", { color: "green", version: "v2", origin: "http://green" });
  vi.restoreAllMocks();

  expect(run.exitCode).toBe(0);
  expect(printed).toContain("DEPLOY_COLOR=green");
  expect(printed).toContain("DEPLOY_VERSION=v2");
  expect(printed).toContain("KEEP_ME=visible");
  expect(printed).not.toContain("cli-secret");
  expect(printed).not.toContain("action-secret");
});
