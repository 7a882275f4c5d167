import { type Color, type Deployment, type DeploymentStatus, isLive, type Probe } from "../../shared";
import { emptySamples } from "../validation/probes";
import { type Core, iso } from "./core";
import { gainTraffic, loseTraffic } from "./drain";
import { emptyEvidence } from "./evidence";
import { setFailover, writeFlag } from "./flag-writer";
import { deploymentEntry, recordHistory } from "./history";
import { tellProtection } from "./protection";
import { fail, ok, type Result } from "./result";
import { closeSteps, runningStep, stepLabel } from "./step-record";

/** The running deployment with this id, else 404. */
export function current(core: Core, id: string): Result<Deployment> {
  const d = core.s.deployment;
  if (d?.id === id) return ok(d);
  return fail(404, "not_found", `no running deployment ${id}`);
}

export function setStatus(d: Deployment, status: DeploymentStatus, detail: string): void {
  const at = iso();
  d.status = status;
  d.updatedAt = at;
  d.steps.push({ status, at, detail });
}

/** Moves traffic to the deployment's color: one KV write, then the post-promotion watch. */
export async function switchTo(core: Core, d: Deployment, detail: string): Promise<void> {
  d.promotedAt = iso();
  setStatus(d, "promoted", `${detail}; traffic ${d.previousColor} → ${d.color}`);
  moveTraffic(core, d.previousColor, d.color);
  core.s.samples = emptySamples();
  // The standby now holds the release that served until now: a known-good failover target.
  const standby = {
    on: true,
    why: `${d.previousColor} keeps ${core.s.colors[d.previousColor].version ?? "the release"}, which ${d.version} replaced`,
  };
  if (d.watchSeconds === 0) {
    await writeFlag(core, d.color, d.id, standby);
    return finish(core, d, "succeeded", "promoted (no watch period)");
  }
  setStatus(d, "watching", `watching ${d.color} for ${d.watchSeconds}s`);
  // The watch judges only traffic routed under the epoch this switch creates.
  d.watch = { epoch: core.s.flag.epoch + 1, startedAt: null, startedBy: null, ...emptyEvidence() };
  await writeFlag(core, d.color, d.id, standby);
  core.nextProbeAt = Date.now() + d.thresholds.probeIntervalMs;
  await core.wake(core.nextProbeAt);
}

/**
 * Bookkeeping of a switch (the flag is written after): `from` drains, so it stays warm while routers
 * still send to it by the old flag.
 */
export function moveTraffic(core: Core, from: Color, to: Color): void {
  loseTraffic(core.s.colors[from], Date.now());
  gainTraffic(core.s.colors[to]);
}

/** Traffic back to where it was before the deployment. */
export async function revert(
  core: Core,
  d: Deployment,
  status: "rolled_back" | "aborted",
  reason: string,
): Promise<void> {
  moveTraffic(core, d.color, d.previousColor);
  closeDeployment(core, d, status, reason);
  // The standby keeps the release just rejected: no failover onto it.
  await writeFlag(core, d.previousColor, d.id, { on: false, why: rejected(d, status, reason) });
}

export async function finish(core: Core, d: Deployment, status: DeploymentStatus, reason: string): Promise<void> {
  closeDeployment(core, d, status, reason);
  // Failed or aborted before the switch: the release stays on the standby, unfit to take traffic.
  if (status === "succeeded") {
    // The flag stays as the switch wrote it: what the deployment left is told now that it is over.
    tellProtection(core);
    await core.commit();
  } else await setFailover(core, { on: false, why: rejected(d, status, reason) });
}

const rejected = (d: Deployment, status: DeploymentStatus, reason: string) =>
  `deployment of ${d.version} ${status.replaceAll("_", " ")} (${reason}): ${d.color} runs a release that was not accepted`;

/** A failed check: before the switch the deployment fails, after it traffic goes back. */
export function breach(core: Core, d: Deployment, check: Probe["check"], reason: string): Promise<void> {
  const step = runningStep(d);
  const why = `${check} check failed: ${reason}${step ? ` (at ${stepLabel(d, step)} of traffic on ${d.color})` : ""}`;
  return isLive(d.status) ? revert(core, d, "rolled_back", why) : finish(core, d, "failed", why);
}

function closeDeployment(core: Core, d: Deployment, status: DeploymentStatus, reason: string): void {
  closeSteps(d, status === "succeeded", reason);
  setStatus(d, status, reason);
  d.reason = reason;
  d.finishedAt = d.updatedAt;
  recordHistory(core, deploymentEntry(d));
}
