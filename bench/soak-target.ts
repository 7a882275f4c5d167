// What `npm run soak` runs: the whole stack (or the bare pass-through Worker in front of the same origin),
// steady load from real producers, and optionally deploy cycles through the control API.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { State, StorageUse } from "../shared";
import { createPlatform } from "../test/platform/platform";
import { LogStore } from "../test/platform/store";
import { HttpShipper } from "../test/producers/http-shipper";
import { OtelProducer } from "../test/producers/otel-producer";
import type { Producer } from "../test/producers/producer";
import { sleep } from "../test/support/api";
import { type Stack, startStack } from "../test/support/stack";
import { startWorker, type WorkerHandle } from "../test/support/worker";
import { deployIdle } from "./deploy";
import { CONFIG } from "./router-cost";

export interface Target {
  worker: WorkerHandle;
  /** the Worker's wrangler.toml `name` (its inspector target is `core:user:<name>`). */
  name: string;
  store: LogStore;
  /** our stack (control API, origins); null for the bare Worker. */
  stack: Stack | null;
  /** the controller's storage use; null for the bare Worker. */
  storage(): Promise<StorageUse | null>;
  stop(): Promise<void>;
}

export async function startOurs(): Promise<Target> {
  // DRAIN_SECONDS 1: deploy cycles follow each other without waiting out `color_draining`.
  const stack = await startStack({ drainSeconds: 1 });
  return {
    worker: stack.worker,
    name: "edge-bluegreen",
    store: stack.store,
    stack,
    storage: async () => {
      const res = await fetch(`${stack.worker.url}/api/state`, {
        headers: { authorization: `Bearer ${stack.token}` },
        signal: AbortSignal.timeout(10_000),
      });
      return ((await res.json()) as State).storage ?? null;
    },
    stop: stack.stop,
  };
}

/** The bare pass-through Worker (bench/passthrough) in front of one origin of the stand-in platform. */
export async function startBare(): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), "bg-soak-"));
  const store = new LogStore(join(dir, "logs.db"));
  const origin = await createPlatform({ color: "blue", version: "v1", store });
  const worker = await startWorker({ config: CONFIG.bare, vars: { ORIGIN: origin.url } });
  return {
    worker,
    name: "bench-passthrough",
    store,
    stack: null,
    storage: async () => null,
    stop: async () => {
      await worker.stop();
      await origin.close();
      store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** 400 lines/s: three NDJSON shippers (100 entries/s, batches of 10) and the OpenTelemetry exporter (100/s). */
export function soakProducers(url: string): Producer[] {
  const producers: Producer[] = [
    ...[1, 2, 3].map((n) => new HttpShipper({ url, producer: `soak-shipper-${n}`, entriesPerSecond: 100 })),
    new OtelProducer({ url, producer: "soak-otel", recordsPerSecond: 100 }),
  ];
  for (const p of producers) p.start();
  return producers;
}

/**
 * Quick probe rounds: a cycle takes seconds, so the history fills in minutes. No router traffic needed
 * for a verdict: the prefill runs before the load starts.
 */
const THRESHOLDS = { probeIntervalMs: 250, minSamples: 4, minRouterRequests: 0 };

/**
 * One deploy cycle of three kinds in turn, as in production: a good release (validated, promoted, watched),
 * the operator's manual rollback, and a release whose health fails while watched (rolled back automatically).
 * Returns what happened, e.g. `succeeded`.
 */
export async function deployCycle(s: Stack, n: number, watchSeconds: number): Promise<string> {
  const kind = n % 3;
  if (kind === 1) {
    const r = await s.control.call("POST", "/api/rollback", { reason: `soak cycle ${n}` });
    return r.status === 200 ? "rolled_back_manually" : `rollback ${r.status} ${JSON.stringify(r.json)}`;
  }
  const d = await deployIdle(s, { version: `soak-${n}`, watchSeconds, thresholds: THRESHOLDS });
  if (kind === 0) return (await s.control.waitFor(d.id, undefined, 60_000 + watchSeconds * 1000)).status;
  await s.control.waitFor(d.id, "watching", 60_000);
  s.platforms[d.color].setFaults({ unhealthy: true });
  try {
    return (await s.control.waitFor(d.id, undefined, 60_000 + watchSeconds * 1000)).status;
  } finally {
    s.platforms[d.color].setFaults({});
  }
}

/** Runs a deploy cycle every `everyMs` until stopped; each outcome goes to `log`. */
export function deployLoop(s: Stack, everyMs: number, first: number, log: (line: string) => void) {
  let running = true;
  let n = first;
  const done = (async () => {
    while (running) {
      const started = Date.now();
      const outcome = await deployCycle(s, n, 2).catch((e: Error) => `error: ${e.message}`);
      log(`deploy cycle ${n}: ${outcome}`);
      n++;
      while (running && Date.now() - started < everyMs) await sleep(200);
    }
  })();
  return {
    cycles: () => n - first,
    async stop() {
      running = false;
      await done;
    },
  };
}
