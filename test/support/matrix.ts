// One cell of the fault matrix: the three standard producers ship through the Worker while one fault hits either
// the new color right after a switch (a deployment through the control API, reverted by its watch) or the active
// color with no deployment running. Every record is then looked up in the shared store.
import { type Color, type Deployment, otherColor } from "../../shared";
import type { PlatformStats } from "../platform/platform";
import type { ShipperStats } from "../producers/http-shipper";
import { OtelProducer } from "../producers/otel-producer";
import { fluentBitShipper, vectorShipper } from "../producers/shippers";
import { sleep } from "./api";
import { auditStore, type ProducerAudit } from "./audit";
import { FAULT_MS, type FaultName, faultSpec, LARGE_BATCH_BYTES, statsDelta } from "./matrix-faults";
import { type SpoolFigures, watchSpool } from "./matrix-spool";
import type { Stack } from "./stack";

export type Target = "new" | "active";

export interface CellResult {
  fault: FaultName;
  target: Target;
  /** otel, vector, fluent-bit, in that order. */
  audits: ProducerAudit[];
  /** the faulty color's counters from the fault's start to the cell's end, and the other color's. */
  faulty: PlatformStats;
  other: PlatformStats;
  /** batches both colors acked but did not store again (their idempotency key was already in the store). */
  dedupedBatches: number;
  /** retries by the Vector- and Fluent-Bit-like shippers; failovers the router reported to them. */
  retries: { vector: number; fluentBit: number };
  failovers: number;
  /** attempts the router timed out and colors it ejected during the cell (its /healthz counters). */
  router: { timeouts: number; ejections: number };
  /** non-2xx answers and transport errors the shippers saw, by kind. */
  shipperErrors: Record<string, number>;
  evidence: { label: string; count: number; min: number } | null;
  /** an origin fault, which the watch must roll back (not a kind of body). */
  breaksRelease: boolean;
  deployment: Deployment["status"] | null;
  /** the edge spool during the cell; null for a Worker without the spool bindings. */
  spool: SpoolFigures | null;
  seconds: number;
}

/**
 * Probe rounds at the default pace (1 s): a fault on the new color meets live traffic until the next round sees
 * it; a short validation (2 rounds). The watch outlasts the worst case: routers reach the new color up to
 * FLAG_CACHE_MS (3 s) after the switch, and a probe of a slow or hung origin takes its 5 s timeout to fail.
 */
// Mirroring off: the faults start after the switch, and validating on copies would add the wait for
// minMirrorRequests to every cell (mirroring under load is test/e2e/mirror.test.ts).
const DEPLOY = {
  thresholds: { probeIntervalMs: 1000, minSamples: 4, maxP95Ms: 3000 },
  watchSeconds: 10,
  mirrorPercent: 0,
};
const WARMUP_MS = 1000;

export interface CellOptions {
  /** the stack's FLAG_CACHE_MS: after the fault, the cell waits this long and more, so routers use the final flag. */
  flagCacheMs: number;
}
/** Fluent Bit's retry comes up to 10 s after a failure; Vector's backoff grows past that after a long fault. */
const STOP_TIMEOUT_MS = 45_000;

let deployments = 0;

/** Starts a deployment to the idle color (waiting out its drain) and returns it once it serves (watching). */
async function switchToIdle(stack: Stack): Promise<Deployment> {
  const version = `m${++deployments}`;
  const idle = (await stack.control.state()).standby;
  stack.platforms[idle].setVersion(version);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await stack.control.deploy({ version, ...DEPLOY });
    if (res.status === 201) return stack.control.waitFor(res.json.id, "watching", 30_000);
    if (res.status !== 409 || Date.now() > deadline) throw new Error(`deploy ${version}: ${JSON.stringify(res)}`);
    await sleep(250);
  }
}

export async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

/** The router isolate's own counters (`GET /healthz`); fields a router without them lacks count as 0. */
interface RouterHealth {
  timeouts: number;
  ejections: number;
  ejected: string[];
}
export async function routerHealth(stack: Stack): Promise<RouterHealth> {
  const h = (await (await fetch(`${stack.worker.url}/healthz`)).json()) as Partial<RouterHealth>;
  return { timeouts: h.timeouts ?? 0, ejections: h.ejections ?? 0, ejected: h.ejected ?? [] };
}

const sum = (xs: Record<string, number>[]) =>
  xs.reduce<Record<string, number>>((acc, x) => {
    for (const [k, v] of Object.entries(x)) acc[k] = (acc[k] ?? 0) + v;
    return acc;
  }, {});

