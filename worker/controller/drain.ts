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
  /** with DRAIN_PATH: the platform's last in-flight report since it lost traffic (absent in older state). */
  inflight?: InflightReport | null;
}

/** What the color's DRAIN_PATH said when last asked (unix ms). */
export interface InflightReport {
  /** work still in flight; null when the ask failed. */
  count: number | null;
  at: number;
  error: string | null;
}

export interface DrainRules {
  active: Color;
  flagSync: FlagSyncRecord;
  drainSeconds: number;
  quietSeconds: number;
  /** with DRAIN_PATH: when the draining colors are next asked for their in-flight work; null without. */
  inflightPollAt: number | null;
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
  const until = Math.max(timerEnd, quietEnd);
  if (rules.inflightPollAt !== null) {
    const wait = inflightWait(r.inflight ?? null, until, waitingFor.length > 0);
    // Not before the next report.
    if (wait) return { until: Math.max(until, rules.inflightPollAt), waitingFor: [...waitingFor, wait] };
  }
  return { until, waitingFor };
}

/**
 * With DRAIN_PATH the platform must report 0 in flight, in a report taken once nothing else is awaited
 * (so no router can have sent it new work after the report). Null when that is so.
 */
function inflightWait(report: InflightReport | null, until: number, othersWait: boolean): string | null {
  if (report?.count === 0 && report.at >= until && !othersWait) return null;
  if (report === null) return "DRAIN_PATH: the platform's in-flight report (not asked yet)";
  if (report.count === null) return `DRAIN_PATH: the platform's in-flight report (last ask failed: ${report.error})`;
  if (report.count > 0) return `DRAIN_PATH: the platform to finish its in-flight work (${report.count} in flight)`;
  // 0, but reported while routers could still send it work: a fresh report is needed, said only when last.
  return othersWait ? null : "DRAIN_PATH: a report of no in-flight work taken after the rest";
}

/** The color stops serving: its drain starts. */
export function loseTraffic(r: DrainRecord, now: number): void {
  r.lostTrafficAt = now;
  r.lastOlderAt = null;
  r.drainedAt = null;
  r.inflight = null;
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

/**
 * When the earliest drain can complete (null: none running, or waiting for KV, which the flag task handles);
 * with DRAIN_PATH, when the draining colors are next asked (every report may complete a drain).
 */
export function drainDue(colors: Record<Color, DrainRecord>, rules: DrainRules, now: number): number | null {
  const due = COLORS.map((c) => drainStatus(c, colors[c], rules, now))
    .filter((s) => s !== null && rules.flagSync.inSync)
    .map((s) => (s as DrainStatus).until);
  if (due.length === 0) return null;
  return rules.inflightPollAt === null ? Math.min(...due) : Math.max(rules.inflightPollAt, now);
}

/** The colors whose drain waits for the platform's in-flight report (with DRAIN_PATH, once KV holds the flag). */
export function askingInflight(colors: Record<Color, DrainRecord>, rules: DrainRules, now: number): Color[] {
  if (rules.inflightPollAt === null || !rules.flagSync.inSync) return [];
  return COLORS.filter((c) => (drainStatus(c, colors[c], rules, now)?.waitingFor.length ?? 0) > 0);
}

/** The drain part of a color's public info. */
export function drainView(
  color: Color,
  r: DrainRecord,
  rules: DrainRules,
  now: number,
): Pick<ColorInfo, "drainingUntil" | "drain" | "drainedAt" | "inflight"> {
  const status = drainStatus(color, r, rules, now);
  const draining = status !== null && status.waitingFor.length > 0;
  return {
    drainingUntil: draining ? iso(status.until) : null,
    drain:
      draining && r.lostTrafficAt !== null
        ? { since: iso(r.lostTrafficAt), lastOlderTrafficAt: isoOrNull(r.lastOlderAt), waitingFor: status.waitingFor }
        : null,
    drainedAt: isoOrNull(r.drainedAt),
    inflight: r.inflight ? { ...r.inflight, at: iso(r.inflight.at) } : null,
  };
}
