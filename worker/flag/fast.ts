import { Flag } from "../../shared/schemas";

/**
 * How long a fast-path answer is reused, in this isolate and in the location's Cache API: at most about
 * one controller read per location per TTL. The Cache API keeps whole seconds, so this is one second.
 */
export const FAST_PATH_TTL_MS = 1000;
/** A controller read slower than this counts as failed (it runs in the background; KV applies meanwhile). */
export const FAST_PATH_TIMEOUT_MS = 1000;
/** A refresh still running after this is taken for lost (a cancelled request's I/O never settles). */
export const REFRESH_STALL_MS = 5 * FAST_PATH_TIMEOUT_MS;
/**
 * A fast path answers while its newest flag was read from the controller less than this long ago; then KV
 * is only a fallback (KV_FALLBACK_MS). Past it (the controller or the way to it fails), KV is read per
 * FLAG_CACHE_MS again.
 */
export const ANSWERING_MS = 3 * FAST_PATH_TTL_MS;
/**
 * An isolate keeps an answer up to this much past its TTL (its own random share, fixed for its life). All
 * isolates of a location read the same cached answer, so without it they would all expire at one instant
 * and each ask upstream (the tier or the controller) at its next request; spread, the first to expire puts
 * the new answer in the location's cache and the others find it there: about one upstream read per
 * location per TTL, not one per isolate. A switch takes at most this much longer to reach a router.
 */
export const REFRESH_SPREAD_MS = 250;
/** Header on the cached entry: when the controller was read (unix ms), so a hit is judged by its true age. */
const READ_AT = "x-flag-read-at";

/** A read through a location tier: the flag (null: it has none yet) and when the controller was read (unix ms). */
export interface FastAnswer {
  flag: Flag | null;
  readAt: number;
}

/** The part of the Cache API a location's shared answer needs (the simulation gives each location its own). */
export type LocationCache = Pick<Cache, "match" | "put">;

/**
 * What a refresh uses: the controller's flag (straight, aged from when the read started, or through the
 * location tier, with its age), and the cache (with a synthetic URL in it) a location shares.
 */
export interface FastPathIo {
  read(): Promise<Flag | FastAnswer>;
  cache(): Promise<LocationCache>;
  key: string;
}

/** The part of a request's ExecutionContext a background refresh needs. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * A fast path for the flag beside KV (never awaited): the flag it knows, refreshed in the background, and
 * whether it answers (then KV is only a fallback). Its reads and failures are counted for /healthz.
 */
export interface FastPath<E> {
  peek(env: E, ctx: WaitUntil, now?: number): Flag | null;
  answering(now: number): boolean;
  readonly reads: number;
  readonly failures: number;
  readonly cacheHits: number;
}

interface Known {
  flag: Flag;
  /** the controller read it this long ago at most: reused until then. */
  freshUntil: number;
  /** when the controller was read (unix ms). */
  readAt: number;
}

/** Whether a flag the controller answered at `readAt` still makes the fast path an answering one. */
export const answeringSince = (readAt: number | undefined, now: number): boolean =>
  readAt !== undefined && now - readAt < ANSWERING_MS;

/** The cache entry of a controller answer read at `readAt` (unix ms). */
export const cacheEntry = (flag: Flag, readAt: number, maxAgeMs = FAST_PATH_TTL_MS): Response =>
  new Response(JSON.stringify(flag), {
    headers: {
      "content-type": "application/json",
      "cache-control": `max-age=${Math.ceil(maxAgeMs / 1000)}`,
      [READ_AT]: String(readAt),
    },
  });

/** `p`, or a rejection once it has not settled within `ms` (what it does later is ignored). */
export function settleWithin<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  p.catch(() => undefined);
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => {
    if (timer !== null) clearTimeout(timer);
  });
}

/**
 * The controller's current flag, learnt beside KV (DESIGN.md, FLAG_FAST_PATH). `peek` never waits: it
 * answers what this isolate knows and, when that is older than the TTL, refreshes it in the background
 * (stale-while-revalidate through `waitUntil`): first from the location's cache, else from the controller,
 * whose answer is then cached for the location's other isolates. One refresh at a time per isolate.
 * A failure leaves the last answer in place (the epoch fence makes an old one harmless) and is not
 * retried within the TTL, so a failing controller is asked no more often than a healthy one.
 */
