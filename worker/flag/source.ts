import type { Flag } from "../../shared/schemas";
import { controller } from "../controller/stub";
import { type Env, fastPathOn } from "../env";
import type { FlagCache } from "./cache";
import type { FastFlag, FastPathIo, WaitUntil } from "./fast";

/**
 * The epoch fence: of the flags a router learns (KV's, the fast path's), it routes by the one with the
 * highest epoch, and never by an epoch lower than one it has already routed by. So a stale cache entry,
 * a KV location that lags, or a failed fast path can delay a switch but never undo one.
 */
export class EpochFence {
  private used: Flag | null = null;

  pick(...candidates: Array<Flag | null>): Flag {
    for (const c of candidates) {
      // Ties keep the flag in use: both sources carry the controller's flag for an epoch.
      if (c && (this.used === null || c.epoch > this.used.epoch)) this.used = c;
    }
    if (this.used === null) throw new Error("the epoch fence needs at least one flag");
    return this.used;
  }

  /** The flag this isolate routes by now (null before its first request). */
  current(): Flag | null {
    return this.used;
  }
}

/**
 * Where a router learns the flag: KV (read at most once per FLAG_CACHE_MS, awaited as before) and, with
 * FLAG_FAST_PATH on, the controller's flag through the fast path (never awaited), fenced by epoch.
 */
export class FlagSource {
  readonly fence = new EpochFence();

  constructor(
    readonly kv: FlagCache,
    readonly fast: FastFlag,
    /** the cache a location shares, and its key, for this Worker's controller. */
    private readonly where: (env: Env) => Pick<FastPathIo, "cache" | "key">,
  ) {}

  async get(env: Env, kv: KVNamespace, flagCacheMs: number, ctx: WaitUntil | undefined): Promise<Flag> {
    const fromKv = await this.kv.get(kv, flagCacheMs);
    const fromFast =
      ctx && fastPathOn(env)
        ? this.fast.peek(() => ({ ...this.where(env), read: () => controller(env).currentFlag() }), ctx)
        : null;
    return this.fence.pick(fromKv, fromFast);
  }
}
