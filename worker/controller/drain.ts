import { COLORS, type Color, type ColorInfo, type CounterFlush } from "../../shared";
import { afterSwitch, type ConvergenceRecord } from "./convergence";
import type { FlagSyncRecord } from "./flag-sync";
import { iso, isoOrNull } from "./time";

/** A color's drain, persisted with the state (unix ms). */
export interface DrainRecord {
  /** when it lost traffic; null when it serves, or has drained since. */
  lostTrafficAt: number | null;
  /** receipt time of the last router report of traffic to it under an older epoch. */
  lastOlderAt: number | null;
  drainedAt: number | null;
}

export interface DrainRules {
  active: Color;
  flagSync: FlagSyncRecord;
  drainSeconds: number;
  quietSeconds: number;
}

export interface DrainStatus {
  /** earliest time it can be drained by what is known now. */
  until: number;
  /** what it still waits for; empty when it may be declared drained. */
  waitingFor: string[];
}

const seconds = (ms: number) => `${Math.ceil(ms / 1000)} s`;

/**
 * A color that lost traffic is drained once (1) KV holds the flag that took its traffic away, (2)
 * DRAIN_SECONDS have passed since then, enough for KV to reach every location, and (3) no router has
 * reported traffic to it under an older epoch for the quiet period. Null when it is not draining.
 */
export function drainStatus(color: Color, r: DrainRecord, rules: DrainRules, now: number): DrainStatus | null {
  if (color === rules.active || r.lostTrafficAt === null) return null;
  const waitingFor: string[] = [];
  const sync = rules.flagSync;
  // Routers can only start to move once KV holds the new flag: DRAIN_SECONDS counts from then.
  const visibleFrom = sync.inSync ? Math.max(r.lostTrafficAt, sync.syncedAt ?? 0) : now;
  if (!sync.inSync) {
    waitingFor.push(
      `the flag to land in KV (not there since ${iso(sync.outOfSyncSince ?? now)}${sync.lastError ? `; last write failed: ${sync.lastError}` : ""})`,
    );
  }
  const timerEnd = visibleFrom + rules.drainSeconds * 1000;
  if (sync.inSync && now < timerEnd) {
    waitingFor.push(
      `DRAIN_SECONDS: ${rules.drainSeconds} s for KV to reach every location (${seconds(timerEnd - now)} left)`,
    );
  }
  const quietEnd = r.lastOlderAt === null ? 0 : r.lastOlderAt + rules.quietSeconds * 1000;
  if (now < quietEnd) {
    waitingFor.push(
      `routers still sent it traffic under an older epoch ${seconds(now - (r.lastOlderAt ?? now))} ago (needs ${rules.quietSeconds} s without)`,
    );
  }
  return { until: Math.max(timerEnd, quietEnd), waitingFor };
}

/** The color stops serving: its drain starts. */
export function loseTraffic(r: DrainRecord, now: number): void {
  r.lostTrafficAt = now;
  r.lastOlderAt = null;
  r.drainedAt = null;
}

/** The color serves again. */
export function gainTraffic(r: DrainRecord): void {
  r.lostTrafficAt = null;
}

/** Notes which colors a router batch sent traffic to under an epoch older than the current one. */
export function noteOlderTraffic(
  colors: Record<Color, DrainRecord>,
  conv: ConvergenceRecord,
  batch: CounterFlush,
  now: number,
): void {
  if (batch.epoch >= conv.epoch || !afterSwitch(conv, batch)) return;
  for (const c of COLORS) if (batch.colors[c].requests > 0) colors[c].lastOlderAt = now;
}

/** Declares drained every color whose drain is complete; true when one was. */
export function settleDrains(colors: Record<Color, DrainRecord>, rules: DrainRules, now: number): boolean {
  let changed = false;
  for (const c of COLORS) {
    const status = drainStatus(c, colors[c], rules, now);
    if (status && status.waitingFor.length === 0) {
      colors[c].lostTrafficAt = null;
      colors[c].drainedAt = now;
      changed = true;
    }
  }
  return changed;
}

/** When the earliest drain can complete (null: none running, or waiting for KV, which the flag task handles). */
export function drainDue(colors: Record<Color, DrainRecord>, rules: DrainRules, now: number): number | null {
  const due = COLORS.map((c) => drainStatus(c, colors[c], rules, now))
    .filter((s) => s !== null && rules.flagSync.inSync)
    .map((s) => (s as DrainStatus).until);
  return due.length ? Math.min(...due) : null;
}

/** The drain part of a color's public info. */
export function drainView(
  color: Color,
  r: DrainRecord,
  rules: DrainRules,
  now: number,
): Pick<ColorInfo, "drainingUntil" | "drain" | "drainedAt"> {
  const status = drainStatus(color, r, rules, now);
  const draining = status !== null && status.waitingFor.length > 0;
  return {
    drainingUntil: draining ? iso(status.until) : null,
    drain:
      draining && r.lostTrafficAt !== null
        ? { since: iso(r.lostTrafficAt), lastOlderTrafficAt: isoOrNull(r.lastOlderAt), waitingFor: status.waitingFor }
        : null,
    drainedAt: isoOrNull(r.drainedAt),
  };
}
