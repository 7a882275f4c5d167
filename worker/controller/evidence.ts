import type { ColorCounters, ProbeCheck, Thresholds } from "../../shared";
import { pathKey } from "../router/counters";

/** Router outcomes on one color, summed over the routers' flushes (one watch, or a window of the active color). */
export interface Evidence {
  requests: number;
  errors5xx: number;
  timeouts: number;
  /** per ingest path (the CANARY paths plus `other`), when the routers report them. */
  paths: Record<string, { requests: number; errors5xx: number }>;
}

export const emptyEvidence = (): Evidence => ({ requests: 0, errors5xx: 0, timeouts: 0, paths: {} });

/** Adds one flush's counters (or another Evidence) to `e`. */
export function addCounts(e: Evidence, c: Pick<ColorCounters, "requests" | "errors5xx" | "timeouts" | "paths">): void {
  e.requests += c.requests;
  e.errors5xx += c.errors5xx;
  e.timeouts += c.timeouts ?? 0;
  // The same bound as each router's: what a router of another configuration sends cannot grow it either.
  for (const [path, p] of Object.entries(c.paths ?? {})) {
    const key = pathKey(e.paths, path);
    const into = e.paths[key] ?? { requests: 0, errors5xx: 0 };
    into.requests += p.requests;
    into.errors5xx += p.errors5xx;
    e.paths[key] = into;
  }
}

type Rule = Pick<Thresholds, "maxErrorRate" | "minFailures" | "minRouterRequests">;

/**
 * The evidence rule. Failures are conclusive when the failure rate is over `maxErrorRate` and either
 * there are at least `minFailures` of them or `minRouterRequests` requests were seen: 9 of 9 OTLP
 * requests failing is a failure even though 9 < 20. A pass needs `minRouterRequests` requests; below
 * that, and without conclusive failures, the evidence is inconclusive (never a pass).
 */
export function conclude(failures: number, total: number, t: Rule): "fail" | "pass" | "inconclusive" {
  const rate = total > 0 ? failures / total : 0;
  if (rate > t.maxErrorRate && (failures >= t.minFailures || total >= t.minRouterRequests)) return "fail";
  return total >= t.minRouterRequests ? "pass" : "inconclusive";
}

export type EvidenceVerdict =
  | { kind: "fail"; check: ProbeCheck; reason: string }
  | { kind: "pass" | "inconclusive"; detail: string };

const pct = (n: number, of: number) => `${((of ? n / of : 0) * 100).toFixed(1)}%`;

/**
 * Judges what the routers saw on one color: timeouts, then 5xx overall, then 5xx per path (a release
 * broken on one path fails even when the others carry enough good traffic to hide it in the total).
 */
export function judgeEvidence(e: Evidence, t: Rule): EvidenceVerdict {
  const over = `over ${(t.maxErrorRate * 100).toFixed(1)}%`;
  if (conclude(e.timeouts, e.requests, t) === "fail") {
    const reason = `router timeouts ${pct(e.timeouts, e.requests)} (${e.timeouts}/${e.requests}) ${over}`;
    return { kind: "fail", check: "router_timeouts", reason };
  }
  const overall = conclude(e.errors5xx, e.requests, t);
  if (overall === "fail") {
    const reason = `router 5xx ${pct(e.errors5xx, e.requests)} (${e.errors5xx}/${e.requests}) ${over}`;
    return { kind: "fail", check: "router_5xx", reason };
  }
  for (const [path, p] of Object.entries(e.paths).sort(([a], [b]) => a.localeCompare(b))) {
    if (conclude(p.errors5xx, p.requests, t) === "fail") {
      const reason = `router 5xx on ${path} ${pct(p.errors5xx, p.requests)} (${p.errors5xx}/${p.requests}) ${over}`;
      return { kind: "fail", check: "router_5xx", reason };
    }
  }
  const detail = `router 5xx ${pct(e.errors5xx, e.requests)} (${e.errors5xx}/${e.requests})`;
  if (overall === "pass") return { kind: "pass", detail };
  const only = `only ${e.requests} of the ${t.minRouterRequests} router requests a verdict needs (${e.errors5xx} 5xx)`;
  return { kind: "inconclusive", detail: only };
}
