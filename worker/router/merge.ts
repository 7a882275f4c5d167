import type { ColorCounters, MirrorCounters } from "../../shared/schemas";

/** Element-wise sum of two latency histograms into `into`. */
function addHistogram(into: number[], from: readonly number[]): void {
  from.forEach((n, i) => {
    into[i] = (into[i] ?? 0) + n;
  });
}

function addMirrored(into: MirrorCounters, from: MirrorCounters): void {
  into.requests += from.requests;
  into.accepted += from.accepted;
  into.errors5xx += from.errors5xx;
  into.timeouts += from.timeouts;
  into.skipped += from.skipped;
  addHistogram(into.latency, from.latency);
}

/**
 * Adds one color's counters to another's (a failed flush put back, or a location's isolates merged).
 * Path keys go through `key`, the same bound a router applies when it records.
 */
export function mergeColor(
  into: ColorCounters,
  from: ColorCounters,
  key: (paths: Record<string, unknown>, path: string) => string,
): void {
  into.requests += from.requests;
  into.errors5xx += from.errors5xx;
  into.failovers += from.failovers;
  addHistogram(into.latency, from.latency);
  if (from.timeouts) into.timeouts = (into.timeouts ?? 0) + from.timeouts;
  if (from.ejections) into.ejections = (into.ejections ?? 0) + from.ejections;
  for (const [path, p] of Object.entries(from.paths ?? {})) {
    into.paths ??= {};
    const k = key(into.paths, path);
    const to = into.paths[k] ?? { requests: 0, errors5xx: 0 };
    to.requests += p.requests;
    to.errors5xx += p.errors5xx;
    into.paths[k] = to;
  }
  if (from.mirrored) {
    if (into.mirrored) addMirrored(into.mirrored, from.mirrored);
    else into.mirrored = { ...from.mirrored, latency: [...from.mirrored.latency] };
  }
}
