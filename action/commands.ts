import type { CommandContext as SharedContext } from "../control/context";
import { type DeployRecorder, deploy } from "../control/deploy-flow";
import { deploymentOutcome, isResult, type Outcome } from "../control/outcome";
import { settle } from "../control/settle";
import { isTerminal } from "../shared";
import { GithubDeployment } from "./github";
import type { Command, Inputs } from "./inputs";

type CommandContext = SharedContext<Inputs>;

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

/** The deployment as a GitHub deployment with statuses (none without github-token). */
const githubRecorder =
  ({ inputs }: CommandContext): DeployRecorder =>
  async ({ version, color }) => {
    const github = await GithubDeployment.create({
      token: inputs.githubToken,
      environment: inputs.environment,
      ref: process.env.GITHUB_SHA || version,
      description: `${version} to ${color}`,
      payload: { version, color },
      environmentUrl: inputs.workerUrl,
    });
    await github?.status("in_progress", `deploying ${version} to ${color}`);
    return async (outcome) => {
      const succeeded = outcome.result === "succeeded";
      await github?.status(
        succeeded ? "success" : "failure",
        succeeded ? `${version} serves on ${color}` : (outcome.failure ?? ""),
      );
    };
  };

export const commands: Record<Command, (ctx: CommandContext) => Promise<Outcome>> = {
  deploy: (ctx) => deploy(ctx, githubRecorder(ctx)),
  rollback,
  promote,
  abort,
  status,
};
