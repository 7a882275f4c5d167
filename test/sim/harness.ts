// The many-location simulation, from the test's side: starts its Worker (test/sim/worker) with the
// stand-in platform, and talks to its /sim/* hooks. Reusable by any test that needs edge locations whose
// view of the flag lags (see traffic.ts for load and truth.ts for what really happened).
import { resolve } from "node:path";
import { type Stack, type StackOptions, startStack } from "../support/stack";

export const SIM_CONFIG = resolve(import.meta.dirname, "worker/wrangler.toml");
/** The request header that picks the simulated location (the sim Worker removes it). */
export const LOCATION_HEADER = "x-sim-location";

/** Deployment thresholds that let a simulation's deployment validate within a second or two of traffic. */
export const SIM_THRESHOLDS = { probeIntervalMs: 100, minSamples: 4, minRouterRequests: 20 };

export interface SimOptions extends StackOptions {
  /** simulated edge locations (SIM_LOCATIONS). */
  locations?: number;
  /** simulated router isolates over those locations, isolate i in location i % locations (default one each). */
  isolates?: number;
  /** the most a KV write takes to reach a location, ms (SIM_MAX_LAG_MS); each location and write draws 0..this. */
  maxLagMs?: number;
  seed?: number;
  /** how a location learns the flag (SIM_FLAG_SOURCE, see worker/sources.ts). */
  flagSource?: string;
}

export interface Sim extends Stack {
  locations: number;
  /** router isolates (`LOCATION_HEADER: i` picks isolate i). */
  isolates: number;
  maxLagMs: number;
  /** makes the controller's KV writes fail (or work again). */
  kvFaults(faults: { failPuts?: boolean }): Promise<void>;
  /** while held, alarms the runtime delivers do nothing (so a test runs them itself). */
  holdAlarms(held: boolean): Promise<void>;
  /** runs the controller's alarm handler twice in a row; its storage and KV's flag after each run. */
  alarmTwice(): Promise<{ first: string; second: string }>;
  /** KV's raw flag, and writing it behind the controller's back. */
  kv(): Promise<string | null>;
  putKv(raw: string): Promise<void>;
  /** makes the controller's fast-path reads fail or answer late (or work again, with `{}`). */
  fastPathFaults(faults: { fail?: boolean; delayMs?: number }): Promise<void>;
  /** when the controller answered fast-path reads (unix ms), and each location's counts of its own. */
  fastPath(): Promise<{
    controllerReads: number[];
    perLocation: Array<{ reads: number; failures: number; cacheHits: number }>;
  }>;
  /** puts `flag` into location i's fast-path cache as if just read from the controller. */
  plantFastPathEntry(location: number, flag: unknown): Promise<void>;
  /** the controller answers no router for `ms` (reports, tier exchanges and fast-path reads fail). */
  outage(ms: number): Promise<void>;
  /** the scale simulation's raw figures (test/sim/worker/index.ts, scaleFigures). */
  scale<T>(): Promise<T>;
  /** every value KV held, with when it became visible at each location. */
  writes(): Promise<Array<{ raw: string | null; seenAt: number; visibleAt: number[] }>>;
}

export async function startSim(opts: SimOptions = {}): Promise<Sim> {
  const locations = opts.locations ?? 20;
  const isolates = opts.isolates ?? locations;
  const maxLagMs = opts.maxLagMs ?? 3000;
  const stack = await startStack({
    ...opts,
    config: SIM_CONFIG,
    vars: {
      SIM_LOCATIONS: String(locations),
      SIM_ISOLATES: String(isolates),
      SIM_MAX_LAG_MS: String(maxLagMs),
      SIM_SEED: String(opts.seed ?? 1),
      SIM_FLAG_SOURCE: opts.flagSource ?? "kv",
      ...opts.vars,
    },
  });
  const sim = async <T>(method: string, path: string, body?: string): Promise<T> => {
    const res = await fetch(`${stack.worker.url}/sim/${path}`, { method, body });
    if (!res.ok) throw new Error(`${method} /sim/${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    ...stack,
    locations,
    isolates,
    maxLagMs,
    outage: (ms) => sim("POST", "outage", JSON.stringify(ms)),
    scale: () => sim("GET", "scale"),
    kvFaults: (faults) => sim("POST", "faults", JSON.stringify(faults)),
    holdAlarms: (held) => sim("POST", "hold-alarms", JSON.stringify(held)),
    alarmTwice: () => sim("POST", "alarm-twice"),
    kv: async () => (await sim<{ value: string | null }>("GET", "kv")).value,
    putKv: (raw) => sim("PUT", "kv", raw),
    writes: () => sim("GET", "writes"),
    fastPathFaults: (faults) => sim("POST", "fast-path-faults", JSON.stringify(faults)),
    fastPath: () => sim("GET", "fast-path"),
    plantFastPathEntry: (location, flag) => sim("PUT", `fast-cache/${location}`, JSON.stringify(flag)),
  };
}
