import type { Deployment, HistoryEntry } from "../../shared";
import { type Core, recordKey } from "./core";

export const HISTORY_LIMIT = 50;

/**
 * Puts `entry` first in the history (replacing an older entry with the same id) and schedules the
 * deletion of the record of every entry pushed out, whatever its kind: nothing outlives its index.
 */
export function recordHistory(core: Core, entry: HistoryEntry): void {
  const rest = core.s.history.filter((h) => h.id !== entry.id);
  core.s.history = [entry, ...rest].slice(0, HISTORY_LIMIT);
  for (const h of rest.slice(HISTORY_LIMIT - 1)) core.dropKeys.add(recordKey(h.id));
}

export const deploymentEntry = (d: Deployment): HistoryEntry => ({
  kind: "deployment",
  id: d.id,
  version: d.version,
  from: d.previousColor,
  to: d.color,
  status: d.status,
  reason: d.reason,
  actor: d.actor,
  startedAt: d.createdAt,
  finishedAt: d.finishedAt,
  promotedAt: d.promotedAt,
});
