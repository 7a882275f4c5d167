import type { Flag } from "../../shared/schemas";
import { controller } from "../controller/stub";
import type { Env } from "../env";
import { flagCache } from "../flag/cache";
import { FastFlag, type WaitUntil } from "../flag/fast";
import { cacheFastPath, FlagSource } from "../flag/source";
import { TierLink } from "../tier/link";
import { locationTier } from "../tier/stub";
import { type Counters, counters } from "./counters";
import { type Ejection, ejection } from "./ejection";

/**
 * What the router keeps between requests in one isolate: where it learns the flag, and its counters.
 * Production has one per isolate (`isolate` below); the many-location simulation (test/sim) hosts
 * several in one Worker, each in a simulated edge location, each with its own view of the flag.
 */
export interface RouterIsolate {
  /** `ctx` lets the flag source refresh in the background (the fast path); without it, KV alone. */
  flag(env: Env, flagCacheMs: number, ctx?: Pick<ExecutionContext, "waitUntil">): Promise<Flag>;
  readonly counters: Counters;
  /** outlier ejection state (per isolate: each location learns on its own). */
  readonly ejection: Ejection;
  /** learns where this isolate runs from a request (an isolate stays in one location). */
  locate?(request: Request): void;
  /** hands the counters on itself (to its location's tier); false: the router reports to the controller. */
  flush?(env: Env, ctx: WaitUntil): boolean;
}

/** The edge location this isolate runs in (`request.cf.colo`; `local` under wrangler dev, which has none). */
let colo: string | null = null;

/** This isolate's link to its location's tier (LOCATION_TIER, on by default): reports and the flag, one call a second. */
/**
 * Fast-path answers are shared per location in `caches.default`, keyed by the controller's id (unique per
 * Worker and controller name, so Workers on one zone never mix them). On workers.dev the Cache API does
 * nothing: every isolate then asks its tier, and the controller still sees one request per location.
 */
const where = (env: Env) => ({
  cache: async () => caches.default,
  key: `https://flag-fast-path.internal/${controller(env).id.toString()}`,
});

/** This isolate's link to its location's tier (LOCATION_TIER, on by default): the flag and the counts. */
export const tierLink = new TierLink(counters, (env: Env) => {
  const tier = locationTier(env, colo ?? "local");
  return tier ? { tier, location: colo ?? "local", ...where(env) } : null;
});

/** Without a tier, today's fast path: the location's cache, else the controller. */
const cachePath = cacheFastPath(new FastFlag(), where);

/** The isolate's two possible flag sources (one KV cache): which one applies is fixed by its env. */
export const flagSources = { tier: new FlagSource(flagCache, tierLink), cache: new FlagSource(flagCache, cachePath) };

export const isolate: RouterIsolate = {
  flag: (env, flagCacheMs, ctx) =>
    (tierLink.on(env) ? flagSources.tier : flagSources.cache).get(env, env.ROUTING, flagCacheMs, ctx),
  counters,
  ejection,
  locate(request) {
    colo ??= typeof request.cf?.colo === "string" ? request.cf.colo : "local";
  },
  flush(env, ctx) {
    if (!tierLink.on(env)) return false;
    tierLink.flush(env, ctx);
    return true;
  },
};
