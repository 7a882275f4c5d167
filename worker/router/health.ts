import { otherColor } from "../../shared";
import { flagCache } from "../flag/cache";
import { spoolTotals } from "../spool/write";
import { bufferedBytes } from "./body";
import { flagSources, isolate } from "./isolate";
import { mirrorsInFlight } from "./mirror";

/**
 * Whether the flag this isolate routes by lets it fail over, and to where (null before its first routed
 * request: it has no flag yet).
 */
function failover() {
  // An isolate routes by one of its two flag sources (fixed by its env): the one that has routed.
  const flag = flagSources.tier.fence.current() ?? flagSources.cache.fence.current();
  if (!flag) return null;
  const allowed = flag.failover !== false;
  return { allowed, target: allowed ? otherColor(flag.color) : null, epoch: flag.epoch };
}

/** This isolate's router state for `GET /healthz` (tests and benchmarks count KV and fast-path reads, timeouts, ejections). */
export const routerHealth = () => ({
  ok: true,
  failover: failover(),
  isolate: isolate.counters.isolate,
  flagReads: flagCache.reads,
  flagReadErrors: flagCache.readErrors,
  // The fast path in use (the location tier's, or the cache's): the other one stays at 0.
  fastPathReads: flagSources.tier.fast.reads + flagSources.cache.fast.reads,
  fastPathFailures: flagSources.tier.fast.failures + flagSources.cache.fast.failures,
  fastPathCacheHits: flagSources.tier.fast.cacheHits + flagSources.cache.fast.cacheHits,
  droppedCounts: isolate.counters.totals.dropped,
  timeouts: isolate.counters.totals.timeouts,
  ejections: isolate.counters.totals.ejections,
  ejected: isolate.ejection.ejected(),
  bufferedBytes: bufferedBytes(),
  mirrorsInFlight: mirrorsInFlight(),
  /** requests this isolate answered from the spool (202), and spool writes that failed (answered 503). */
  spooled: spoolTotals().spooled,
  spoolWriteFailures: spoolTotals().writeFailures,
});
