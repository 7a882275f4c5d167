import type { FastFlag } from "../../../worker/flag/fast";
import { Counters } from "../../../worker/router/counters";
import { Ejection } from "../../../worker/router/ejection";
import type { RouterIsolate } from "../../../worker/router/isolate";
import type { SimEnv } from "./env";
import { Propagation } from "./propagation";
import { SOURCES } from "./sources";

const num = (v: string | undefined, fallback: number) => (v ? Number(v) : fallback);

/** One simulated edge location: a router isolate of its own (flag source, counters, ejection). */
export interface Location extends RouterIsolate {
  index: number;
  /** its fast path (null when its flag source has none): reads and failures are counted there. */
  fast: FastFlag | null;
}

/** The simulated edge: SIM_LOCATIONS locations sharing one simulated KV propagation. */
export class World {
  readonly propagation: Propagation;
  readonly locations: Location[];

  constructor(env: SimEnv) {
    const source = SOURCES[env.SIM_FLAG_SOURCE ?? "kv"];
    if (!source) throw new Error(`SIM_FLAG_SOURCE ${env.SIM_FLAG_SOURCE}: not one of ${Object.keys(SOURCES)}`);
    this.propagation = new Propagation(env.ROUTING, num(env.SIM_MAX_LAG_MS, 3000), num(env.SIM_SEED, 1));
    this.locations = Array.from({ length: num(env.SIM_LOCATIONS, 20) }, (_, index) => ({
      index,
      ...source({ index, propagation: this.propagation }),
      counters: new Counters(),
      ejection: new Ejection(),
    }));
  }
}
