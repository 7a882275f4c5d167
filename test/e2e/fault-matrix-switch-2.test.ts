// Fault matrix, column (a), second half (see fault-matrix-switch-1.test.ts).
import { FAULTS } from "../support/matrix-faults";
import { faultMatrix, SWITCH_FLAG_CACHE_MS } from "../support/matrix-suite";

faultMatrix(
  "new color after the switch (2/2)",
  "new",
  FAULTS.slice(5),
  [["20MiB"], ["gzip", "503"], ["429", "both-down"]],
  {
    flagCacheMs: SWITCH_FLAG_CACHE_MS,
  },
);
