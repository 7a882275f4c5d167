import { flagCache } from "../flag/cache";
import { spoolTotals } from "../spool/write";
import { bufferedBytes } from "./body";
import { flagSource, isolate } from "./isolate";
import { mirrorsInFlight } from "./mirror";

/** This isolate's router state for `GET /healthz` (tests and benchmarks count KV and fast-path reads, timeouts, ejections). */
export const routerHealth = () => ({
  ok: true,
  isolate: isolate.counters.isolate,
  flagReads: flagCache.reads,
  flagReadErrors: flagCache.readErrors,
  fastPathReads: flagSource.fast.reads,
  fastPathFailures: flagSource.fast.failures,
  fastPathCacheHits: flagSource.fast.cacheHits,
  timeouts: isolate.counters.totals.timeouts,
  ejections: isolate.counters.totals.ejections,
  ejected: isolate.ejection.ejected(),
  bufferedBytes: bufferedBytes(),
  mirrorsInFlight: mirrorsInFlight(),
  /** requests this isolate answered from the spool (202), and spool writes that failed (answered 503). */
  spooled: spoolTotals().spooled,
  spoolWriteFailures: spoolTotals().writeFailures,
});
