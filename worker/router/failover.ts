import type { Config } from "../env";
import type { Outcome } from "./attempt";

export type FailoverOn = Config["failoverOn"];

/** Whether an attempt's outcome is in FAILOVER_ON: the color failed this request. */
export function failed(o: Outcome, on: FailoverOn): boolean {
  switch (o.kind) {
    case "response":
      return on.statuses.has(o.status);
    case "network":
      return on.network;
    case "timeout":
      return on.timeout;
    default:
      return false;
  }
}

/** A failure that counts against a color for outlier ejection: no answer, or a 5xx in FAILOVER_ON. */
export const ejectable = (o: Outcome, on: FailoverOn): boolean =>
  o.kind === "response" ? o.status >= 500 && on.statuses.has(o.status) : o.kind !== "aborted";
