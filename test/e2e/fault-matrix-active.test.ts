// Fault matrix, column (b): each fault hits the active color while no deployment runs. Only the router stands
// between the fault and the producers. Table: docs/fault-matrix.md.
import { FAULTS } from "../support/matrix-faults";
import { faultMatrix } from "../support/matrix-suite";

faultMatrix(
  "active color, no deployment running",
  FAULTS.map((f) => [f, "active"] as const),
);
