import { FlagCache } from "../../../worker/flag/cache";
import { FastFlag } from "../../../worker/flag/fast";
import { FlagSource as Fenced } from "../../../worker/flag/source";
import type { RouterIsolate } from "../../../worker/router/isolate";
import type { Propagation } from "./propagation";

/** What a location's flag source may use. */
export interface LocationContext {
  index: number;
  propagation: Propagation;
}

/** How a simulated location learns the flag: the router's `flag` for that location, and its fast path if any. */
export type FlagSource = (loc: LocationContext) => { flag: RouterIsolate["flag"]; fast: FastFlag | null };

/** A location's own Cache API (production: `caches.default` of the location), and the key in it. */
export const locationCache = (index: number) => ({
  cache: () => caches.open(`sim-location-${index}`),
  key: "https://flag-fast-path.internal/sim",
});

/**
 * The flag sources a simulation can run with (SIM_FLAG_SOURCE). `kv`: production's, the router's own
 * flag source: KV through the location's lagging view and, unless FLAG_FAST_PATH is off, the fast path
 * through the location's own cache, fenced by epoch.
 */
export const SOURCES: Record<string, FlagSource> = {
  kv(loc) {
    const source = new Fenced(new FlagCache(), new FastFlag(), () => locationCache(loc.index));
    const view = loc.propagation.view(loc.index);
    return { flag: (env, flagCacheMs, ctx) => source.get(env, view, flagCacheMs, ctx), fast: source.fast };
  },
};
