import { type Color, type Flag, isTerminal, otherColor, type Protection, STANDBY_ROUNDS } from "../../shared";
import type { ColorRecord, Core } from "./core";
import { recordHistory } from "./history";

/** What a color runs, as its health reports it. */
export interface Identity {
  version: string | null;
  configHash: string | null;
}

export const identityOf = (r: ColorRecord): Identity => ({ version: r.version, configHash: r.configHash ?? null });

/** Persisted with the state: since when and why the flag has (or has no) failover target. */
export interface ProtectionRecord {
  since: string | null;
  reason: string;
  /** what the failover target ran when it became one: the standby check ends protection when that changes. */
  basis: Identity | null;
}

export const initialProtection = (): ProtectionRecord => ({
  since: null,
  reason: "the standby takes failover traffic until the controller learns otherwise",
  basis: null,
});

/** Whether a flag change turns failover on or off, and why (recorded in the state's `protection`). */
export interface FailoverChange {
  on: boolean;
  why: string;
}

export const failoverTarget = (flag: Flag): Color | null => (flag.failover === false ? null : otherColor(flag.color));

/**
 * Called by the flag writer for every flag it writes: records when the failover target changed and why,
 * and, when the active color gains or loses a failover target, a `standby` history entry (which the
 * notifier turns into `standby.ready` / `standby.unavailable`) and a `standby` event.
 */
export function noteProtection(core: Core, before: Flag, change: FailoverChange): void {
  const after = core.s.flag;
  const was = failoverTarget(before);
  const now = failoverTarget(after);
  const p = core.s.protection;
  p.reason = change.why;
  if (was === now && before.color === after.color) return;
  p.since = after.updatedAt;
  p.basis = now ? identityOf(core.s.colors[now]) : null;
  if ((was === null) === (now === null)) return;
  const idle = otherColor(after.color);
  const entry = {
    kind: "standby" as const,
    id: crypto.randomUUID(),
    version: core.s.colors[idle].version,
    from: after.color,
    to: idle,
    status: now ? "ready" : "unavailable",
    reason: change.why,
    actor: "controller",
    startedAt: after.updatedAt,
    finishedAt: after.updatedAt,
  };
  recordHistory(core, entry);
  core.hub.broadcast("standby", entry);
}

/** `protection` of GET /api/state: with no failover target, the reason also says what brings one back. */
export function protectionView(core: Core): Protection {
  const target = failoverTarget(core.s.flag);
  const p = core.s.protection;
  if (target) return { failoverTarget: target, since: p.since, reason: p.reason };
  const active = core.s.flag.color;
  const { version, configHash } = identityOf(core.s.colors[active]);
  const release = `${version ?? "the active release"}${configHash ? ` (configHash ${configHash})` : ""}`;
  const back = `${otherColor(active)} becomes a failover target again once it runs ${release} and passes ${STANDBY_ROUNDS} probe rounds in a row (the action's restore-standby redeploys it)`;
  // A running deployment owns the standby: it ends with its own verdict on it.
  const d = core.s.deployment;
  const running = d !== null && !isTerminal(d.status);
  if (running) return { failoverTarget: null, since: p.since, reason: p.reason };
  const last = core.s.standby.last ? ` (last check: ${core.s.standby.last})` : "";
  return { failoverTarget: null, since: p.since, reason: `${p.reason}; ${back}${last}` };
}
