import type { Deployment } from "../shared";
import { ControlApiError, type ControlClient } from "./client";
import type { CommandContext } from "./context";
import { followDeployment } from "./events";
import { deploymentOutcome, isResult, type Outcome, type Result } from "./outcome";
import { timingLogger } from "./timing";

/** Logs the deployment's progress as it arrives: new steps, failed probes, the promotion gate, convergence. */
function progressLogger({ log, hints, onUpdate }: CommandContext) {
  let steps = 0;
  const failures = new Set<string>();
  const timing = timingLogger(log);
  return (d: Deployment) => {
    for (const s of d.steps.slice(steps)) {
      log.info(`[${s.at.slice(11, 19)}] ${s.status}${s.detail ? `: ${s.detail}` : ""}`);
      if (s.status === "awaiting_promotion") {
        log.notice(
          `Validation of ${d.version} on ${d.color} passed. Promote it with ${hints.promote(d.id)}, the dashboard, or POST /api/deployments/${d.id}/promote.`,
        );
      }
      if (s.status === "awaiting_decision") {
        log.warning(
          `The watch of ${d.version} on ${d.color} saw too little live traffic to judge it (${s.detail}). It serves traffic and waits: accept it with ${hints.promote(d.id)} or the dashboard, or abort/roll back.`,
        );
      }
    }
    steps = d.steps.length;
    for (const p of d.probes) {
      const key = `${p.at}|${p.phase}|${p.check}`;
      if (p.ok || failures.has(key)) continue;
      failures.add(key);
      log.info(`  probe ${p.phase}/${p.check} failed: ${p.detail}`);
    }
    timing(d);
    onUpdate?.(d);
  };
}

const HOW_IT_ENDED: Partial<Record<Result, string>> = {
  rolled_back: "was rolled back",
  failed: "failed validation",
  aborted: "was aborted",
};

/** Abort at the timeout; if it finished meanwhile, its own final status stands. */
async function abortAtTimeout(client: ControlClient, d: Deployment): Promise<Deployment> {
  try {
    return await client.abort(d.id);
  } catch (e) {
    if (e instanceof ControlApiError && e.status === 409) return client.deployment(d.id);
    throw e;
  }
}

/** Follows a deployment to its end (aborting it at the deadline) and turns it into an outcome. */
export async function settle(
  ctx: CommandContext,
  command: string,
  started: Deployment,
  deadline: number,
): Promise<Outcome> {
  const { client, timeline, inputs } = ctx;
  const followed = await followDeployment(client, started, { deadline, onUpdate: progressLogger(ctx), log: ctx.log });
  let d = followed.deployment;
  let timedOut = "";
  if (!followed.done) {
    timedOut = `timed out after ${inputs.timeoutSeconds} s while ${d.status}`;
    timeline.add("timeout", `${timedOut}; aborting deployment ${d.id}`);
    d = await abortAtTimeout(client, d);
  }
  const state = await client.state();
  const result = isResult(d.status) ? d.status : undefined;
  const outcome = deploymentOutcome(command, result, d, state, timeline);
  if (result === "succeeded") return outcome;
  const why = timedOut ? `${timedOut}, so it was aborted` : (d.reason ?? "no reason given");
  const serving = `${state.active} serves ${state.colors[state.active].version ?? "the previous version"}`;
  return {
    ...outcome,
    failure: `${d.version} ${(result && HOW_IT_ENDED[result]) ?? d.status} on ${d.color}: ${why}; ${serving}.`,
  };
}
