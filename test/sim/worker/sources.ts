import type { Env } from "../../../worker/env";
import { FlagCache } from "../../../worker/flag/cache";
import type { FastPath } from "../../../worker/flag/fast";
import { FastFlag } from "../../../worker/flag/fast";
import { cacheFastPath, FlagSource as Fenced } from "../../../worker/flag/source";
import type { Counters } from "../../../worker/router/counters";
import type { RouterIsolate } from "../../../worker/router/isolate";
import { TierLink } from "../../../worker/tier/link";
import type { Propagation } from "./propagation";
import type { SimLocationTier } from "./tier";

/** What a simulated isolate's flag source may use: its location, and its own counters. */
export interface LocationContext {
  /** the location's index (isolate i runs in location i % SIM_LOCATIONS). */
  index: number;
  propagation: Propagation;
  counters: Counters;
}

/** How a simulated isolate learns the flag (and, with a tier, hands its counts on), and its fast path. */
export type FlagSource = (
  loc: LocationContext,
) => Pick<RouterIsolate, "flag" | "flush"> & { fast: FastPath<Env>; kv: FlagCache };

/** A location's own Cache API (production: `caches.default` of the location), and the key in it. */
export const locationCache = (index: number) => ({
  cache: () => caches.open(`sim-location-${index}`),
  key: "https://flag-fast-path.internal/sim",
});

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
      cacheFastPath(new FastFlag(), () => locationCache(loc.index)),
    );
    const view = loc.propagation.view(loc.index);
    return {
      flag: (env, flagCacheMs, ctx) => source.get(env, view, flagCacheMs, ctx),
      fast: source.fast,
      kv: source.kv,
    };
  },
  tier(loc) {
    const link = new TierLink(loc.counters, (env: Env) => ({
      tier: simTier(env, loc.index),
      location: `sim-${loc.index}`,
      ...locationCache(loc.index),
    }));
    const source = new Fenced(new FlagCache(), link);
    const view = loc.propagation.view(loc.index);
    return {
      flag: (env, flagCacheMs, ctx) => source.get(env, view, flagCacheMs, ctx),
      fast: link,
      kv: source.kv,
      flush(env, ctx) {
        link.flush(env, ctx);
        return true;
      },
    };
  },
};
