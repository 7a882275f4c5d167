import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Color } from "../../shared";
import { createPlatform, type Platform } from "../platform/platform";
import { LogStore } from "../platform/store";
import { controlApi } from "./api";
import { startWorker, type WorkerHandle } from "./worker";

export interface StackOptions {
  /** DRAIN_SECONDS: small, so consecutive deployments in one test do not get 409 color_draining. */
  drainSeconds?: number;
  /** further `--var` overrides for the Worker (FLAG_CACHE_MS, …). */
  vars?: Record<string, string>;
  /** stream wrangler's output to stderr. */
  echo?: boolean;
  /** the Worker's port; a free one by default. */
  port?: number;
  /** folder for the Worker's local KV/DO state, to restart on the same state; a fresh one by default. */
  persistTo?: string;
  /** another Worker's wrangler.toml (the many-location simulation's); the project's by default. */
  config?: string;
  /**
   * where the store and the Worker's state live (the system's temporary folder by default); the scale
   * simulation uses a memory file system (/dev/shm), where the store's fsync per batch costs nothing.
   */
  tmpRoot?: string;
  /** the versions the origins start with (both v1 by default). */
  versions?: Partial<Record<Color, string>>;
  /** both colors are naive origins: no dedupe by idempotency-key, no `"idempotency": "key"` in their health. */
  naive?: boolean;
}

export interface Stack {
  worker: WorkerHandle;
  /** the two origins (in this process): setVersion/setFaults "deploy" a release, kill() crashes one; replaceable. */
  platforms: Record<Color, Platform>;
  /** the downstream store both colors write to (a file: `store.path`, for origins run as processes). */
  store: LogStore;
  token: string;
  /** control API client authorised with `token`. */
  control: ReturnType<typeof controlApi>;
  stop(): Promise<void>;
}

/**
 * The whole system on loopback: blue and green origins of the stand-in platform sharing one SQLite store,
 * and the real Worker (`wrangler dev`) routing between them.
 */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const dir = await mkdtemp(join(opts.tmpRoot ?? tmpdir(), "bg-stack-"));
  const store = new LogStore(join(dir, "logs.db"));
  // Both colors start on v1: the idle one runs the last release, as after a finished deployment.
  const origin = (color: Color) =>
    createPlatform({ color, version: opts.versions?.[color] ?? "v1", store, naive: opts.naive });
  const [blue, green] = await Promise.all([origin("blue"), origin("green")]);
  const platforms = { blue, green };
  const token = randomUUID();
  const cleanup = async () => {
    // Whatever origins are there now: a test may have replaced one (a redeploy restarts the process).
    await Promise.all([platforms.blue.close(), platforms.green.close()]);
    store.close();
    await rm(dir, { recursive: true, force: true });
  };
  let worker: WorkerHandle;
  try {
    worker = await startWorker({
      vars: {
        BLUE_ORIGIN: blue.url,
        GREEN_ORIGIN: green.url,
        CONTROL_TOKEN: token,
        DRAIN_SECONDS: String(opts.drainSeconds ?? 1),
        ...opts.vars,
      },
      echo: opts.echo,
      port: opts.port,
      persistTo: opts.persistTo,
      tmpRoot: opts.tmpRoot,
      config: opts.config,
    });
  } catch (e) {
    await cleanup();
    throw e;
  }
  return {
    worker,
    platforms,
    store,
    token,
    control: controlApi(worker.url, token),
    stop: async () => {
      await worker.stop();
      await cleanup();
    },
  };
}

/** Deployment options for scenarios about the probes: about a second each, no live router traffic needed. */
export const QUICK_DEPLOY = {
  thresholds: { probeIntervalMs: 100, minSamples: 4, minRouterRequests: 0 },
  watchSeconds: 1,
};

/** Puts `version` on the idle color (what the action's deploy-command does), with `faults`; returns that color. */
export async function release(s: Stack, version: string, faults = {}): Promise<Color> {
  const color = (await s.control.state()).standby;
  s.platforms[color].setVersion(version);
  s.platforms[color].setFaults(faults);
  return color;
}