export class FastFlag {
  /**
   * How old (since the controller was read) an answer may be used: one TTL, whether this isolate read the
   * controller itself or through its location's tier (whose answer may already be up to a TTL old: then it
   * is used for what is left of its TTL, so a switch reaches every router within about a TTL).
   */
  constructor(
    private readonly maxAgeMs = FAST_PATH_TTL_MS,
    /** this isolate's share of REFRESH_SPREAD_MS. */
    private readonly spreadMs = Math.floor(Math.random() * REFRESH_SPREAD_MS),
  ) {}

  private known: Known | null = null;
  private retryAt = 0;
  /** the refresh in progress, by identity: one that never ends (its request was cancelled) is given up. */
  private refreshing: { since: number } | null = null;
  /** controller reads this isolate made, the failed or slow ones among them, and answers found in the cache. */
  reads = 0;
  failures = 0;
  cacheHits = 0;

  peek(io: () => FastPathIo, ctx: WaitUntil, now = Date.now()): Flag | null {
    const due = now >= (this.known?.freshUntil ?? 0) && now >= this.retryAt;
    const busy = this.refreshing !== null && now - this.refreshing.since < REFRESH_STALL_MS;
    if (due && !busy) {
      const mine = { since: now };
      this.refreshing = mine;
      ctx.waitUntil(
        this.refresh(io()).finally(() => {
          if (this.refreshing === mine) this.refreshing = null;
        }),
      );
    }
    return this.known?.flag ?? null;
  }

  answering(now = Date.now()): boolean {
    return answeringSince(this.known?.readAt, now);
  }

  private async refresh({ read, cache: open, key }: FastPathIo): Promise<void> {
    const cache = await open().catch(() => null);
    if (cache && (await this.fromCache(cache, key))) return;
    this.reads++;
    const started = Date.now();
    let answer: FastAnswer;
    try {
      const got = await settleWithin(read(), FAST_PATH_TIMEOUT_MS);
      // Aged from when the read started (the flag may have changed since), or from when a tier read it.
      answer = "readAt" in got ? got : { flag: Flag.parse(got), readAt: started };
      // A tier that has not reached the controller for a while answers an old flag: that is a failure too
      // (KV takes over, and the tier is not asked again within the TTL).
      if (answer.flag === null || Date.now() >= answer.readAt + this.maxAgeMs) throw new Error("no fresh flag");
    } catch {
      this.failures++;
      this.retryAt = Date.now() + FAST_PATH_TTL_MS;
      return;
    }
    const flag = Flag.parse(answer.flag);
    this.learn(flag, answer.readAt, started);
    await cache?.put(key, cacheEntry(flag, answer.readAt, this.maxAgeMs)).catch(() => undefined);
  }

  /** A flag learnt (also another way: a location tier's answer to a report), unless a newer answer is known. */
  learn(flag: Flag, readAt: number, now = Date.now()): void {
    if (this.known && this.known.readAt > readAt) return;
    this.known = { flag, freshUntil: Math.min(now + FAST_PATH_TTL_MS, readAt + this.maxAgeMs) + this.spreadMs, readAt };
  }

  /** A cache entry still within its TTL (by when it was read, not when it was stored) is used as is. */
  private async fromCache(cache: LocationCache, key: string): Promise<boolean> {
    const hit = await cache.match(key).catch(() => undefined);
    if (!hit) return false;
    const readAt = Number(hit.headers.get(READ_AT));
    const parsed = Flag.safeParse(await hit.json().catch(() => null));
    if (!parsed.success || !Number.isFinite(readAt) || Date.now() >= readAt + this.maxAgeMs) return false;
    this.cacheHits++;
    this.known = { flag: parsed.data, freshUntil: readAt + this.maxAgeMs + this.spreadMs, readAt };
    return true;
  }
}
