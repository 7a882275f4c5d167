import { sleep } from "../test/support/api";
import type { Stack } from "../test/support/stack";
import { deployIdle } from "./deploy";
import { observing, switchedAt } from "./observe";

export interface RollbackTrial {
  /** T0 (the new color starts failing) → the first failing probe's `at`. */
  detectMs: number;
  /** first failing probe → the `rolled_back` step (the flag is written right after it). */
  revertMs: number;
  /** T0 → every new request served by the previous color again; null if never seen complete. */
  servedMs: number | null;
}

/**
 * Automatic rollback, several times: a promoted deployment in `watching` whose origin turns unhealthy at
 * T0 (a random moment between probes). Timestamps come from the deployment's own probes and steps, and
 * from request loops through the router.
 */
export async function measureRollback(
  s: Stack,
  trials: number,
  probeIntervalMs: number,
  flagCacheMs: number,
): Promise<RollbackTrial[]> {
  const out: RollbackTrial[] = [];
  for (let i = 1; i <= trials; i++) {
    const d = await deployIdle(s, {
      version: `rollback-${i}`,
      watchSeconds: 600,
      thresholds: { probeIntervalMs, minSamples: 2 },
    });
    await s.control.waitFor(d.id, "watching");
    const [{ t0, done }, samples] = await observing(s.worker.url, async () => {
      // Past the flag cache (routers on the new color), then at a random phase of the probe interval.
      await sleep(flagCacheMs + Math.random() * probeIntervalMs);
      const t0 = Date.now();
      s.platforms[d.color].setFaults({ unhealthy: true });
      try {
        const done = await s.control.waitFor(d.id, "rolled_back");
        await sleep(flagCacheMs + 500);
        return { t0, done };
      } finally {
        s.platforms[d.color].setFaults({});
      }
    });

    const failed = done.probes.find((p) => !p.ok && Date.parse(p.at) >= t0);
    const step = done.steps.find((st) => st.status === "rolled_back");
    if (!failed || !step) throw new Error(`rollback ${i}: no failing probe or rolled_back step: ${done.reason}`);
    const firstFail = Date.parse(failed.at);
    const served = switchedAt(samples, d.previousColor);
    const trial = {
      detectMs: firstFail - t0,
      revertMs: Date.parse(step.at) - firstFail,
      servedMs: served === null ? null : served - t0,
    };
    out.push(trial);
    console.log(
      `  rollback ${i} ${d.color} → ${d.previousColor}: detect ${trial.detectMs} ms, revert ${trial.revertMs} ms, routers ${trial.servedMs ?? "not complete"} ms`,
    );
  }
  return out;
}
