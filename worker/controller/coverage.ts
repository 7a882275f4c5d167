import { type CoverageState, type Deployment, isLive } from "../../shared";
import type { EvidenceVerdict } from "./evidence";

/** A location counts as reporting while its last report is younger than this (a tier reports every second). */
export const COVERAGE_WINDOW_MS = 10_000;
/** Locations not heard of for this long are forgotten (the map stays bounded by the live edge). */
const FORGET_MS = 3_600_000;

export interface CoverageView {
  /** locations that reported since the watch began. */
  locations: number;
  /** of those, the ones heard from within COVERAGE_WINDOW_MS. */
  reporting: number;
  /** age of the newest and the oldest of those locations' last reports, ms (null: none). */
  newestAgeMs: number | null;
  oldestAgeMs: number | null;
  /** more than half of the watch's locations went silent: its evidence no longer stands for the edge. */
  collapsed: boolean;
}

/**
 * The controller's evidence coverage: when each edge location (its tier) last reported counts. A watch
 * whose locations go silent (a tier or the way to the controller failing) is judging a shrinking part of
 * the traffic, and must say so rather than pass. In memory: after a restart coverage is learnt anew.
 */
export class Coverage {
  private readonly last = new Map<string, number>();

  seen(location: string, now = Date.now()): void {
    this.last.set(location, now);
  }

  view(since: number, now = Date.now()): CoverageView {
    let locations = 0;
    let reporting = 0;
    let newest: number | null = null;
    let oldest: number | null = null;
    for (const [location, at] of this.last) {
      if (now - at > FORGET_MS) {
        this.last.delete(location);
        continue;
      }
      if (at < since) continue;
      locations++;
      if (now - at <= COVERAGE_WINDOW_MS) reporting++;
      newest = newest === null ? at : Math.max(newest, at);
      oldest = oldest === null ? at : Math.min(oldest, at);
    }
    return {
      locations,
      reporting,
      newestAgeMs: newest === null ? null : now - newest,
      oldestAgeMs: oldest === null ? null : now - oldest,
      collapsed: locations >= 2 && reporting * 2 < locations,
    };
  }
}

/** When a watch began: its switch (a deployment stored before `promotedAt` was kept: its start). */
const watchStart = (d: Pick<Deployment, "promotedAt" | "createdAt">): string => d.promotedAt ?? d.createdAt;

/**
 * `coverage` of GET /api/state and the traffic events: the running watch's, as `covered` judges it; outside a
 * watch every location still remembered, and never `collapsed` (nothing is judged on it then).
 */
export function coverageState(
  coverage: Coverage,
  d: Pick<Deployment, "status" | "promotedAt" | "createdAt"> | null,
  now = Date.now(),
): CoverageState {
  const since = d && isLive(d.status) ? watchStart(d) : null;
  const v = coverage.view(since === null ? 0 : Date.parse(since), now);
  return { since, ...v, windowMs: COVERAGE_WINDOW_MS, collapsed: since !== null && v.collapsed };
}

/**
 * A pass needs the edge behind it: when most locations that reported during this watch went silent, the
 * evidence stands for a shrinking part of the traffic, so the watch says so and does not pass (it goes on,
 * and `onInconclusive` decides if coverage does not come back by `maxWatchSeconds`). Failures still count.
 */
export function covered(
  coverage: Coverage,
  d: Pick<Deployment, "promotedAt" | "createdAt">,
  v: EvidenceVerdict,
  now = Date.now(),
): EvidenceVerdict {
  if (v.kind !== "pass") return v;
  const c = coverage.view(Date.parse(watchStart(d)), now);
  if (!c.collapsed) return v;
  const detail = `evidence coverage collapsed: ${c.reporting} of the ${c.locations} locations that reported in this watch reported in the last ${COVERAGE_WINDOW_MS / 1000}s (oldest report ${Math.round((c.oldestAgeMs ?? 0) / 1000)}s old); ${v.detail}`;
  return { kind: "inconclusive", detail };
}
