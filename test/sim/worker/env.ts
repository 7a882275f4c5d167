import type { Env } from "../../../worker/env";

/** The project's bindings plus the simulation's own knobs (wrangler.toml beside this file). */
export interface SimEnv extends Env {
  SIM_LOCATIONS?: string;
  SIM_ISOLATES?: string;
  SIM_MAX_LAG_MS?: string;
  SIM_SEED?: string;
  SIM_FLAG_SOURCE?: string;
  /** `workerd` (default): each location's Cache API is workerd's; `memory`: simulated (location-cache.ts). */
  SIM_LOCATION_CACHE?: string;
}
