import { setTimeout as sleep } from "node:timers/promises";
import { type Color, type Deployment, isTerminal, type State } from "../shared";
import { ControlApiError } from "./client";
import type { CommandContext, Hints } from "./context";
import { type DeployCommandResult, runDeployCommand } from "./deploy-command";
import { errorText, type Outcome } from "./outcome";
import { settle } from "./settle";

/** Extra wait past a color's drain end, and the least between re-checks (the Worker's clock may differ). */
const DRAIN_MARGIN_MS = 250;
const DRAIN_RECHECK_MS = 1000;

function runningMessage(d: Deployment, hints: Hints): string {
  return (
    `another deployment is running: ${d.id} (version ${d.version} to ${d.color}, ${d.status} since ${d.createdAt}` +
    `${d.actor ? `, by ${d.actor}` : ""}). Wait for it to finish, or stop it with ${hints.abort(d.id)}.`
  );
}

/**
 * The state to deploy from: no deployment running, and the idle color done draining (waits for
 * that, within the timeout, since the old color must stay warm while edge locations catch up).
 */
export async function deployableState({ client, timeline, hints }: CommandContext, deadline: number): Promise<State> {
  for (;;) {
    const state = await client.state();
    if (state.deployment && !isTerminal(state.deployment.status)) {
      throw new Error(runningMessage(state.deployment, hints));
    }
    const until = state.colors[state.standby].drainingUntil;
    if (!until) return state;
    const wait = Math.max(Date.parse(until) - Date.now() + DRAIN_MARGIN_MS, DRAIN_RECHECK_MS);
    if (Date.now() + wait > deadline) {
      throw new Error(
        `${state.standby} must stay warm until ${until} (it served traffic recently), past timeout-seconds`,
      );
    }
    const why = state.colors[state.standby].drain?.waitingFor.join("; ");
    timeline.add("waiting", `${state.standby} drains until at least ${until}${why ? `: waiting for ${why}` : ""}`);
    await sleep(wait);
  }
}

/**
 * Records the deployment elsewhere (the action: a GitHub deployment) once its color is known; returns what
 * to call with the outcome.
 */
export type DeployRecorder = (target: { version: string; color: Color }) => Promise<(o: Outcome) => Promise<void>>;

/** The `deploy` command: the idle color gets the version, the Worker validates, switches and watches. */
export async function deploy(ctx: CommandContext, record?: DeployRecorder): Promise<Outcome> {
  const { inputs, timeline } = ctx;
  const { version } = inputs;
  let state: State;
  try {
    state = await deployableState(ctx, Date.now() + inputs.timeoutSeconds * 1000);
  } catch (e) {
    // Nothing was deployed and no traffic moved.
    return { command: "deploy", result: "failed", failure: errorText(e), version, timeline: timeline.entries };
  }
  const color = state.standby;
  timeline.add("target", `${version} goes to the idle color ${color}; ${state.active} serves`);
  const recorded = await record?.({ version, color });
  const outcome = await deployAndWatch(ctx, state);
  await recorded?.(outcome);
  return outcome;
}

/** POST /api/deployments; a `color_draining` refusal (the Worker's clock a little behind ours) is retried. */
async function startDeployment(
  { inputs, client }: CommandContext,
  color: Color,
  deadline: number,
): Promise<Deployment> {
  for (;;) {
    try {
      return await client.startDeployment({
        version: inputs.version,
        color,
        sha: inputs.sha,
        actor: inputs.actor,
        autoPromote: inputs.autoPromote,
        thresholds: inputs.thresholds,
        watchSeconds: inputs.watchSeconds,
        configHash: inputs.configHash,
        mirrorPercent: inputs.mirrorPercent,
        promotionTimeoutSeconds: inputs.promotionTimeoutSeconds,
        validationTimeoutSeconds: inputs.validationTimeoutSeconds,
        steps: inputs.steps,
        stepSeconds: inputs.stepSeconds,
      });
    } catch (e) {
      if (!(e instanceof ControlApiError && e.code === "color_draining" && Date.now() + DRAIN_RECHECK_MS < deadline)) {
        throw e;
      }
      await sleep(DRAIN_RECHECK_MS);
    }
  }
}

/** deploy-command on the idle color, then the Worker's validation, switch and watch. */
async function deployAndWatch(ctx: CommandContext, state: State): Promise<Outcome> {
  const { inputs, timeline, log } = ctx;
  const { version } = inputs;
  const color = state.standby;
  const unchanged: Outcome = {
    command: "deploy",
    result: "failed",
    state,
    activeColor: state.active,
    previousColor: state.active,
    version,
    timeline: timeline.entries,
  };
  if (inputs.deployCommand) {
    const target = { color, version, origin: state.colors[color].origin };
    let run: DeployCommandResult;
    try {
      run = await log.group(`deploy-command (DEPLOY_COLOR=${color} DEPLOY_VERSION=${version})`, (out) =>
        runDeployCommand(inputs.deployCommand, target, out),
      );
    } catch (e) {
      return { ...unchanged, failure: `deploy-command could not start: ${errorText(e)}` };
    }
    timeline.add("deploy-command", `exit ${run.exitCode} after ${(run.durationMs / 1000).toFixed(1)} s`);
    if (run.exitCode !== 0) {
      const failure = `deploy-command exited with ${run.exitCode}; no traffic moved (${state.active} still serves).`;
      return { ...unchanged, deployCommand: run, failure };
    }
  } else {
    timeline.add("deploy-command", `none given: validating whatever ${color} runs now`);
  }
  // The Worker's part gets its own timeout-seconds: however long deploy-command took.
  const deadline = Date.now() + inputs.timeoutSeconds * 1000;
  let started: Deployment;
  try {
    started = await startDeployment(ctx, color, deadline);
  } catch (e) {
    return { ...unchanged, failure: errorText(e) };
  }
  timeline.add("deployment", `${started.id} started (auto-promote ${started.autoPromote})`);
  try {
    return await settle(ctx, "deploy", started, deadline);
  } catch (e) {
    // Lost track of it (e.g. the Worker unreachable): the Worker still finishes it on its own.
    const failure = `lost track of deployment ${started.id}: ${errorText(e)}. The Worker finishes it on its own; see GET /api/state.`;
    return { command: "deploy", deploymentId: started.id, version, failure, timeline: timeline.entries };
  }
}
