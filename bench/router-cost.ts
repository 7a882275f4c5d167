import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { bundleWorker, type WorkerBundle } from "../scripts/worker-bundle";
import { startWorker } from "../test/support/worker";
import { atRate, cannon, type LoadOptions, type LoadResult, ndjsonBatch } from "./load";
import { type Origin, startOrigin } from "./origin";
import { pin, startInWorkerd, type WorkerdWorker } from "./workerd";

export const TARGETS = ["router", "bare", "direct"] as const;
export type Target = (typeof TARGETS)[number];
export type WorkerName = Exclude<Target, "direct">;
/**
 * Other routers in the same workerd rounds: ours with `FLAG_FAST_PATH=off`, ours with a flag that mirrors
 * MIRROR_PERCENT of ingest (issue 15, docs/deployments.md; the copies go to the same origin), and the router of
 * main just before the zero-loss changes (issue 10: timeouts, failover, ejection, content keys), built from git.
 */
export const VARIANTS = ["fastPathOff", "mirroring", "beforeZeroLoss"] as const;
/** The default mirrorPercent. */
export const MIRROR_PERCENT = 10;
const MIRROR_FLAG = JSON.stringify({
  color: "blue",
  epoch: 1,
  deploymentId: null,
  updatedAt: new Date(0).toISOString(),
  failover: false,
  mirror: { color: "green", percent: MIRROR_PERCENT },
});
export type Variant = (typeof VARIANTS)[number];
/** main just before the zero-loss router changes landed. */
export const BEFORE_ZERO_LOSS = "ea16b4e";

export interface Round extends LoadResult {
  /** CPU time of the Worker's workerd process per request, µs (in the workerd harness; null elsewhere). */
  cpuUs: number | null;
}
export type Rounds = Record<Target, Round[]>;

export interface KvReads {
  reads: number;
  requests: number;
  seconds: number;
  flagCacheMs: number;
}

export type ColdStart = Pick<WorkerdWorker, "start" | "firstRequest">;

export type BundleSize = Pick<WorkerBundle, "entryBytes" | "totalBytes" | "gzipBytes">;

export interface RouterCost {
  /** the same bundle as `wrangler deploy`, in workerd through Miniflare: the figures that see our code. */
  workerd: Rounds;
  /** the variants' rounds, interleaved with `workerd`'s; `beforeZeroLoss` is absent when git cannot build it. */
  variants: Partial<Record<Variant, Round[]>>;
  /**
   * The same Workers all at once, each at a fixed rate, round by round: CPU per request compared under the
   * same background in the same window (the closed-loop rounds run one Worker at a time).
   */
  atRate: Partial<Record<WorkerName | Variant, Round[]>>;
  /** the same under `wrangler dev` (dev proxy, inspector, request logging), for comparison with older runs. */
  dev: Rounds;
  kv: KvReads;
  bundles: Record<WorkerName, BundleSize>;
  coldStarts: Record<WorkerName, ColdStart[]>;
  load: LoadOptions & {
    rounds: number;
    devRounds: number;
    batchBytes: number;
    rateRounds: number;
    rate: number;
    /** the workerd phase ran each workerd alone on core 1, the load and the origin on core 0. */
    pinned: boolean;
  };
}

export interface RouterCostOptions {
  rounds: number;
  devRounds: number;
  load: LoadOptions;
  warmupSeconds: number;
  /** rounds of the fixed-rate phase: every Worker at once, each at `rate` requests/s. */
  rateRounds: number;
  rate: number;
  flagCacheMs: number;
  coldStarts: number;
  log: (line: string) => void;
}

const ROOT = resolve(import.meta.dirname, "..");
const run = promisify(execFile);
/** wrangler.toml of each Worker: ours, and the bare pass-through (the baseline for what workerd itself costs). */
export const CONFIG: Record<WorkerName, string> = {
  router: join(ROOT, "wrangler.toml"),
  bare: join(ROOT, "bench/passthrough/wrangler.toml"),
};

