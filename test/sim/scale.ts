// The scale simulation (npm run sim): N router isolates over L locations in the simulation's Worker, the
// real controller and location tiers, steady traffic, a deployment, a 5 s controller outage and a bad
// release's revert; then what the control plane did, as one JSON object (DESIGN.md names its fields).
import { existsSync } from "node:fs";
import type { Deployment } from "../../shared";
import { COUNTS_MS } from "../../worker/tier/link";
import { BurstTraffic } from "./burst";
import { SIM_THRESHOLDS, type Sim, startSim } from "./harness";

export type Design = "tier" | "current";

export interface ScaleOptions {
  isolates: number;
  locations: number;
  /** seconds of traffic (at least what the deployment, the outage and the revert take). */
  seconds: number;
  /** `tier`: the location tier (LOCATION_TIER); `current`: reports and fast path straight to the controller. */
  design: Design;
  /** requests a second per isolate (each isolate is a busy one: it flushes and refreshes every second). */
  rps?: number;
  outageMs?: number;
  log?: (line: string) => void;
}

export interface ScaleResult {
  design: Design;
  isolates: number;
  locations: number;
  seconds: number;
  controllerRequestsPerSecond: { mean: number; max: number };
  locationTierRequestsPerSecond: { mean: number; max: number };
  kvReadsPerSecond: number;
  cacheOpsPerSecond: number;
  droppedReports: number;
  revertTo100PercentMs: number | null;
  evidenceDelayMs: { p50: number | null; max: number | null };
  /** how long a poll of every isolate's epoch took: the revert time's resolution on this machine. */
  epochPollMs: { p50: number | null; max: number | null };
  /** outcomes the isolates recorded, and the ones that reached the controller, over the whole run. */
  recorded: number;
  counted: number;
  /** counts still held by isolates or tiers at the end (today's design keeps an idle isolate's last counts). */
  pending: number;
  /** log batches the traffic sent, and the ones answered 2xx. */
  sent: number;
  accepted: number;
}

interface Figures {
  isolates: {
    recorded: number;
    pending: number;
    dropped: number;
    kvReads: number;
    fastReads: number;
    fastFailures: number;
    cacheHits: number;
  };
  tiers: Array<{ requests: Array<[number, number]>; pending: number; dropped: number }>;
  controller: { requests: Array<[number, number]>; counted: number; delaysMs: number[] };
}

/** A memory file system, where it exists (Linux). */
const SHM = "/dev/shm";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number) => Math.round(n * 100) / 100;

/** mean and max of per-second counts over whole seconds in [from, to) (unix ms); absent seconds are 0. */
function perSecond(series: Array<Array<[number, number]>>, from: number, to: number) {
  const first = Math.ceil(from / 1000);
  const last = Math.floor(to / 1000);
  const seconds = Math.max(1, last - first);
  let total = 0;
  let max = 0;
  for (const s of series) {
    for (const [t, n] of s) {
      if (t < first || t >= last) continue;
      total += n;
      max = Math.max(max, n);
    }
  }
  return { mean: round(total / seconds / Math.max(1, series.length)), max };
}

function quantile(xs: number[], q: number): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)] ?? null;
}

/**
 * Every isolate's epoch as a request arriving now would route (GET /sim/epochs), polled every 100 ms for the
 * whole run. Each poll is a flag lookup in every isolate (a refresh when due, as a request's), so between
 * batches the isolates stay as busy as production's, whose many requests a second keep the flag fresh.
 */
class EpochPoll {
  private last: { at: number; epochs: number[] } | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  readonly durationsMs: number[] = [];

  constructor(private readonly sim: Sim) {}

