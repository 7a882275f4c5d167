import { type Color, FLAG_KEY, type Split } from "../../shared";
import { kvWriteFailedEvent } from "../notify/events";
import { notify } from "../notify/task";
import { startConvergence } from "./convergence";
import type { Core } from "./core";
import { drainDue } from "./drain";
import { markFailed, markOutOfSync, markSynced } from "./flag-sync";
import { mirrorOf } from "./mirror-verdict";
import { type FailoverChange, noteProtection } from "./protection";
import { iso } from "./time";

/**
 * Flag change: the new flag is persisted first (KV marked behind), then written to KV. `failover` says
 * whether routers may fail over to (and eject towards) the standby: docs/router-and-failover.md. `mirror`
 * follows the running deployment's status (docs/deployments.md, "Mirroring"): every flag written while it validates or
 * awaits promotion carries it, the first one leaving those statuses drops it.
 */
export async function writeFlag(
  core: Core,
  color: Color,
  deploymentId: string | null,
  failover: FailoverChange,
  split?: Split,
): Promise<void> {
  const now = Date.now();
  const before = core.s.flag;
  const epoch = core.s.flag.epoch + 1;
  const mirror = mirrorOf(core.s.deployment);
  // Every write without a split clears it: a revert, a rollback or the 100 % step sends all traffic to `color`.
  core.s.flag = {
    color,
    epoch,
    deploymentId,
    updatedAt: iso(now),
    failover: failover.on,
    ...(split && { split }),
    ...(mirror && { mirror }),
  };
  const report = core.s.deployment?.mirror;
  if (mirror && report && report.fromEpoch === null) report.fromEpoch = epoch;
  noteProtection(core, before, failover);
  core.s.convergence = startConvergence(core.s.flag, now);
  markOutOfSync(core.s.flagSync, now);
  await core.commit();
  await pushFlag(core);
}

/**
 * Only the flag's `failover` (and its `mirror`, by the deployment's status) changes, traffic stays: a write
 * with a new epoch, since routers take a flag for new by its epoch (so their epoch fence keeps it monotonic).
 * Persists the state either way; idempotent (a second call with the same change writes nothing).
 */
export async function setFailover(core: Core, failover: FailoverChange): Promise<void> {
  const { flag } = core.s;
  const mirror = mirrorOf(core.s.deployment);
  const sameMirror = JSON.stringify(flag.mirror) === JSON.stringify(mirror);
  if ((flag.failover !== false) === failover.on && sameMirror) {
    // No write, but the latest reason why (e.g. the deployment that held the standby has ended) is kept.
    noteProtection(core, flag, failover);
    return core.commit();
  }
  await writeFlag(core, flag.color, flag.deploymentId, failover, flag.split);
}

/**
 * Writes the controller's flag to KV, one write at a time so they land in order; a flag that changes
 * during a write is written next. Never rejects: a failed write is recorded and retried from the alarm.
 */
export function pushFlag(core: Core): Promise<void> {
  core.kvWrite ??= writeUntilCurrent(core).finally(() => {
    core.kvWrite = null;
  });
  return core.kvWrite;
}

async function writeUntilCurrent(core: Core): Promise<void> {
  for (;;) {
    const flag = core.s.flag;
    try {
      await core.env.ROUTING.put(FLAG_KEY, JSON.stringify(flag));
    } catch (e) {
      const error = (e as Error).message;
      const retryAt = markFailed(core.s.flagSync, error, Date.now());
      await core.commit();
      await core.wake(retryAt);
      // Told once per flag that does not land, not for every retry.
      if (core.s.flagSync.failures === 1) await notify(core, kvWriteFailedEvent(flag, error));
      return;
    }
    if (core.s.flag !== flag) continue;
    const now = Date.now();
    markSynced(core.s.flagSync, now);
    await core.commit();
    // Drains count from now: make sure the alarm is there to declare them done.
    const drains = drainDue(core.s.colors, core.drainRules(), now);
    if (drains !== null) await core.wake(drains);
    return;
  }
}
