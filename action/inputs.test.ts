import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterEach, describe, expect, test, vi } from "vitest";
import { inputEnv } from "../test/support/action-env";
import { INPUT_NAMES, readInputs } from "./inputs";

/** action.yml's inputs: name → default (undefined when none). Reads the two-space YAML as written. */
function declaredInputs(): Map<string, string | undefined> {
  const yml = readFileSync(resolve(import.meta.dirname, "../action.yml"), "utf8");
  const block = yml.split(/^inputs:\n/m)[1]?.split(/^\S/m)[0] ?? "";
  const out = new Map<string, string | undefined>();
  let current = "";
  for (const line of block.split("\n")) {
    const name = /^ {2}([a-z-]+):$/.exec(line)?.[1];
    if (name) {
      current = name;
      out.set(name, undefined);
    }
    const value = /^ {4}default: "?(.*?)"?$/.exec(line)?.[1];
    if (value !== undefined) out.set(current, value);
  }
  return out;
}

const stub = (inputs: Record<string, string>) => {
  for (const [k, v] of Object.entries(inputEnv(inputs))) vi.stubEnv(k, v);
};

afterEach(() => vi.unstubAllEnvs());

describe("readInputs", () => {
  test("action.yml declares exactly the inputs the action reads", () => {
    expect([...declaredInputs().keys()].sort()).toEqual([...INPUT_NAMES].sort());
  });

  test("without action.yml's defaults it behaves as if they were given", () => {
    vi.stubEnv("GITHUB_SHA", "abc1234");
    stub({ "worker-url": "https://logs.example.com/" });
    const bare = readInputs();
    const defaults = Object.fromEntries(
      [...declaredInputs()].filter(([, v]) => v !== undefined && !v.includes("${{")) as [string, string][],
    );
    stub({ "worker-url": "https://logs.example.com/", ...defaults });
    expect(readInputs()).toEqual(bare);
    expect(bare).toMatchObject({
      workerUrl: "https://logs.example.com",
      command: "deploy",
      version: "abc1234",
      autoPromote: true,
      timeoutSeconds: 900,
      environment: "production",
      watchSeconds: undefined,
      thresholds: undefined,
    });
  });

  test("parses booleans, numbers and thresholds JSON", () => {
    stub({
      "worker-url": "http://127.0.0.1:8787",
      version: "v2",
      "auto-promote": "False",
      "watch-seconds": "0",
      thresholds: '{"minSamples":4,"maxErrorRate":0.05}',
    });
    expect(readInputs()).toMatchObject({
      autoPromote: false,
      watchSeconds: 0,
      thresholds: { minSamples: 4, maxErrorRate: 0.05 },
    });
  });

  test("steps and step-seconds: a comma list of percentages, checked by the Worker's own rule", () => {
    stub({ "worker-url": "http://127.0.0.1:8787", version: "v2", steps: "5, 25,100", "step-seconds": "60" });
    expect(readInputs()).toMatchObject({ steps: [5, 25, 100], stepSeconds: 60 });
    stub({ steps: "", "step-seconds": "" });
    expect(readInputs()).toMatchObject({ steps: undefined, stepSeconds: undefined });
    stub({ "worker-url": "http://127.0.0.1:8787", version: "v2", steps: "5,25" });
    expect(() => readInputs()).toThrow(/steps: the last step must be 100, got 25/);
    stub({ "worker-url": "http://127.0.0.1:8787", version: "v2", steps: "5,,100" });
    expect(() => readInputs()).toThrow(/steps\.1: /);
    stub({ "worker-url": "http://127.0.0.1:8787", version: "v2", steps: "ten,100", "step-seconds": "0" });
    expect(() => readInputs()).toThrow(/steps\.0: .*step-seconds: /);
  });

  test("one error names every bad input", () => {
    stub({
      "worker-url": "ftp://x",
      command: "ship",
      "auto-promote": "yes",
      "watch-seconds": "soon",
      thresholds: '{"minSample":4}',
    });
    // In the schema's order, all in one message.
    expect(() => readInputs()).toThrow(/worker-url: .*command: .*auto-promote: .*watch-seconds: .*thresholds: /);
  });

  test("version is needed to deploy only", () => {
    vi.stubEnv("GITHUB_SHA", "");
    stub({ "worker-url": "http://127.0.0.1:8787", command: "status" });
    expect(readInputs().command).toBe("status");
    stub({ "worker-url": "http://127.0.0.1:8787", command: "deploy" });
    expect(() => readInputs()).toThrow(/version: required for deploy/);
  });
});
