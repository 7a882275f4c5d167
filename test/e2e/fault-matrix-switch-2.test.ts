// Fault matrix, column (a), second half (see fault-matrix-switch-1.test.ts).
import { FAULTS } from "../support/matrix-faults";
import { faultMatrix, SWITCH_FLAG_CACHE_MS } from "../support/matrix-suite";

faultMatrix(
  "new color after the switch (2/2)",
  FAULTS.slice(5).map((f) => [f, "new"] as const),
  { flagCacheMs: SWITCH_FLAG_CACHE_MS },
);
