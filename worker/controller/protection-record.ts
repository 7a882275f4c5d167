import {
  type Color,
  type Deployment,
  type Flag,
  isTerminal,
  otherColor,
  type Protection,
  STANDBY_ROUNDS,
} from "../../shared";

/** What a color runs, as its health reports it. */
export interface Identity {
  version: string | null;
  configHash: string | null;
}

export const identityOf = (r: { version: string | null; configHash?: string | null }): Identity => ({
  version: r.version,
  configHash: r.configHash ?? null,
});

/** Persisted with the state: since when and why the flag has (or has no) failover target. */
export interface ProtectionRecord {
  since: string | null;
  reason: string;
  /** what the failover target ran when it became one: the standby check ends protection when that changes. */
  basis: Identity | null;
  /**
   * whether the last `standby` history entry (and notification) said the active color is protected; outside
   * deployments a change of it is told (a running deployment's own status changes tell about its standby).
   */
  told: boolean;
}

export const initialProtection = (flag: Flag): ProtectionRecord => ({
  since: null,
  reason:
    flag.failover === false
      ? "the flag says no failover"
      : "the standby takes failover traffic (no check has said otherwise)",
  basis: null,
  told: flag.failover !== false,
});

/** Persisted: the idle color's readiness evidence on one identity (standby-check.ts). */
export interface StandbyCheck {
  /** `version|configHash` the passes were counted on. */
  key: string | null;
  /** probe rounds passed in a row on `key`. */
  passes: number;
  /** when the last round started (unix ms): a replayed alarm adds no round. */
  lastRoundAt: number;
  /** after a failed round: no probes on `key` before this (unix ms). */
  retryAt: number;
  /** the last round's outcome in words, for the protection reason. */
  last: string | null;
}

export const initialStandby = (): StandbyCheck => ({ key: null, passes: 0, lastRoundAt: 0, retryAt: 0, last: null });

export const failoverTarget = (flag: Flag): Color | null => (flag.failover === false ? null : otherColor(flag.color));

/** The parts of the controller's state protection is judged on. */
export interface ProtectionState {
  flag: Flag;
  colors: Record<Color, { version: string | null; configHash?: string | null }>;
  deployment: Deployment | null;
  protection: ProtectionRecord;
  standby: StandbyCheck;
}

/** `protection` of GET /api/state: with no failover target, the reason also says what brings one back. */
export function protectionView(s: ProtectionState): Protection {
  const target = failoverTarget(s.flag);
  const p = s.protection;
  if (target) return { failoverTarget: target, since: p.since, reason: p.reason };
  // A running deployment owns the standby: it ends with its own verdict on it.
  if (s.deployment && !isTerminal(s.deployment.status))
    return { failoverTarget: null, since: p.since, reason: p.reason };
  const active = s.flag.color;
  const { version, configHash } = identityOf(s.colors[active]);
  const release = `${version ?? "the active release"}${configHash ? ` (configHash ${configHash})` : ""}`;
  const back = `${otherColor(active)} becomes a failover target again once it runs ${release} and passes ${STANDBY_ROUNDS} probe rounds in a row (the action's restore-standby redeploys it)`;
  const last = s.standby.last ? ` (last check: ${s.standby.last})` : "";
  return { failoverTarget: null, since: p.since, reason: `${p.reason}; ${back}${last}` };
}
