import type { Flag } from "../../shared/schemas";
import { controller } from "../controller/stub";
import type { Env } from "../env";
import { flagCache } from "../flag/cache";
import { FastFlag } from "../flag/fast";
import { FlagSource } from "../flag/source";
import { type Counters, counters } from "./counters";
import { type Ejection, ejection } from "./ejection";

/**
 * What the router keeps between requests in one isolate: where it learns the flag, and its counters.
 * Production has one per isolate (`isolate` below); the many-location simulation (test/sim) hosts
 * several in one Worker, one per simulated edge location, each with its own view of the flag.
 */
export interface RouterIsolate {
  /** `ctx` lets the flag source refresh in the background (the fast path); without it, KV alone. */
  flag(env: Env, flagCacheMs: number, ctx?: Pick<ExecutionContext, "waitUntil">): Promise<Flag>;
  readonly counters: Counters;
  /** outlier ejection state (per isolate: each location learns on its own). */
  readonly ejection: Ejection;
}

/**
 * This isolate's flag source. The fast path's answers are shared per location in `caches.default`, keyed
 * by the controller's id (unique per Worker and controller name, so Workers on one zone never mix them).
 */
export const flagSource = new FlagSource(flagCache, new FastFlag(), (env) => ({
  cache: async () => caches.default,
  key: `https://flag-fast-path.internal/${controller(env).id.toString()}`,
}));

export const isolate: RouterIsolate = {
  flag: (env, flagCacheMs, ctx) => flagSource.get(env, env.ROUTING, flagCacheMs, ctx),
  counters,
  ejection,
};
