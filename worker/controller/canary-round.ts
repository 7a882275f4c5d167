import type { CanaryTarget } from "../validation/canary";
import { batchId } from "../validation/canary";
import { type ProbeResult, type ProbeTarget, sendCanary } from "../validation/probes";
import { readBack } from "../validation/readback";

export interface CanaryOutcome {
  canary: CanaryTarget;
  sent: ProbeResult;
  /** null without READBACK_PATH, or when the platform refused the batch. */
  readback: ProbeResult | null;
}

/** One batch per CANARY entry to `target`, each read back through `readbackPath` when set and accepted. */
export function canaryRound(
  target: ProbeTarget,
  id: string,
  seq: number,
  readbackPath: string | null,
  readbackMs: number,
): Promise<CanaryOutcome[]> {
  return Promise.all(
    target.canary.map(async (canary) => {
      const sent = await sendCanary(target, canary, id, seq);
      const readback =
        sent.ok && readbackPath
          ? await readBack(target.origin, readbackPath, batchId(id, seq, canary), readbackMs)
          : null;
      return { canary, sent, readback };
    }),
  );
}
