import { type Flag, isTerminal, otherColor } from "../../shared";
import type { Core } from "./core";
import { recordHistory } from "./history";
import { failoverTarget, identityOf, initialStandby } from "./protection-record";

/** Whether a flag change turns failover on or off, and why (recorded in the state's `protection`). */
export interface FailoverChange {
  on: boolean;
  why: string;
}

/** Called by the flag writer for every failover decision (written or not): records why, and when the target changed. */
export function noteProtection(core: Core, before: Flag, change: FailoverChange): void {
  const after = core.s.flag;
  const now = failoverTarget(after);
  const p = core.s.protection;
  p.reason = change.why;
  // Readiness evidence counts only from here on: what the idle color passed before (e.g. before a deployment
  // put another release there) says nothing about what it runs after.
  if (!change.on) core.s.standby = initialStandby();
  if (failoverTarget(before) !== now || before.color !== after.color) {
    p.since = after.updatedAt;
    p.basis = now ? identityOf(core.s.colors[now]) : null;
  }
  tellProtection(core);
}

/**
 * Outside deployments, when the active color gained or lost a failover target since last told: a `standby`
 * history entry (the notifier turns it into `standby.ready` / `standby.unavailable` in the same storage
 * transaction) and a `standby` event. Idempotent: nothing new, nothing told.
 */
export function tellProtection(core: Core): void {
  const d = core.s.deployment;
  if (d && !isTerminal(d.status)) return;
  const p = core.s.protection;
  const target = failoverTarget(core.s.flag);
  if ((target !== null) === p.told) return;
  p.told = target !== null;
  const active = core.s.flag.color;
  const idle = otherColor(active);
  const at = p.since ?? new Date().toISOString();
  const entry = {
    kind: "standby" as const,
    id: crypto.randomUUID(),
    version: core.s.colors[idle].version,
    from: active,
    to: idle,
    status: p.told ? "ready" : "unavailable",
    reason: p.reason,
    actor: "controller",
    startedAt: at,
    finishedAt: at,
  };
  recordHistory(core, entry);
  core.hub.broadcast("standby", entry);
}
