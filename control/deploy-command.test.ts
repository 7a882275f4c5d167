import { afterEach, expect, test, vi } from "vitest";
import { runDeployCommand } from "./deploy-command";

afterEach(() => vi.unstubAllEnvs());

/** A stream that keeps what is written to it. */
const capture = () => {
  const c = {
    text: "",
    write(chunk: string | Uint8Array) {
      c.text += chunk.toString();
      return true;
    },
  };
  return c;
};

const target = { color: "green", version: "v2", origin: "http://green" } as const;

test("the deploy command gets its target and none of the tool's own credentials", async () => {
  vi.stubEnv("EDGE_BLUEGREEN_TOKEN", "cli-secret");
  vi.stubEnv("INPUT_TOKEN", "action-secret");
  vi.stubEnv("KEEP_ME", "visible");
  const out = capture();
  const run = await runDeployCommand("env", target, { stdout: out, stderr: capture() });

  expect(run.exitCode).toBe(0);
  expect(out.text).toContain("DEPLOY_COLOR=green");
  expect(out.text).toContain("DEPLOY_VERSION=v2");
  expect(out.text).toContain("KEEP_ME=visible");
  expect(out.text).not.toContain("cli-secret");
  expect(out.text).not.toContain("action-secret");
});

test("its stdout and stderr go where the caller says, never to this process's stdout", async () => {
  const stdout = capture();
  const stderr = capture();
  const own = vi.spyOn(process.stdout, "write");
  const run = await runDeployCommand('echo "to stdout"; echo "to stderr" >&2', target, { stdout, stderr });
  const ownWrites = own.mock.calls.map(([chunk]) => chunk.toString()).join("");
  vi.restoreAllMocks();

  expect(run.exitCode).toBe(0);
  expect(stdout.text).toBe("to stdout\n");
  expect(stderr.text).toBe("to stderr\n");
  expect(ownWrites).not.toContain("to stdout");
  expect(run.tail).toEqual(expect.arrayContaining(["to stdout", "to stderr"]));
});