interface Endpoint {
  url: string;
  cpuMs?: () => Promise<number>;
}

/** This isolate's KV flag reads; the count is per isolate, so a restarted isolate would void the figure. */
async function flagReads(workerUrl: string, isolate?: string): Promise<{ reads: number; isolate: string }> {
  const h = (await (await fetch(`${workerUrl}/healthz`)).json()) as { flagReads: number; isolate: string };
  if (isolate !== undefined && h.isolate !== isolate) throw new Error("the router's isolate changed during a run");
  return { reads: h.flagReads, isolate: h.isolate };
}

/**
 * The same batches through each endpoint (the router, its variants, the bare Worker, straight to the origin),
 * interleaved round by round and in alternating order, so that background noise hits all alike. With `kv`,
 * the router's /healthz flagReads are read around each of its runs: KV reads under load.
 */
async function interleave(
  label: string,
  at: Record<string, Endpoint> & { router: Endpoint },
  rounds: number,
  opts: RouterCostOptions,
  kv: KvReads | null,
): Promise<Record<string, Round[]>> {
  const body = ndjsonBatch();
  const endpoints = Object.entries(at);
  for (const [, e] of endpoints) await cannon(e.url, body, { ...opts.load, seconds: opts.warmupSeconds });
  const out: Record<string, Round[]> = Object.fromEntries(endpoints.map(([t]) => [t, []]));
  for (let i = 0; i < rounds; i++) {
    for (const [t, target] of i % 2 === 0 ? endpoints : [...endpoints].reverse()) {
      const isRouter = t === "router";
      const reads = kv && isRouter ? await flagReads(at.router.url) : null;
      const cpuBefore = await target.cpuMs?.();
      const r = await cannon(target.url, body, opts.load);
      const cpuAfter = await target.cpuMs?.();
      const cpuUs =
        cpuBefore === undefined || cpuAfter === undefined ? null : ((cpuAfter - cpuBefore) * 1000) / r.requests;
      out[t]?.push({ ...r, cpuUs });
      if (kv && reads) {
        kv.reads += (await flagReads(at.router.url, reads.isolate)).reads - reads.reads;
        kv.requests += r.requests;
        kv.seconds += opts.load.seconds;
      }
      opts.log(
        `  ${label} round ${i + 1}/${rounds} ${t.padEnd(14)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50Ms} ms  ` +
          `p99 ${r.p99Ms} ms${cpuUs === null ? "" : `  CPU ${cpuUs.toFixed(0)} µs/request`}`,
      );
    }
  }
  return out;
}

/** Every Worker at once at `opts.rate`, `opts.rateRounds` times (CPU per request from /proc, per round). */
async function allAtRate(workers: Record<string, WorkerdWorker>, opts: RouterCostOptions) {
  const body = ndjsonBatch();
  const entries = Object.entries(workers);
  const out: Record<string, Round[]> = Object.fromEntries(entries.map(([n]) => [n, []]));
  for (let i = 0; i < opts.rateRounds; i++) {
    const rs = await Promise.all(
      entries.map(async ([n, w]) => {
        const cpu0 = await w.cpuMs();
        const r = await atRate(w.url, body, opts.rate, opts.load.seconds);
        const cpuUs = (((await w.cpuMs()) - cpu0) * 1000) / r.requests;
        out[n]?.push({ ...r, cpuUs });
        return `${n} ${cpuUs.toFixed(0)} µs`;
      }),
    );
    opts.log(`  at ${opts.rate} req/s each, round ${i + 1}/${opts.rateRounds}: CPU per request ${rs.join(", ")}`);
  }
  return out;
}

const vars = (name: WorkerName, origin: Origin, flagCacheMs: number): Record<string, string> =>
  name === "bare"
    ? { ORIGIN: origin.url }
    : {
        BLUE_ORIGIN: origin.url,
        GREEN_ORIGIN: origin.url,
        CONTROL_TOKEN: randomUUID(),
        FLAG_CACHE_MS: String(flagCacheMs),
      };

