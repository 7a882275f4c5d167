import { type Env, fastPathOn } from "../../../worker/env";
import { FlagCache } from "../../../worker/flag/cache";
import type { FastPath } from "../../../worker/flag/fast";
import { FastFlag, type LocationCache, type WaitUntil } from "../../../worker/flag/fast";
import { cacheFastPath, FlagSource as Fenced } from "../../../worker/flag/source";
import type { Counters } from "../../../worker/router/counters";
import type { RouterIsolate } from "../../../worker/router/isolate";
import { TierLink } from "../../../worker/tier/link";
import { MemoryLocationCache } from "./location-cache";
import type { Propagation } from "./propagation";
import type { SimLocationTier } from "./tier";

/** What a simulated isolate's flag source may use: its location, and its own counters. */
export interface LocationContext {
  /** the location's index (isolate i runs in location i % SIM_LOCATIONS). */
  index: number;
  propagation: Propagation;
  counters: Counters;
  /** the location's Cache API, and the key of the flag's entry in it. */
  cache: { cache: () => Promise<LocationCache>; key: string };
}

/** How a simulated isolate learns the flag (and, with a tier, hands its counts on), and its fast path. */
export type FlagSource = (loc: LocationContext) => Pick<RouterIsolate, "flag" | "flush"> & {
  fast: FastPath<Env>;
  kv: FlagCache;
  /** the epoch a request arriving now would route by, without waiting for it (see `routingNow`). */
  routing(env: Env, flagCacheMs: number, ctx: WaitUntil): number;
};

/**
 * The epoch a request arriving now would route by, answered at once: the request's flag lookup runs as
 * a request's does (a KV read when due, a fast-path refresh when due), in the background, and the answer is
 * the highest epoch the isolate already knows (its fence, its fast path). Polling this every 100 ms is every
 * isolate getting a request every 100 ms (a busy one), at a cost the poll does not notice (awaiting 1,000
 * lookups took the loaded machine seconds per poll, which the revert time then measured).
 */
function routingNow(source: Fenced, view: KVNamespace, env: Env, flagCacheMs: number, ctx: WaitUntil): number {
  const known = fastPathOn(env) ? source.fast.peek(env, ctx) : null;
  ctx.waitUntil(source.get(env, view, flagCacheMs, ctx));
  return Math.max(source.fence.current()?.epoch ?? 0, known?.epoch ?? 0);
}

const CACHE_KEY = "https://flag-fast-path.internal/sim";

/**
 * Each location's own Cache API (production: `caches.default` of the location), and the key in it:
 * workerd's (a named cache per location), or with SIM_LOCATION_CACHE=memory a simulated one (see
 * location-cache.ts for why the scale simulation needs it).
 */
export function locationCaches(kind: string | undefined): (index: number) => LocationContext["cache"] {
  if (kind !== undefined && kind !== "workerd" && kind !== "memory") {
    throw new Error(`SIM_LOCATION_CACHE ${kind}: not workerd or memory`);
  }
  const memory = new Map<number, MemoryLocationCache>();
  const inMemory = (index: number) => {
    const cache = memory.get(index) ?? new MemoryLocationCache();
    memory.set(index, cache);
    return cache;
  };
  return (index) => ({
    cache: kind === "memory" ? async () => inMemory(index) : () => caches.open(`sim-location-${index}`),
    key: CACHE_KEY,
  });
}

/** Location i's tier: production's LocationTier class, one object per simulated location. */
export function simTier(env: Env, index: number): DurableObjectStub<SimLocationTier> {
  const ns = env.LOCATIONS as unknown as DurableObjectNamespace<SimLocationTier>;
  return ns.get(ns.idFromName(`sim/${index}`));
}

/**
 * The flag sources a simulation can run with (SIM_FLAG_SOURCE), both production's: KV through the
 * location's lagging view, fenced by epoch with a fast path unless FLAG_FAST_PATH is off. `kv`: the fast
 * path through the location's own cache, counts straight to the controller (the design before the tier).
 * `tier`: the location's tier for both the flag and the counts (LOCATION_TIER).
 */
export const SOURCES: Record<string, FlagSource> = {
  kv(loc) {
    const source = new Fenced(
      new FlagCache(),
      cacheFastPath(new FastFlag(), () => loc.cache),
    );
    const view = loc.propagation.view(loc.index);
    return {
      flag: (env, flagCacheMs, ctx) => source.get(env, view, flagCacheMs, ctx),
      routing: (env, flagCacheMs, ctx) => routingNow(source, view, env, flagCacheMs, ctx),
      fast: source.fast,
      kv: source.kv,
    };
  },
  tier(loc) {
    const link = new TierLink(loc.counters, (env: Env) => ({
      tier: simTier(env, loc.index),
      location: `sim-${loc.index}`,
      ...loc.cache,
    }));
    const source = new Fenced(new FlagCache(), link);
    const view = loc.propagation.view(loc.index);
    return {
      flag: (env, flagCacheMs, ctx) => source.get(env, view, flagCacheMs, ctx),
      routing: (env, flagCacheMs, ctx) => routingNow(source, view, env, flagCacheMs, ctx),
      fast: link,
      kv: source.kv,
      flush(env, ctx) {
        link.flush(env, ctx);
        return true;
      },
    };
  },
};