export async function runCell(stack: Stack, fault: FaultName, target: Target, opts: CellOptions): Promise<CellResult> {
  const started = performance.now();
  const spec = faultSpec(fault);
  const url = stack.worker.url;
  const tag = `${fault}-${target}`;
  const gzip = spec.gzip ?? false;
  const otel = new OtelProducer({ url, producer: `${tag}-otel`, recordsPerSecond: 50, gzip });
  const vector = vectorShipper({ url, producer: `${tag}-vector`, entriesPerSecond: 100, batchSize: 10, gzip });
  const fluentBit = fluentBitShipper({ url, producer: `${tag}-fluentbit`, entriesPerSecond: 100, batchSize: 25, gzip });
  const producers = [otel, vector, fluentBit];
  const deduped = () => stack.platforms.blue.stats.duplicates + stack.platforms.green.stats.duplicates;
  const dedupedBefore = deduped();
  // Cells share the stack: a color the last cell got ejected must be back first, or this fault meets no traffic.
  await until("no color is ejected", async () => (await routerHealth(stack)).ejected.length === 0);
  const routerBefore = await routerHealth(stack);
  for (const p of producers) p.start();
  await sleep(WARMUP_MS);

  let deployment: Deployment | null = null;
  let color: Color;
  if (target === "new") {
    deployment = await switchToIdle(stack);
    const c = deployment.color;
    color = c;
    // "Once it serves": the producers' own requests reach the new color (routers pick the flag up within FLAG_CACHE_MS).
    const served = () => vector.stats().servedBy[c] ?? 0;
    const servedBefore = served();
    await until(`${c} serves the producers`, () => served() > servedBefore);
  } else {
    color = (await stack.control.state()).active;
  }
  const platform = () => stack.platforms[color];
  const before = structuredClone(platform().stats);
  const otherBefore = structuredClone(stack.platforms[otherColor(color)].stats);
  const spool = await watchSpool(stack);
  const ended = spec.start(stack, color);
  if (spec.large) {
    vector.sendLarge(LARGE_BATCH_BYTES);
    fluentBit.sendLarge(LARGE_BATCH_BYTES);
    await otel.emitLarge(LARGE_BATCH_BYTES);
  }
  if (deployment) {
    deployment = await stack.control.waitFor(deployment.id, undefined, 60_000);
  } else {
    await sleep(FAULT_MS);
  }
  await ended;
  await spec.heal(stack, color);
  spool.recovered();
  await sleep(opts.flagCacheMs + 500);

  const stats = await Promise.all(producers.map((p) => p.stop(STOP_TIMEOUT_MS)));
  // A slow origin stores what it took long after the router moved on: count only once it has.
  const { blue, green } = stack.platforms;
  await until("both origins finished their requests", () => blue.stats.inProgress + green.stats.inProgress === 0);
  // What the spool took is delivered before the store is counted (a batch answered 202 is acknowledged).
  const spoolFigures = await spool.finish();
  // Counted once every request is done: a 20 MiB body may still be on its way when the fault period ends.
  const faulty = statsDelta(platform().stats, before);
  const other = statsDelta(stack.platforms[otherColor(color)].stats, otherBefore);
  const routerAfter = await routerHealth(stack);
  const shippers = stats.slice(1) as ShipperStats[];
  const shipperErrors = sum(shippers.map((s) => s.errors));
  const count = spec.evidence?.of(faulty);
  return {
    fault,
    target,
    audits: auditStore(stack.store, stats),
    faulty,
    other,
    dedupedBatches: deduped() - dedupedBefore,
    retries: { vector: shippers[0]?.retries ?? 0, fluentBit: shippers[1]?.retries ?? 0 },
    failovers: shippers.reduce((n, s) => n + s.failovers, 0),
    router: {
      timeouts: routerAfter.timeouts - routerBefore.timeouts,
      ejections: routerAfter.ejections - routerBefore.ejections,
    },
    shipperErrors,
    evidence:
      spec.evidence && count !== undefined ? { label: spec.evidence.label, count, min: spec.evidence.min ?? 1 } : null,
    breaksRelease: spec.breaksRelease,
    deployment: deployment?.status ?? null,
    spool: spoolFigures,
    seconds: (performance.now() - started) / 1000,
  };
}

const fmtErrors = (e: Record<string, number>) =>
  Object.entries(e)
    .map(([k, v]) => `${k}×${v}`)
    .join(" ") || "–";

const fmtSpool = (s: SpoolFigures | null) =>
  s === null
    ? "no spool"
    : `${s.spooled} / ${s.delivered}${s.drainedAfterS === null ? "" : ` (${s.drainedAfterS.toFixed(1)} s)`}`;

export const TABLE_HEADER = [
  "| fault | hits | records sent (otel/vector/fluent-bit) | lost | stored twice | copies dropped by key | retries (vector/fluent-bit) | errors the shippers saw | router failovers | router timeouts / ejections | fault evidence | deployment | spooled / delivered (drained s after recovery) | s |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
];

/** One markdown table row per cell: docs/fault-matrix.md's table is made of these lines. */
export function tableRow(r: CellResult): string {
  const total = (k: "lost" | "duplicates") => r.audits.reduce((n, a) => n + a[k], 0);
  const evidence = r.evidence
    ? `${r.evidence.label} ${r.evidence.label === "largest body" ? `${(r.evidence.count / 2 ** 20).toFixed(2)} MiB` : r.evidence.count}`
    : "–";
  return `| ${r.fault} | ${r.target === "new" ? "new color after switch" : "active, no deployment"} | ${r.audits.map((a) => a.sent).join(" / ")} | ${total("lost")} | ${total("duplicates")} | ${r.dedupedBatches} | ${r.retries.vector} / ${r.retries.fluentBit} | ${fmtErrors(r.shipperErrors)} | ${r.failovers} | ${r.router.timeouts} / ${r.router.ejections} | ${evidence} | ${r.deployment ?? "–"} | ${fmtSpool(r.spool)} | ${r.seconds.toFixed(1)} |`;
}
