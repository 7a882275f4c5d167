import type { Flag } from "../shared/schemas";
import { type Counters, counters } from "./counters";
import type { Env } from "./env";
import { flagCache } from "./flag";

/**
 * What the router keeps between requests in one isolate: where it learns the flag, and its counters.
 * Production has one per isolate (`isolate` below); the many-location simulation (test/sim) hosts
 * several in one Worker, one per simulated edge location, each with its own view of the flag.
 */
export interface RouterIsolate {
  flag(env: Env, flagCacheMs: number): Promise<Flag>;
  readonly counters: Counters;
}

export const isolate: RouterIsolate = {
  flag: (env, flagCacheMs) => flagCache.get(env.ROUTING, flagCacheMs),
  counters,
};