  start(): this {
    this.running = (async () => {
      while (!this.stopped) {
        const started = Date.now();
        const res = await fetch(`${this.sim.worker.url}/sim/epochs`).catch(() => null);
        const epochs = res?.ok ? ((await res.json()) as number[]) : null;
        // Stamped when the answer is in (the isolates answered somewhere in between): never early.
        if (epochs) this.last = { at: Date.now(), epochs };
        this.durationsMs.push(Date.now() - started);
        await sleep(Math.max(0, 100 - (Date.now() - started)));
      }
    })();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** ms from `since` until a poll found every isolate routing by `epoch` or later (null: not within the timeout). */
  async allOn(epoch: number, since: number, timeoutMs = 30_000): Promise<number | null> {
    while (Date.now() - since < timeoutMs) {
      const last = this.last;
      if (last && last.at > since && last.epochs.every((e) => e >= epoch)) return last.at - since;
      await sleep(20);
    }
    return null;
  }
}

const stepAt = (d: Deployment, status: Deployment["status"]) =>
  Date.parse(d.steps.findLast((s) => s.status === status)?.at ?? "");

export async function runScale(o: ScaleOptions): Promise<ScaleResult> {
  const log = o.log ?? (() => undefined);
  const outageMs = o.outageMs ?? 5000;
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  const sim = await startSim({
    locations: o.locations,
    isolates: o.isolates,
    maxLagMs: 3000,
    drainSeconds: 1,
    flagSource: o.design === "tier" ? "tier" : "kv",
    tmpRoot: existsSync(SHM) ? SHM : undefined,
    // Production's flag timing: the fast path answers, so KV is only read every KV_FALLBACK_MS; today's
    // design read KV every FLAG_CACHE_MS (0: no fallback interval), and is measured that way.
    vars: {
      FLAG_CACHE_MS: "1000",
      KV_FALLBACK_MS: o.design === "tier" ? "30000" : "0",
      DRAIN_QUIET_SECONDS: "1",
      // Each location's own cache, simulated: workerd's is one process for all of them (location-cache.ts).
      SIM_LOCATION_CACHE: "memory",
    },
  });
  log(`[${elapsed()}] ${o.isolates} isolates over ${o.locations} locations (${o.design}) up at ${sim.worker.url}`);
  const traffic = new BurstTraffic(sim, o.rps ?? 1).start();
  const poll = new EpochPoll(sim).start();
  try {
    await sleep(3000);
    const from = Date.now();
    const a = await sim.scale<Figures>();
    const trafficUntil = from + o.seconds * 1000;
    log(`[${elapsed()}] measuring; a deployment of a good release`);
    // Latency is not what this run measures: a loaded machine must not fail a good release on it.
    // No mirroring either: copies skipped at the bound on a loaded machine would fail it too.
    const fast = { thresholds: { ...SIM_THRESHOLDS, maxP95Ms: 30_000 }, watchSeconds: 2, mirrorPercent: 0 };
    sim.platforms[(await sim.control.state()).standby].setVersion("v2");
    const good = await sim.control.deploy({ version: "v2", ...fast });
    if (good.status !== 201) throw new Error(`deploy: ${good.status} ${JSON.stringify(good.json)}`);
    const done = await sim.control.waitFor(good.json.id, undefined, 120_000);
    log(`[${elapsed()}] deployment ${done.status} (${done.reason}); the controller is out for ${outageMs} ms`);
    await sim.outage(outageMs);
    await sleep(outageMs + 2000);

    log(`[${elapsed()}] a bad release`);
    const badColor = (await sim.control.state()).standby;
    sim.platforms[badColor].setVersion("v3");
    const bad = await sim.control.deploy({ version: "v3", ...fast, watchSeconds: 30 });
    if (bad.status !== 201) throw new Error(`deploy: ${bad.status} ${JSON.stringify(bad.json)}`);
    await sim.control.waitFor(bad.json.id, "watching", 120_000);
    sim.platforms[badColor].setFaults({ errorRate: 1 });
    const reverted = await sim.control.waitFor(bad.json.id, undefined, 120_000);
    const revertAt = stepAt(reverted, "rolled_back");
    const revertEpoch = (await sim.control.state()).epoch;
    const revertMs = await poll.allOn(revertEpoch, revertAt);
    sim.platforms[badColor].setFaults({});
    log(
      `[${elapsed()}] ${reverted.status} (${reverted.reason}); every isolate on epoch ${revertEpoch} after ${revertMs} ms`,
    );

    while (Date.now() < trafficUntil) {
      await sleep(Math.min(5000, trafficUntil - Date.now()));
      log(`[${elapsed()}] traffic: ${traffic.sent} batches sent, ${traffic.ok} accepted`);
    }
    const to = Date.now();
    const b = await sim.scale<Figures>();
    await traffic.stop();
    // The last counts: an isolate's within COUNTS_MS, held at its tier at most one COUNTS_MS more.
    await sleep(2 * COUNTS_MS + 1500);
    const end = await sim.scale<Figures>();
    const secs = (to - from) / 1000;
    const rate = (f: (x: Figures) => number) => round((f(b) - f(a)) / secs);
    const cacheOps = (x: Figures) => x.isolates.cacheHits + 2 * x.isolates.fastReads - x.isolates.fastFailures;
    const pending = end.isolates.pending + end.tiers.reduce((n, t) => n + t.pending, 0);
    log(
      `[${elapsed()}] pending at the end: ${end.isolates.pending} in isolates, ${pending - end.isolates.pending} in tiers`,
    );
    const dropped = end.isolates.dropped + end.tiers.reduce((n, t) => n + t.dropped, 0);
    log(
      `[${elapsed()}] given up at a bound: ${end.isolates.dropped} by isolates, ${dropped - end.isolates.dropped} by tiers`,
    );
    const counted = end.controller.counted;
    const inWindow = end.controller.requests.filter(([t]) => t >= Math.ceil(from / 1000) && t < Math.floor(to / 1000));
    log(`[${elapsed()}] controller requests per second: ${inWindow.map(([, n]) => n).join(" ")}`);
    return {
      design: o.design,
      isolates: o.isolates,
      locations: o.locations,
      seconds: Math.round(secs),
      controllerRequestsPerSecond: perSecond([end.controller.requests], from, to),
      locationTierRequestsPerSecond: perSecond(
        end.tiers.map((t) => t.requests),
        from,
        to,
      ),
      kvReadsPerSecond: rate((x) => x.isolates.kvReads),
      cacheOpsPerSecond: o.design === "tier" ? 0 : rate(cacheOps),
      // Counts given up by a bound, and counts that never arrived though nobody holds them any more.
      droppedReports: dropped + Math.max(0, end.isolates.recorded - counted - pending - dropped),
      revertTo100PercentMs: revertMs,
      evidenceDelayMs: { p50: quantile(end.controller.delaysMs, 0.5), max: quantile(end.controller.delaysMs, 1) },
      epochPollMs: { p50: quantile(poll.durationsMs, 0.5), max: quantile(poll.durationsMs, 1) },
      recorded: end.isolates.recorded,
      counted,
      pending,
      sent: traffic.sent,
      accepted: traffic.ok,
    };
  } finally {
    await poll.stop();
    await traffic.stop().catch(() => undefined);
    await sim.stop();
  }
}
