import { userInfo } from "node:os";
import type { DeployOptions } from "../control/context";
import { deploy as deployFlow } from "../control/deploy-flow";
import type { Outcome } from "../control/outcome";
import { restoreByDefault, restoreStandby, type StandbyOutcome, standbyLine } from "../control/restore-standby";
import { DeploymentRequest } from "../shared";
import { boolean, CONNECTION, connect, integer, parse, UsageError } from "./args";
import { commandContext } from "./context";
import type { Io } from "./io";

export const usage = `deploy --version V [--deploy-command CMD] [--restore-standby false] [--auto-promote false]
       [--steps 5,25,100] [--mirror-percent N] [--timeout S] [--watch-seconds S] [--thresholds JSON] [--config-hash H]
  The action's flow: CMD deploys V to the idle color (it gets DEPLOY_COLOR, DEPLOY_VERSION, DEPLOY_ORIGIN),
  then the Worker validates, switches and watches. When V fails, CMD puts the serving version back on the
  idle color so failover has a target again (--restore-standby, default true with CMD).
  Exit 0 when V serves, 1 when it failed or was rolled back (however the standby ended).`;

const OPTIONS = {
  ...CONNECTION,
  version: { type: "string" },
  "deploy-command": { type: "string" },
  "restore-standby": { type: "string" },
  "auto-promote": { type: "string" },
  steps: { type: "string" },
  "mirror-percent": { type: "string" },
  timeout: { type: "string" },
  "watch-seconds": { type: "string" },
  "step-seconds": { type: "string" },
  thresholds: { type: "string" },
  "config-hash": { type: "string" },
} as const;

const num = (text: string | undefined) => (text === undefined ? undefined : Number(text));
const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function thresholds(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--thresholds must be JSON, e.g. '{"maxP95Ms":500}'`);
  }
}

/** The request as the Worker will check it: every bad option named in one usage error. */
export function deployOptions(args: string[]): DeployOptions & { restoreStandby: boolean } {
  const { values: v } = parse(args, OPTIONS);
  const restore = boolean("restore-standby", v["restore-standby"]);
  const candidate = {
    version: v.version ?? "",
    actor: `${userInfo().username} (edge-bluegreen CLI)`,
    autoPromote: boolean("auto-promote", v["auto-promote"]),
    steps: v.steps?.split(",").map((x) => (x.trim() === "" ? Number.NaN : Number(x))),
    mirrorPercent: num(v["mirror-percent"]),
    watchSeconds: num(v["watch-seconds"]),
    stepSeconds: num(v["step-seconds"]),
    thresholds: thresholds(v.thresholds),
    configHash: v["config-hash"],
  };
  const parsed = DeploymentRequest.safeParse(candidate);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (i) => `--${[kebab(String(i.path[0] ?? "")), ...i.path.slice(1)].join(".")}: ${i.message}`,
    );
    throw new UsageError(issues.join("; "));
  }
  const deployCommand = v["deploy-command"] ?? "";
  return {
    ...parsed.data,
    deployCommand,
    timeoutSeconds: integer("timeout", v.timeout, 900, 1, 86_400),
    restoreStandby: restoreByDefault(restore, deployCommand),
  };
}

/** Whether the idle color is a failover target after the deployment, on stdout before the closing line. */
function standby(s: StandbyOutcome, io: Io): void {
  io.out.line(io.out.paint(s.status === "ready" ? "green" : "yellow", standbyLine(s)));
}

/** The closing line on stdout: what serves now, or why the release does not. */
export function summary(o: Outcome, io: Io): number {
  io.err.endStatus();
  if (o.standby) standby(o.standby, io);
  // Done as asked: a deploy or a promote when the release serves; an abort or a rollback when it happened.
  const ok = !o.failure && (o.result === "succeeded" || (o.command !== "deploy" && o.command !== "promote"));
  const text =
    o.failure ?? `${o.version} ${o.result ?? "done"}: ${o.activeColor} serves (deployment ${o.deploymentId ?? "—"})`;
  io.out.line(ok ? io.out.paint("green", `✔ ${text}`) : io.out.paint("red", `✘ ${text}`));
  return ok ? 0 : 1;
}

/** `deploy`: the same flow as the action's, followed live. */
export async function deploy(args: string[], io: Io): Promise<number> {
  const inputs = deployOptions(args);
  const conn = connect(parse(args, OPTIONS).values, io.env);
  // Reachable and authorised, before anything runs (an unreachable Worker exits 3, a bad token 2).
  await conn.client.state();
  const ctx = commandContext(conn, io, inputs);
  const outcome = await deployFlow(ctx);
  // The exit code stays the deployment's: restoring the standby only adds its line.
  outcome.standby = await restoreStandby(ctx, outcome, inputs.restoreStandby);
  return summary(outcome, io);
}
