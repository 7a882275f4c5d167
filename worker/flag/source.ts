import type { Flag } from "../../shared/schemas";
import { controller } from "../controller/stub";
import { config, type Env, fastPathOn } from "../env";
import type { FlagCache } from "./cache";
import type { FastFlag, FastPath, FastPathIo, WaitUntil } from "./fast";

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

/** Today's fast path: the location's Cache API, else the controller's `currentFlag`. */
export function cacheFastPath(fast: FastFlag, where: (env: Env) => Pick<FastPathIo, "cache" | "key">): FastPath<Env> {
  return {
    peek: (env, ctx, now) => fast.peek(() => ({ ...where(env), read: () => controller(env).currentFlag() }), ctx, now),
    answering: (now) => fast.answering(now),
    get reads() {
      return fast.reads;
    },
    get failures() {
      return fast.failures;
    },
    get cacheHits() {
      return fast.cacheHits;
    },
  };
}

/**
 * Where a router learns the flag: with FLAG_FAST_PATH on, the fast path (never awaited), and KV, read at
 * most once per FLAG_CACHE_MS, awaited as before; fenced by epoch. While the fast path answers, KV is read
 * at most every KV_FALLBACK_MS: a KV write takes 60 s or more to spread, so reading it more often while the
 * fast path carries the flag buys nothing and is billed.
 */
export class FlagSource {
  readonly fence = new EpochFence();

  constructor(
    readonly kv: FlagCache,
    readonly fast: FastPath<Env>,
  ) {}

  async get(env: Env, kv: KVNamespace, flagCacheMs: number, ctx: WaitUntil | undefined): Promise<Flag> {
    const now = Date.now();
    const fromFast = ctx && fastPathOn(env) ? this.fast.peek(env, ctx, now) : null;
    const kvMs = fromFast && this.fast.answering(now) ? Math.max(flagCacheMs, config(env).kvFallbackMs) : flagCacheMs;
    return this.fence.pick(await this.kv.get(kv, kvMs, now), fromFast);
  }
}
