import type { Env } from "../../../worker/env";
import type { FlagCache } from "../../../worker/flag/cache";
import type { FastPath, WaitUntil } from "../../../worker/flag/fast";
import { Counters } from "../../../worker/router/counters";
import { Ejection } from "../../../worker/router/ejection";
import type { RouterIsolate } from "../../../worker/router/isolate";
import type { SimEnv } from "./env";
import { Propagation } from "./propagation";
import { type LocationContext, locationCaches, SOURCES } from "./sources";

const num = (v: string | undefined, fallback: number) => (v ? Number(v) : fallback);

/** An isolate's counters that also count every outcome recorded (what the controller should receive). */
class CountedCounters extends Counters {
  recorded = 0;

  override record(...args: Parameters<Counters["record"]>): void {
    this.recorded++;
    super.record(...args);
  }
}

/** One simulated router isolate: its own flag source, counters and ejection, in location `location`. */
export interface Location extends RouterIsolate {
  index: number;
  location: number;
  /** its fast path: reads and failures are counted there; its KV reads in `kv`. */
  fast: FastPath<Env>;
  kv: FlagCache;
  /** the epoch a request arriving now would route by, at once (GET /sim/epochs). */
  routing(env: Env, flagCacheMs: number, ctx: WaitUntil): number;
  readonly counters: CountedCounters;
}

/**
 * The simulated edge: SIM_ISOLATES router isolates (default one per location) over SIM_LOCATIONS
 * locations, isolate i in location i % SIM_LOCATIONS, sharing one simulated KV propagation.
 */
export class World {
  readonly propagation: Propagation;
  /** the isolates (`x-sim-location: i` picks isolate i; with one per location, location i's). */
  readonly locations: Location[];
  readonly locationCount: number;
  /** location i's Cache API (SIM_LOCATION_CACHE). */
  readonly cacheOf: (index: number) => LocationContext["cache"];

  constructor(env: SimEnv) {
    const source = SOURCES[env.SIM_FLAG_SOURCE ?? "kv"];
    if (!source) throw new Error(`SIM_FLAG_SOURCE ${env.SIM_FLAG_SOURCE}: not one of ${Object.keys(SOURCES)}`);
    this.propagation = new Propagation(env.ROUTING, num(env.SIM_MAX_LAG_MS, 3000), num(env.SIM_SEED, 1));
    this.locationCount = num(env.SIM_LOCATIONS, 20);
    this.cacheOf = locationCaches(env.SIM_LOCATION_CACHE);
    this.locations = Array.from({ length: num(env.SIM_ISOLATES, this.locationCount) }, (_, index) => {
      const location = index % this.locationCount;
      const counters = new CountedCounters();
      return {
        index,
        location,
        ...source({ index: location, propagation: this.propagation, counters, cache: this.cacheOf(location) }),
        counters,
        ejection: new Ejection(),
      };
    });
  }
}
