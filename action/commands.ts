import type { CommandContext as SharedContext } from "../control/context";
import { type DeployRecorder, deploy } from "../control/deploy-flow";
import { abort, promote, rollback } from "../control/operate";
import { isResult, type Outcome } from "../control/outcome";
import { GithubDeployment } from "./github";
import type { Command, Inputs } from "./inputs";

type CommandContext = SharedContext<Inputs>;

/** A manual rollback, recorded as a GitHub deployment of the restored version. */
async function rollbackAndRecord(ctx: CommandContext): Promise<Outcome> {
  const { inputs } = ctx;
  const actor = process.env.GITHUB_ACTOR;
  const reason = [inputs.reason, actor && `requested by ${actor}`].filter(Boolean).join("; ");
  const outcome = await rollback(ctx, reason, inputs.force);
  const to = outcome.activeColor;
  const version = outcome.version ?? "";
  // Record the restored version; a commit-like version is the ref it was built from.
  const github = await GithubDeployment.create({
    token: inputs.githubToken,
    environment: inputs.environment,
    ref: /^[0-9a-f]{7,40}$/i.test(version) ? version : process.env.GITHUB_SHA || version,
    description: `rollback to ${to}${version ? ` (${version})` : ""}`,
    payload: { version, color: to ?? "" },
    environmentUrl: inputs.workerUrl,
  });
  await github?.status("success", `rolled back to ${to}${reason ? `: ${reason}` : ""}`);
  return outcome;
}

async function status({ client, timeline }: CommandContext): Promise<Outcome> {
  const state = await client.state();
  // Standby entries say when failover changed, not how a deployment or rollback ended.
  const latest = state.history.find((h) => h.kind !== "standby")?.status ?? "";
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
  rollback: rollbackAndRecord,
  promote: (ctx) => promote(ctx, ctx.inputs.deploymentId),
  abort: (ctx) => abort(ctx, ctx.inputs.deploymentId),
  status,
};
