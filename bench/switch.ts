import type { Color } from "../shared";
import { sleep } from "../test/support/api";
import type { Stack } from "../test/support/stack";
import { deployIdle } from "./deploy";
import { observing, switchedAt } from "./observe";

/** Pre-promotion probes as fast as the schema allows: the trial waits for validation, it does not measure it. */
const FAST_VALIDATION = { probeIntervalMs: 50, minSamples: 2 };

export interface SwitchTrial {
  to: Color;
  /** promote's response → every new request served by the new color; null if never seen complete. */
  ms: number | null;
}

/**
 * Manual promotion, several times back and forth: from the moment the promote call answers to the moment
 * the router serves every new request from the new color (bounded by FLAG_CACHE_MS, the flag cache's age).
 */
export async function measureSwitch(s: Stack, trials: number, flagCacheMs: number): Promise<SwitchTrial[]> {
  const out: SwitchTrial[] = [];
  for (let i = 1; i <= trials; i++) {
    const d = await deployIdle(s, {
      version: `switch-${i}`,
      autoPromote: false,
      watchSeconds: 0,
      thresholds: FAST_VALIDATION,
    });
    await s.control.waitFor(d.id, "awaiting_promotion");
    const [answered, samples] = await observing(s.worker.url, async () => {
      // Start at a random phase of the routers' flag cache, as a real promote would.
      await sleep(200 + Math.random() * flagCacheMs);
      const res = await s.control.call("POST", `/api/deployments/${d.id}/promote`);
      const at = Date.now();
      if (res.status !== 200) throw new Error(`promote: ${res.status} ${JSON.stringify(res.json)}`);
      await sleep(flagCacheMs + 500);
      return at;
    });
    const at = switchedAt(samples, d.color);
    out.push({ to: d.color, ms: at === null ? null : at - answered });
    console.log(`  switch ${i} → ${d.color}: ${at === null ? "not complete" : `${at - answered} ms`}`);
  }
  return out;
}
