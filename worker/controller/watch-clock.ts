import type { Deployment } from "../../shared";
import { type ConvergenceRecord, SETTLE_MS } from "./convergence";
import { runningStep } from "./step-record";
import { iso } from "./time";

/**
 * Starts the watch period when its epoch's convergence first reached 99 %, or DRAIN_SECONDS after the
 * switch (or the traffic step's flag write) if it had not by then, whichever came first (the time it happened, not when this noticed it).
 * True when it started now.
 */
export function startWatchClock(d: Deployment, conv: ConvergenceRecord, drainSeconds: number, now: number): boolean {
  const w = d.watch;
  // A traffic step's watch counts from its own flag write (the 100 % step's is the switch).
  const switchedAt = runningStep(d)?.startedAt ?? d.promotedAt;
  if (!w || w.startedAt !== null || switchedAt === null) return false;
  const byDrain = Date.parse(switchedAt) + drainSeconds * 1000;
  const at99 = conv.epoch === w.epoch ? conv.reached["99"] : null;
  const byConvergence = at99 === null ? null : conv.since + at99;
  if (byConvergence !== null && byConvergence <= byDrain) {
    w.startedAt = iso(byConvergence);
    w.startedBy = "convergence";
  } else if (now >= byDrain + SETTLE_MS) {
    // (Waited for the reports up to byDrain to settle: convergence may have got there first.)
    w.startedAt = iso(byDrain);
    w.startedBy = "drain_seconds";
  } else return false;
  return true;
}

/** How long the watch period has run (0 before it started). */
export function watchedMs(d: Deployment, now: number): number {
  const started = d.watch?.startedAt;
  return started ? Math.max(now - Date.parse(started), 0) : 0;
}