/** Step 1: both bundles, and how long workerd takes to start each and answer its first ingest request. */
export async function bundleAndColdStart(opts: RouterCostOptions, origin: Origin) {
  const bundles = {} as Record<WorkerName, WorkerBundle>;
  for (const w of ["router", "bare"] as const) bundles[w] = await bundleWorker(CONFIG[w], join(ROOT, ".tmp/bench", w));
  const body = ndjsonBatch();
  const coldStarts: Record<WorkerName, ColdStart[]> = { router: [], bare: [] };
  for (let i = 0; i < opts.coldStarts; i++) {
    for (const w of ["router", "bare"] as const) {
      const worker = await start(w, bundles[w], origin, opts.flagCacheMs, body);
      await worker.stop();
      const { start: up, firstRequest: first } = worker;
      coldStarts[w].push({ start: up, firstRequest: first });
      opts.log(
        `  cold start ${i + 1}/${opts.coldStarts} ${w.padEnd(6)} up in ${up.ms.toFixed(0)} ms (workerd CPU ${up.cpuMs.toFixed(0)} ms), ` +
          `first request ${first.ms.toFixed(1)} ms (CPU ${first.cpuMs.toFixed(1)} ms)`,
      );
    }
  }
  return { bundles, coldStarts };
}

const start = (
  w: WorkerName,
  bundle: WorkerBundle,
  origin: Origin,
  flagCacheMs: number,
  body: string,
  extra: Record<string, string> = {},
  config = CONFIG[w],
  routing: Record<string, string> = {},
) =>
  startInWorkerd(
    config,
    bundle,
    { ...vars(w, origin, flagCacheMs), ...extra },
    (url) => fetch(`${url}/ingest`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body }),
    routing,
  );

/**
 * The router of commit `rev`, built as `wrangler deploy` builds it from `git archive` sources (with today's
 * node_modules), with its wrangler.toml; null when this clone lacks the commit (e.g. a shallow one).
 */
async function routerAt(rev: string): Promise<{ bundle: WorkerBundle; config: string } | null> {
  const src = join(ROOT, ".tmp/bench/src", rev);
  const tar = `${src}.tar`;
  await rm(src, { recursive: true, force: true });
  await mkdir(src, { recursive: true });
  try {
    await run("git", ["archive", "--format=tar", "-o", tar, rev, "worker", "shared", "wrangler.toml"], { cwd: ROOT });
    await run("tar", ["-xf", tar, "-C", src]);
  } catch {
    return null;
  }
  const config = join(src, "wrangler.toml");
  return { bundle: await bundleWorker(config, join(ROOT, ".tmp/bench", rev)), config };
}

/**
 * Step 2: load rounds in workerd (CPU per request read from /proc), KV reads counted on the router; its
 * variants (fast path off, the router before the zero-loss changes) in the same rounds.
 */
