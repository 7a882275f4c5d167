import { expect, test } from "vitest";
import { UsageError } from "./args";
import { deployOptions } from "./deploy";

test("deploy's options become the Worker's deployment request", () => {
  const o = deployOptions([
    "--version",
    "v2",
    "--auto-promote",
    "false",
    "--steps",
    "5, 25,100",
    "--mirror-percent",
    "0",
    "--timeout",
    "60",
    "--thresholds",
    '{"maxP95Ms":500}',
    "--deploy-command",
    "./deploy.sh",
  ]);
  expect(o).toMatchObject({
    version: "v2",
    autoPromote: false,
    steps: [5, 25, 100],
    mirrorPercent: 0,
    timeoutSeconds: 60,
    thresholds: { maxP95Ms: 500 },
    deployCommand: "./deploy.sh",
    restoreStandby: true,
  });
});

test("--restore-standby defaults to on with a deploy command, as the action's input does", () => {
  const v = ["--version", "v2"];
  expect(deployOptions([...v, "--deploy-command", "./deploy.sh"]).restoreStandby).toBe(true);
  expect(deployOptions(v).restoreStandby).toBe(false);
  const off = ["--deploy-command", "./deploy.sh", "--restore-standby", "false"];
  expect(deployOptions([...v, ...off]).restoreStandby).toBe(false);
  expect(() => deployOptions([...v, "--restore-standby", "yes"])).toThrow(/--restore-standby must be true or false/);
});

test("every bad option is named in one usage error (exit 2), before anything runs", () => {
  const bad = () =>
    deployOptions(["--version", "", "--steps", "5,x", "--mirror-percent", "150", "--auto-promote", "no"]);
  expect(bad).toThrow(UsageError);
  expect(bad).toThrow(/--auto-promote must be true or false/);
  const issues = () => deployOptions(["--steps", "5,x", "--mirror-percent", "150"]);
  expect(issues).toThrow(/--version: version is required.*--steps.*--mirror-percent/);
  expect(() => deployOptions(["--version", "v2", "--thresholds", "{"])).toThrow(/--thresholds must be JSON/);
  expect(() => deployOptions(["--version", "v2", "--timeout", "0"])).toThrow(/--timeout must be a whole number/);
  expect(() => deployOptions(["--version", "v2", "--bogus"])).toThrow(/Unknown option '--bogus'/);
});
