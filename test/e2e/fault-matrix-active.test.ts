// Fault matrix, column (b): each fault hits the active color while no deployment runs. Only the router stands
// between the fault and the producers. Table: docs/fault-matrix.md. Three lanes of about 30 s (lanes.ts); a cell
// that gets the color ejected (crash, reset, 500, 503, both-down) is followed by a long one or ends its lane.
import { FAULTS } from "../support/matrix-faults";
import { faultMatrix } from "../support/matrix-suite";

faultMatrix("active color, no deployment running", "active", FAULTS, [
  ["crash", "429", "500"],
  ["reset", "hang", "503", "gzip"],
  ["both-down", "slow", "20MiB"],
]);