async function inWorkerd(opts: RouterCostOptions, origin: Origin, bundles: Record<WorkerName, WorkerBundle>) {
  const body = ndjsonBatch();
  const workers: Record<string, WorkerdWorker> = {};
  // The load generator and the origin on core 0, every workerd on core 1: what a round measures is then the
  // Worker's own cost, and rounds vary less (bench/notes.md, "Where the last 3 % goes").
  const all = `0-${availableParallelism() - 1}`;
  const pinned =
    availableParallelism() >= 2 && origin.pid !== undefined && pin(process.pid, "0") && pin(origin.pid, "0");
  opts.log(
    pinned ? "  pinned: load and origin on core 0, each workerd on core 1" : "  not pinned (no taskset, or one core)",
  );
  try {
    workers.router = await start("router", bundles.router, origin, opts.flagCacheMs, body);
    workers.fastPathOff = await start("router", bundles.router, origin, opts.flagCacheMs, body, {
      FLAG_FAST_PATH: "off",
    });
    workers.mirroring = await start("router", bundles.router, origin, opts.flagCacheMs, body, {}, CONFIG.router, {
      active: MIRROR_FLAG,
    });
    const before = await routerAt(BEFORE_ZERO_LOSS);
    if (before)
      workers.beforeZeroLoss = await start("router", before.bundle, origin, opts.flagCacheMs, body, {}, before.config);
    else opts.log(`  ${BEFORE_ZERO_LOSS} is not in this clone: no before/after row for the zero-loss changes`);
    workers.bare = await start("bare", bundles.bare, origin, opts.flagCacheMs, body);
    if (pinned) for (const w of Object.values(workers)) pin(w.pid, "1");
    const router = workers.router;
    const kv: KvReads = { reads: 0, requests: 0, seconds: 0, flagCacheMs: opts.flagCacheMs };
    const all = await interleave("workerd", { ...workers, router, direct: { url: origin.url } }, opts.rounds, opts, kv);
    const { fastPathOff: off, mirroring, beforeZeroLoss: old, ...rounds } = all;
    const variants: RouterCost["variants"] = { fastPathOff: off, mirroring, ...(old ? { beforeZeroLoss: old } : {}) };
    const atRate = await allAtRate(workers, opts);
    return { rounds: rounds as Rounds, variants, atRate, kv, pinned };
  } finally {
    for (const w of Object.values(workers)) await w.stop();
    if (pinned && origin.pid !== undefined) {
      pin(process.pid, all);
      pin(origin.pid, all);
    }
  }
}

/** Step 3: the same rounds under `wrangler dev`, as earlier runs measured them. */
async function inWranglerDev(opts: RouterCostOptions, origin: Origin): Promise<Rounds> {
  const stops: (() => Promise<void>)[] = [];
  try {
    const router = await startWorker({ vars: vars("router", origin, opts.flagCacheMs) });
    stops.push(router.stop);
    const bare = await startWorker({ config: CONFIG.bare, vars: vars("bare", origin, opts.flagCacheMs) });
    stops.push(bare.stop);
    const at = { router, bare, direct: { url: origin.url } };
    return (await interleave("wrangler dev", at, opts.devRounds, opts, null)) as Rounds;
  } finally {
    for (const stop of stops) await stop();
  }
}

/** Router against a bare pass-through Worker and the origin: in workerd directly, then under wrangler dev. */
export async function measureRouterCost(opts: RouterCostOptions, step: (title: string) => void): Promise<RouterCost> {
  const origin = await startOrigin();
  try {
    step("bundles (wrangler deploy --dry-run) and cold starts in workerd");
    const { bundles, coldStarts } = await bundleAndColdStart(opts, origin);
    step(
      `router cost in workerd: router, fast path off, with mirroring, before zero-loss (${BEFORE_ZERO_LOSS}), bare, direct; ${opts.rounds} interleaved rounds`,
    );
    const { rounds: workerd, variants, atRate, kv, pinned } = await inWorkerd(opts, origin, bundles);
    step(`router cost under wrangler dev: ${opts.devRounds} interleaved rounds`);
    const dev = await inWranglerDev(opts, origin);
    const size = ({ entryBytes, totalBytes, gzipBytes }: WorkerBundle) => ({ entryBytes, totalBytes, gzipBytes });
    return {
      workerd,
      variants,
      atRate,
      dev,
      kv,
      bundles: { router: size(bundles.router), bare: size(bundles.bare) },
      coldStarts,
      load: {
        ...opts.load,
        rounds: opts.rounds,
        devRounds: opts.devRounds,
        rateRounds: opts.rateRounds,
        rate: opts.rate,
        batchBytes: Buffer.byteLength(ndjsonBatch()),
        pinned,
      },
    };
  } finally {
    await origin.stop();
  }
}
