import {
  type Color,
  type DeploymentStatus,
  isLive,
  isTerminal,
  otherColor,
  type RollbackRequest,
  type RollbackResult,
} from "../../shared";
import { checkHealth } from "../validation/probes";
import { type Core, iso } from "./core";
import { writeFlag } from "./flag-writer";
import { recordHealth } from "./health";
import { recordHistory } from "./history";
import { fail, ok, type Result } from "./result";
import { moveTraffic, revert } from "./transitions";

/** Ends of a deployment that leave its release on the standby, not fit to take traffic back. */
const REJECTED = new Set<DeploymentStatus>(["failed", "rolled_back", "aborted"]);

/** POST /api/rollback: the flag to the other color at once; during a watch it rolls the deployment back. */
export async function rollback(
  core: Core,
  { reason, force }: RollbackRequest,
  actor: string | null,
): Promise<Result<RollbackResult>> {
  const why = `manual rollback by ${actor ?? "operator"}${reason ? `: ${reason}` : ""}`;
  const dep = core.s.deployment;
  if (dep && isLive(dep.status)) {
    const from = core.s.flag.color;
    await revert(core, dep, "rolled_back", why);
    return ok({ from, to: core.s.flag.color, flag: core.s.flag, deploymentId: dep.id });
  }
  if (dep && !isTerminal(dep.status)) {
    return fail(
      409,
      "deployment_in_progress",
      `deployment ${dep.id} is ${dep.status} on the standby color; abort it instead of rolling back onto it`,
    );
  }
  const from = core.s.flag.color;
  const to = otherColor(from);
  const epoch = core.s.flag.epoch;
  const health = await checkHealth(core.target(to), null);
  // A deployment or another switch may have started while the health check was in flight.
  if (core.s.flag.epoch !== epoch || (core.s.deployment && !isTerminal(core.s.deployment.status))) {
    return fail(409, "conflict", "state changed during the rollback's health check; look again and retry");
  }
  recordHealth(core, to, health);
  if (!health.ok) {
    await core.commit();
    return fail(409, "standby_unhealthy", `cannot roll back to ${to}: ${health.detail}`);
  }
  // After a failed or reverted deployment the standby still runs the release that was just rejected:
  // "roll back" there would put traffic on it. Redeploy a good version there, or insist with force.
  const last = core.s.deployment;
  if (!force && last?.color === to && REJECTED.has(last.status) && health.version === last.version) {
    await core.commit();
    return fail(
      409,
      "standby_rejected",
      `${to} runs ${last.version}, which deployment ${last.id} ended as ${last.status}; redeploy a good version there, or send {"force":true}`,
    );
  }
  await flipTo(core, to, health.version, "rolled_back_manually", why, actor);
  return ok({ from, to, flag: core.s.flag, deploymentId: null });
}

/** Traffic to `to` outside any deployment, recorded in the history as a rollback (manual or automatic). */
export async function flipTo(
  core: Core,
  to: Color,
  version: string | null,
  status: "rolled_back_manually" | "rolled_back_automatically",
  reason: string,
  actor: string | null,
): Promise<void> {
  const from = core.s.flag.color;
  const at = iso();
  recordHistory(core, {
    kind: "rollback",
    id: crypto.randomUUID(),
    version,
    from,
    to,
    status,
    reason,
    actor,
    startedAt: at,
    finishedAt: at,
  });
  moveTraffic(core, from, to);
  // Traffic left `from` (by hand or for a breach): no failover target until it earns it back (standby.ts).
  const why = `${status.replaceAll("_", " ")}: traffic ${from} → ${to}; ${from} runs the release traffic left`;
  await writeFlag(core, to, null, { on: false, why });
}
