// Fault matrix, column (a), first half: each fault hits the new color once it serves after a deployment's switch;
// the watch must roll it back while the producers keep shipping. Split in two files so that they run in parallel,
// each in three lanes (lanes.ts).
import { FAULTS } from "../support/matrix-faults";
import { faultMatrix, SWITCH_FLAG_CACHE_MS } from "../support/matrix-suite";

faultMatrix(
  "new color after the switch (1/2)",
  "new",
  FAULTS.slice(0, 5),
  [["slow"], ["hang", "crash"], ["500", "reset"]],
  {
    flagCacheMs: SWITCH_FLAG_CACHE_MS,
  },
);
