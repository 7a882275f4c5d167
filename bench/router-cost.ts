import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { startWorker } from "../test/support/worker";
import { cannon, type LoadOptions, type LoadResult, ndjsonBatch } from "./load";
import { startOrigin } from "./origin";

export const TARGETS = ["router", "bare", "direct"] as const;
export type Target = (typeof TARGETS)[number];

export interface KvReads {
  reads: number;
  requests: number;
  seconds: number;
  flagCacheMs: number;
}

export interface RouterCost {
  rounds: Record<Target, LoadResult[]>;
  kv: KvReads;
  load: LoadOptions & { rounds: number; batchBytes: number };
}

const PASSTHROUGH_CONFIG = join(import.meta.dirname, "passthrough/wrangler.toml");

/** This isolate's KV flag reads; the count is per isolate, so a restarted isolate would void the figure. */
async function flagReads(workerUrl: string, isolate?: string): Promise<{ reads: number; isolate: string }> {
  const h = (await (await fetch(`${workerUrl}/healthz`)).json()) as { flagReads: number; isolate: string };
  if (isolate !== undefined && h.isolate !== isolate) throw new Error("the router's isolate changed during a run");
  return { reads: h.flagReads, isolate: h.isolate };
}

/**
 * The same batches through the edge router, a bare pass-through Worker and straight to the origin,
 * interleaved round by round so that background noise hits all three alike. The router's /healthz
 * flagReads are read around each of its runs: KV reads under load.
 */
export async function measureRouterCost(opts: {
  rounds: number;
  load: LoadOptions;
  warmupSeconds: number;
  flagCacheMs: number;
}): Promise<RouterCost> {
  const origin = await startOrigin();
  const stops = [origin.stop];
  try {
    const router = await startWorker({
      vars: {
        BLUE_ORIGIN: origin.url,
        GREEN_ORIGIN: origin.url,
        CONTROL_TOKEN: randomUUID(),
        FLAG_CACHE_MS: String(opts.flagCacheMs),
      },
    });
    stops.push(router.stop);
    const bare = await startWorker({ config: PASSTHROUGH_CONFIG, vars: { ORIGIN: origin.url } });
    stops.push(bare.stop);
    const urls: Record<Target, string> = { router: router.url, bare: bare.url, direct: origin.url };
    const body = ndjsonBatch();
    for (const t of TARGETS) await cannon(urls[t], body, { ...opts.load, seconds: opts.warmupSeconds });

    const rounds: Record<Target, LoadResult[]> = { router: [], bare: [], direct: [] };
    const kv: KvReads = { reads: 0, requests: 0, seconds: 0, flagCacheMs: opts.flagCacheMs };
    for (let i = 0; i < opts.rounds; i++) {
      for (const t of TARGETS) {
        const before = t === "router" ? await flagReads(router.url) : null;
        const r = await cannon(urls[t], body, opts.load);
        rounds[t].push(r);
        if (before) {
          kv.reads += (await flagReads(router.url, before.isolate)).reads - before.reads;
          kv.requests += r.requests;
          kv.seconds += opts.load.seconds;
        }
        console.log(`  round ${i + 1} ${t.padEnd(6)} ${r.rps.toFixed(0)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms`);
      }
    }
    return { rounds, kv, load: { ...opts.load, rounds: opts.rounds, batchBytes: Buffer.byteLength(body) } };
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}
