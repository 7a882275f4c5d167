import { DEFAULT_THRESHOLDS, type Deployment } from "../../shared";
import type { Core } from "./core";
import { covered } from "./coverage";
import { emptyEvidence, judgeEvidence } from "./evidence";
import { addProbe } from "./probe-log";
import { splitStep } from "./step-record";
import { watchPassed } from "./steps";
import { breach, setStatus } from "./transitions";
import { startWatchClock, watchedMs } from "./watch-clock";

export type WatchPhase = "watching" | "awaiting_decision";

const LOW_TRAFFIC = "low traffic";

/**
 * After a watch round's probes passed: judges the routers' evidence on the new color. Conclusive
 * failures revert at once. A pass needs `watchSeconds` and `minRouterRequests`; without enough traffic
 * the watch goes on up to `maxWatchSeconds`, then `onInconclusive` decides (never a silent pass).
 */
export async function judgeWatch(core: Core, d: Deployment, at: string): Promise<void> {
  // Deployments stored by an older version lack the newer thresholds.
  const t = { ...DEFAULT_THRESHOLDS, ...d.thresholds };
  const v = covered(core.coverage, d, judgeEvidence(d.watch ?? emptyEvidence(), t));
  if (v.kind === "fail") {
    addProbe(d, { phase: "post", check: v.check, ok: false, at, detail: v.reason });
    return breach(core, d, v.check, v.reason);
  }
  if (v.kind === "pass") addProbe(d, { phase: "post", check: "router_5xx", ok: true, at, detail: v.detail });
  const now = Date.now();
  core.refreshConvergence(now);
  startWatchClock(d, core.s.convergence, core.cfg.drainSeconds, now);
  const elapsed = watchedMs(d, now);
  if (d.status === "awaiting_decision") {
    if (v.kind === "pass") return watchPassed(core, d, `enough router traffic arrived: ${v.detail}`);
    return core.commit();
  }
  // A traffic step below 100 % is watched for its own seconds; passing it moves to the next step.
  const seconds = splitStep(d)?.seconds ?? d.watchSeconds;
  // Every return commits: the watch's counts are persisted once per round, never per router report.
  if (elapsed < seconds * 1000) return core.commit();
  const from = d.watch?.startedBy === "convergence" ? "99 % of router traffic on the new epoch" : "DRAIN_SECONDS";
  if (v.kind === "pass") {
    return watchPassed(core, d, `watched ${seconds}s (counted from ${from}) without breach; ${v.detail}`);
  }

  const limit = Math.max(t.maxWatchSeconds, seconds);
  const low = `${LOW_TRAFFIC}: ${v.detail} after ${Math.round(elapsed / 1000)}s`;
  if (elapsed < limit * 1000) {
    // Said once per watch (or traffic step), when it is first extended.
    if (!d.steps.findLast((s) => s.status === "watching")?.detail?.startsWith(LOW_TRAFFIC)) {
      setStatus(d, "watching", `${low}; watching on, up to maxWatchSeconds=${limit}`);
    }
    return core.commit();
  }
  const why = `${low} (onInconclusive: ${t.onInconclusive})`;
  if (t.onInconclusive === "succeed") return watchPassed(core, d, `${why}; not proven by live traffic`);
  if (t.onInconclusive === "rollback") return breach(core, d, "router_traffic", why);
  setStatus(d, "awaiting_decision", `${why}: promote to accept, abort or roll back to revert`);
  return core.commit();
}
