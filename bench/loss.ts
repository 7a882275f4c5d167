import { HttpShipper, type ShipperStats } from "../test/producers/http-shipper";
import { count5xx } from "../test/producers/producer";
import { sleep } from "../test/support/api";
import { auditStore } from "../test/support/audit";
import type { Stack } from "../test/support/stack";
import { deployIdle } from "./deploy";
import { BATCH_ENTRIES } from "./load";

export const SHIPPERS = 4;
const RAMP_START = 500;
const RAMP_FACTOR = 1.5;
const RAMP_MAX = 50_000;
const STEP_MS = 3000;
/** A rate is held when at least this share of what was created is acknowledged by the end of its step. */
const HELD_SHARE = 0.9;

export interface RampStep {
  rate: number;
  ackedPerSecond: number;
  held: boolean;
}

export interface LossRun {
  /** entries/s offered (all shippers together). */
  rate: number;
  seconds: number;
  sent: number;
  acked: number;
  stored: number;
  lost: number;
  duplicates: number;
  dropped: number;
  /** 5xx answers the shippers saw (and retried). */
  errors5xx: number;
  retries: number;
  servedBy: Record<string, number>;
  deployment: string;
}

function shippers(url: string, tag: string, rate: number): HttpShipper[] {
  return Array.from(
    { length: SHIPPERS },
    (_, i) =>
      new HttpShipper({
        url,
        producer: `${tag}-${i + 1}`,
        entriesPerSecond: rate / SHIPPERS,
        batchSize: BATCH_ENTRIES,
      }),
  );
}

const sum = (stats: ShipperStats[], f: (s: ShipperStats) => number) => stats.reduce((n, s) => n + f(s), 0);

/**
 * Offered rates growing by RAMP_FACTOR through the Worker to the platform (shared SQLite store), until
 * the acknowledgements fall behind: the highest rate held is what this machine sustains end to end.
 */
export async function ramp(s: Stack): Promise<RampStep[]> {
  const steps: RampStep[] = [];
  for (let rate = RAMP_START; rate <= RAMP_MAX; rate = Math.round(rate * RAMP_FACTOR)) {
    const load = shippers(s.worker.url, `ramp-${rate}`, rate);
    for (const p of load) p.start();
    await sleep(STEP_MS);
    const at = load.map((p) => p.stats());
    await Promise.all(load.map((p) => p.stop(10_000)));
    const acked = sum(at, (x) => x.acked);
    const held = acked >= HELD_SHARE * sum(at, (x) => x.sent) && sum(at, (x) => count5xx(x.errors)) === 0;
    steps.push({ rate, ackedPerSecond: Math.round(acked / (STEP_MS / 1000)), held });
    console.log(`  ramp ${rate} entries/s: ${steps.at(-1)?.ackedPerSecond} acked/s ${held ? "held" : "NOT held"}`);
    if (!held) break;
  }
  return steps;
}

/**
 * Shippers at `rate` while a release is deployed, promoted, starts failing every ingest (HTTP 500) and is
 * rolled back automatically; then every entry created is looked up in the store.
 */
export async function lossDuringRollback(
  s: Stack,
  rate: number,
  probeIntervalMs: number,
  flagCacheMs: number,
): Promise<LossRun> {
  const started = Date.now();
  const load = shippers(s.worker.url, "loss", rate);
  for (const p of load) p.start();
  try {
    await sleep(2000); // steady state first
    const d = await deployIdle(s, {
      version: "loss-v2",
      watchSeconds: 600,
      thresholds: { probeIntervalMs, minSamples: 4 },
    });
    await s.control.waitFor(d.id, "watching");
    await sleep(flagCacheMs + 500);
    s.platforms[d.color].setFaults({ errorRate: 1 });
    const done = await s.control.waitFor(d.id, "rolled_back");
    await sleep(flagCacheMs + 1000);
    const stats = await Promise.all(load.map((p) => p.stop(30_000)));
    s.platforms[d.color].setFaults({});
    const audits = auditStore(s.store, stats);
    const servedBy: Record<string, number> = {};
    for (const st of stats) for (const [c, n] of Object.entries(st.servedBy)) servedBy[c] = (servedBy[c] ?? 0) + n;
    return {
      rate,
      seconds: Math.round((Date.now() - started) / 1000),
      sent: sum(stats, (x) => x.sent),
      acked: sum(stats, (x) => x.acked),
      stored: audits.reduce((n, a) => n + a.stored, 0),
      lost: audits.reduce((n, a) => n + a.lost, 0),
      duplicates: audits.reduce((n, a) => n + a.duplicates, 0),
      dropped: sum(stats, (x) => x.dropped),
      errors5xx: sum(stats, (x) => count5xx(x.errors)),
      retries: sum(stats, (x) => x.retries),
      servedBy,
      deployment: `${d.color} ${done.status}: ${done.reason}`,
    };
  } catch (e) {
    await Promise.all(load.map((p) => p.stop(1000)));
    throw e;
  }
}
