import { isTerminal } from "../shared";
import type { CommandContext } from "./context";
import { deploymentOutcome, type Outcome } from "./outcome";
import { settle } from "./settle";

/** The deployment named, else the one running now. */
async function targetId({ client, hints }: CommandContext, verb: string, id: string | undefined): Promise<string> {
  if (id) return id;
  const running = (await client.state()).deployment;
  if (running && !isTerminal(running.status)) return running.id;
  throw new Error(`no deployment is running: nothing to ${verb} (${hints.nameDeployment})`);
}

/** Switches a deployment that waits for promotion, then follows it to its end. */
export async function promote(ctx: CommandContext, id?: string): Promise<Outcome> {
  const deadline = Date.now() + ctx.inputs.timeoutSeconds * 1000;
  const d = await ctx.client.promote(await targetId(ctx, "promote", id));
  ctx.timeline.add("promote", `${d.id}: ${d.version} to ${d.color}`);
  return settle(ctx, "promote", d, deadline);
}

/** Stops a deployment; the flag returns to where it was. */
export async function abort(ctx: CommandContext, id?: string): Promise<Outcome> {
  const d = await ctx.client.abort(await targetId(ctx, "abort", id));
  ctx.timeline.add("abort", `${d.id}: ${d.reason ?? d.status}`);
  return deploymentOutcome("abort", "aborted", d, await ctx.client.state(), ctx.timeline);
}

/** Sends traffic back to the previous color at once. */
export async function rollback(ctx: CommandContext, reason: string, force: boolean): Promise<Outcome> {
  const { client, timeline } = ctx;
  const r = await client.rollback({ reason: reason || undefined, force: force || undefined });
  const state = await client.state();
  const version = state.colors[r.to].version ?? "";
  timeline.add("rollback", `traffic ${r.from} → ${r.to}${version ? ` (version ${version})` : ""}`);
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
