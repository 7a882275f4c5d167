import { setTimeout as sleep } from "node:timers/promises";
import type { State } from "../shared";
import type { CommandContext } from "./context";
import { type DeployCommandResult, runDeployCommand } from "./deploy-command";
import { deployableState } from "./deploy-flow";
import { errorText, type Outcome, type Result } from "./outcome";

/** Ends after which the idle color holds a release that traffic left or never took: no failover target. */
const UNPROTECTING: readonly Result[] = ["failed", "rolled_back", "aborted", "rolled_back_manually"];
const POLL_MS = 1000;

export type StandbyStatus = "ready" | "unavailable" | "skipped";

/** The `standby` output and why, for the log and the job summary. */
export interface StandbyOutcome {
  status: StandbyStatus;
  detail: string;
}

const isReady = (s: State) => s.protection?.failoverTarget === s.standby;

/** restore-standby unset (action input, CLI option): on when there is a deploy-command to restore with. */
export const restoreByDefault = (enabled: boolean | undefined, deployCommand: string): boolean =>
  enabled ?? deployCommand !== "";

/** The standby's outcome in one line, as the action's log and the CLI print it. */
export const standbyLine = (s: StandbyOutcome): string => `standby: ${s.status} — ${s.detail}`;

/**
 * After a failed, rolled-back or aborted deployment, or a rollback: `deploy-command` again with the version
 * now serving on the idle color, then a wait (timeout-seconds) until the Worker reports it a failover target
 * (it earns that by probes). The command's result stays the deployment's: this never throws, an error
 * (the Worker unreachable meanwhile) is `unavailable` with why.
 */
export async function restoreStandby(ctx: CommandContext, outcome: Outcome, enabled: boolean): Promise<StandbyOutcome> {
  try {
    return await restore(ctx, outcome, enabled);
  } catch (e) {
    return { status: "unavailable", detail: `could not restore the standby: ${errorText(e)}` };
  }
}

async function restore(ctx: CommandContext, outcome: Outcome, enabled: boolean): Promise<StandbyOutcome> {
  const { inputs, client, timeline } = ctx;
  const skip = (detail: string): StandbyOutcome => ({ status: "skipped", detail });
  if (!outcome.result || !UNPROTECTING.includes(outcome.result)) {
    const state = outcome.state;
    return state && isReady(state)
      ? { status: "ready", detail: `${state.standby} is the failover target: ${state.protection?.reason ?? ""}` }
      : skip("nothing to restore");
  }
  // Stopped before anything reached the idle color (a deployment already running, bad credentials).
  const touched =
    outcome.deployment !== undefined || outcome.deployCommand !== undefined || outcome.command === "rollback";
  if (!touched) return skip("nothing reached the idle color");
  if (!enabled) return skip("restore-standby is false");
  if (!inputs.deployCommand) return skip("no deploy-command to redeploy the idle color with");
  const deadline = Date.now() + inputs.timeoutSeconds * 1000;
  let state: State;
  try {
    // The idle color may still drain (traffic left it): it stays warm until then.
    state = await deployableState(ctx, deadline);
  } catch (e) {
    return skip(`not restored: ${errorText(e)}`);
  }
  const color = state.standby;
  const version = state.colors[state.active].version;
  if (!version) return { status: "unavailable", detail: `the version ${state.active} serves is not known` };
  if (isReady(state)) return { status: "ready", detail: `${color} is already the failover target` };
  const target = { color, version, origin: state.colors[color].origin };
  let run: DeployCommandResult;
  try {
    run = await ctx.log.group(
      `restore the standby: deploy-command (DEPLOY_COLOR=${color} DEPLOY_VERSION=${version})`,
      (out) => runDeployCommand(inputs.deployCommand, target, out),
    );
  } catch (e) {
    return { status: "unavailable", detail: `deploy-command could not start: ${errorText(e)}` };
  }
  const { exitCode } = run;
  timeline.add("restore-standby", `deploy-command put ${version} on ${color}: exit ${exitCode}`);
  if (exitCode !== 0) return { status: "unavailable", detail: `deploy-command exited with ${exitCode}` };
  for (;;) {
    const now = await client.state();
    if (isReady(now) && now.standby === color) {
      const detail = `${color} runs ${version} and is the failover target again: ${now.protection?.reason ?? ""}`;
      timeline.add("standby", `ready: ${detail}`);
      return { status: "ready", detail };
    }
    if (Date.now() + POLL_MS > deadline) {
      const detail = `${color} not ready within timeout-seconds: ${now.protection?.reason ?? "no protection reported"}`;
      timeline.add("standby", `unavailable: ${detail}`);
      return { status: "unavailable", detail };
    }
    await sleep(POLL_MS);
  }
}
