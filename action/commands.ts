import { isTerminal } from "../shared";
import type { CommandContext } from "./context";
import { deploy } from "./deploy-flow";
import { GithubDeployment } from "./github";
import type { Command } from "./inputs";
import { deploymentOutcome, isResult, type Outcome } from "./outcome";
import { settle } from "./settle";

/** The deployment-id input, else the deployment running now. */
async function targetId({ inputs, client }: CommandContext, verb: string): Promise<string> {
  if (inputs.deploymentId) return inputs.deploymentId;
  const running = (await client.state()).deployment;
  if (running && !isTerminal(running.status)) return running.id;
  throw new Error(`no deployment is running: nothing to ${verb} (pass deployment-id to name one)`);
}

async function promote(ctx: CommandContext): Promise<Outcome> {
  const deadline = Date.now() + ctx.inputs.timeoutSeconds * 1000;
  const d = await ctx.client.promote(await targetId(ctx, "promote"));
  ctx.timeline.add("promote", `${d.id}: ${d.version} to ${d.color}`);
  return settle(ctx, "promote", d, deadline);
}

async function abort(ctx: CommandContext): Promise<Outcome> {
  const d = await ctx.client.abort(await targetId(ctx, "abort"));
  ctx.timeline.add("abort", `${d.id}: ${d.reason ?? d.status}`);
  return deploymentOutcome("abort", "aborted", d, await ctx.client.state(), ctx.timeline);
}

async function rollback(ctx: CommandContext): Promise<Outcome> {
  const { inputs, client, timeline } = ctx;
  const actor = process.env.GITHUB_ACTOR;
  const reason = [inputs.reason, actor && `requested by ${actor}`].filter(Boolean).join("; ");
  const r = await client.rollback({ reason: reason || undefined, force: inputs.force || undefined });
  const state = await client.state();
  const version = state.colors[r.to].version ?? "";
  timeline.add("rollback", `traffic ${r.from} → ${r.to}${version ? ` (version ${version})` : ""}`);
  // Record the restored version; a commit-like version is the ref it was built from.
  const github = await GithubDeployment.create({
    token: inputs.githubToken,
    environment: inputs.environment,
    ref: /^[0-9a-f]{7,40}$/i.test(version) ? version : process.env.GITHUB_SHA || version,
    description: `rollback to ${r.to}${version ? ` (${version})` : ""}`,
    payload: { version, color: r.to },
    environmentUrl: inputs.workerUrl,
  });
  await github?.status("success", `rolled back to ${r.to}${reason ? `: ${reason}` : ""}`);
  return {
    command: "rollback",
    result: "rolled_back_manually",
    state,
    activeColor: r.to,
    previousColor: r.from,
    deploymentId: r.deploymentId ?? "",
    version,
    timeline: timeline.entries,
  };
}

async function status({ client, timeline }: CommandContext): Promise<Outcome> {
  const state = await client.state();
  const latest = state.history[0]?.status ?? "";
  return {
    command: "status",
    // The most recent deployment's or rollback's outcome; none while one is running.
    result: isResult(latest) ? latest : undefined,
    state,
    deployment: state.deployment ?? undefined,
    activeColor: state.active,
    previousColor: state.standby,
    deploymentId: state.deployment?.id,
    version: state.colors[state.active].version ?? undefined,
    timeline: timeline.entries,
  };
}

export const commands: Record<Command, (ctx: CommandContext) => Promise<Outcome>> = {
  deploy,
  rollback,
  promote,
  abort,
  status,
};
