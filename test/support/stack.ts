import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Color } from "../../shared";
import type { Faults } from "../platform/faults";
import { createPlatform, type Platform } from "../platform/platform";
import { LogStore } from "../platform/store";
import { ControlClient } from "./control";
import { startWorker, type WorkerHandle } from "./worker";

export interface StackOptions {
  /** versions the two origins start with; both v1 by default (the idle color runs the last release). */
  versions?: Partial<Record<Color, string>>;
  faults?: Partial<Record<Color, Faults>>;
  /** DRAIN_SECONDS: small, so consecutive deployments in one test do not get 409 color_draining. */
  drainSeconds?: number;
  /** further `--var` overrides for the Worker (FLAG_CACHE_MS, …). */
  vars?: Record<string, string>;
  /** stream wrangler's output to stderr. */
  echo?: boolean;
}

export interface Stack {
  worker: WorkerHandle;
  /** the two origins (in this process): setVersion/setFaults "deploy" a release, kill() crashes one. */
  platforms: Record<Color, Platform>;
  /** the downstream store both colors write to. */
  store: LogStore;
  storePath: string;
  token: string;
  control: ControlClient;
  stop(): Promise<void>;
}

/**
 * The whole system on loopback: blue and green origins of the stand-in platform sharing one SQLite store,
 * and the real Worker (`wrangler dev`) routing between them.
 */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), "bg-stack-"));
  const storePath = join(dir, "logs.db");
  const store = new LogStore(storePath);
  const origin = (color: Color) =>
    createPlatform({ color, version: opts.versions?.[color] ?? "v1", faults: opts.faults?.[color], store });
  const [blue, green] = await Promise.all([origin("blue"), origin("green")]);
  const platforms = { blue, green };
  const token = randomUUID();
  const cleanup = async () => {
    await Promise.all([blue.close(), green.close()]);
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
    });
  } catch (e) {
    await cleanup();
    throw e;
  }
  return {
    worker,
    platforms,
    store,
    storePath,
    token,
    control: new ControlClient(worker.url, token),
    stop: async () => {
      await worker.stop();
      await cleanup();
    },
  };
}
