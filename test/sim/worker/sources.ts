import { FlagCache } from "../../../worker/flag";
import type { RouterIsolate } from "../../../worker/isolate";
import type { Propagation } from "./propagation";

/** What a location's flag source may use. */
export interface LocationContext {
  index: number;
  propagation: Propagation;
}

/** How a simulated location learns the flag: the router's `flag` for that location. */
export type FlagSource = (loc: LocationContext) => RouterIsolate["flag"];

/**
 * The flag sources a simulation can run with (SIM_FLAG_SOURCE). `kv`: production's, the router's own
 * FlagCache reading KV, here through the location's lagging view.
 */
export const SOURCES: Record<string, FlagSource> = {
  kv(loc) {
    const cache = new FlagCache();
    const view = loc.propagation.view(loc.index);
    return (_env, flagCacheMs) => cache.get(view, flagCacheMs);
  },
};
