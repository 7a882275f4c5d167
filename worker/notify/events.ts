import type { Deployment, DeploymentStatus, Flag, HistoryEntry } from "../../shared";

/**
 * What the controller hands to `notify()`: a one-line summary for people and the structured details.
 * Types so far: `deployment.status`, `rollback` (manual, outside a deployment), `standby.ready`,
 * `standby.unavailable`, `flag.kv_write_failed`; the deadline and ejection-surge raisers add theirs
 * (docs/notifications.md).
 */
export interface NotifyEvent {
  /** a stable id when the same event may be raised twice (e.g. derived from a persisted step); random otherwise. */
  id?: string;
  type: string;
  summary: string;
  detail: Record<string, unknown>;
}

/** A mark per status, so a channel reads at a glance; a status without one gets a bullet. */
const ICON: Partial<Record<DeploymentStatus, string>> = {
  validating: "🔎",
  awaiting_promotion: "⏸️",
  promoted: "🔀",
  watching: "👀",
  succeeded: "✅",
  rolled_back: "⏪",
  failed: "❌",
  aborted: "⏹️",
  awaiting_decision: "❓",
};

/** The deployment's `index`th status change (its `steps` entry). */
export function statusEvent(d: Deployment, index: number): NotifyEvent {
  const step = d.steps[index];
  const status = step?.status ?? d.status;
  const by = index === 0 && d.actor ? ` (by ${d.actor})` : "";
  return {
    id: `${d.id}:${index}`,
    type: "deployment.status",
    summary: `${ICON[status] ?? "•"} ${d.version} → ${d.color}: ${status.replace("_", " ")}${step?.detail ? ` — ${step.detail}` : ""}${by}`,
    detail: {
      deploymentId: d.id,
      version: d.version,
      color: d.color,
      previousColor: d.previousColor,
      status,
      previousStatus: index > 0 ? (d.steps[index - 1]?.status ?? null) : null,
      detail: step?.detail ?? null,
      reason: d.reason,
      actor: d.actor,
      sha: d.sha,
      at: step?.at ?? d.updatedAt,
    },
  };
}

/** A manual rollback recorded in the history (outside a deployment; one during a watch is a status change). */
export function rollbackEvent(h: HistoryEntry): NotifyEvent {
  return {
    id: `rollback:${h.id}`,
    type: "rollback",
    summary: `⏪ rollback: traffic ${h.from} → ${h.to}${h.version ? ` (${h.version})` : ""}${h.reason ? ` — ${h.reason}` : ""}`,
    detail: {
      rollbackId: h.id,
      from: h.from,
      to: h.to,
      version: h.version,
      reason: h.reason,
      actor: h.actor,
      at: h.finishedAt ?? h.startedAt,
    },
  };
}

/** The idle color became (`standby.ready`) or stopped being (`standby.unavailable`) a failover target. */
export function standbyEvent(h: HistoryEntry): NotifyEvent {
  const ready = h.status === "ready";
  return {
    id: `standby:${h.id}`,
    type: ready ? "standby.ready" : "standby.unavailable",
    summary: ready
      ? `🛡️ ${h.to} is a failover target again for ${h.from}${h.reason ? ` — ${h.reason}` : ""}`
      : `⚠️ no failover target: ${h.from} serves unprotected${h.reason ? ` — ${h.reason}` : ""}`,
    detail: {
      active: h.from,
      standby: h.to,
      failoverTarget: ready ? h.to : null,
      version: h.version,
      reason: h.reason,
      at: h.finishedAt ?? h.startedAt,
    },
  };
}

/** The flag's KV write failed after its retries: the routers go on reading the previous flag. */
export function kvWriteFailedEvent(flag: Flag, error: string): NotifyEvent {
  return {
    type: "flag.kv_write_failed",
    summary: `⚠️ KV write of the flag failed (${flag.color}, epoch ${flag.epoch}): ${error}; routers still read the previous flag`,
    detail: { color: flag.color, epoch: flag.epoch, deploymentId: flag.deploymentId, error },
  };
}
