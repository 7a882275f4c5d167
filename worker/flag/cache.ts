import { FLAG_KEY, Flag } from "../../shared/schemas";

/** What the router uses before it has ever read KV, and when KV has no flag yet. */
export const DEFAULT_FLAG: Flag = { color: "blue", epoch: 0, deploymentId: null, updatedAt: new Date(0).toISOString() };

/**
 * A KV read older than this is taken for lost: the request that made it may have been cancelled (its
 * client went away), and then its promise never settles. Another request reads again.
 */
export const READ_STALL_MS = 2000;

/** The one KV call the cache makes (a KVNamespace is one; tests pass their own). */
export interface FlagKv {
  get(key: string, type: "json"): Promise<unknown>;
}

interface Cached {
  flag: Flag;
  readAt: number;
}

/**
 * Per-isolate flag cache: one KV read per window however many requests arrive in it.
 *
 * No request ever awaits another request's read. In Workers, I/O belongs to the request that started it:
 * if that request is cancelled, its read never settles and every request awaiting it would hang until the
 * runtime answers 500 ("a hanging Promise was canceled"), which OTLP exporters drop. So while one request
 * refreshes an expired flag, the others route by the flag it replaces (a few ms older); an isolate that has
 * never read KV lets each early request read for itself.
 */
export class FlagCache {
  private cached: Cached | null = null;
  /** the refresh in progress (null: none); compared by identity so a stalled one cannot clear a newer one. */
  private reading: { since: number } | null = null;
  /** KV reads made by this isolate; exposed on /healthz so tests and benchmarks can count them. */
  reads = 0;
  readErrors = 0;

  async get(kv: FlagKv, maxAgeMs: number, now = Date.now()): Promise<Flag> {
    const cached = this.cached;
    if (cached && now - cached.readAt < maxAgeMs) return cached.flag;
    if (cached && this.reading && now - this.reading.since < READ_STALL_MS) return cached.flag;
    const mine = { since: now };
    this.reading = mine;
    try {
      return await this.read(kv, now);
    } finally {
      if (this.reading === mine) this.reading = null;
    }
  }

  /** Ages what it reads from `now`, when the read started: the flag may have changed since. */
  private async read(kv: FlagKv, now: number): Promise<Flag> {
    this.reads++;
    try {
      const raw = await kv.get(FLAG_KEY, "json");
      const flag = raw === null ? DEFAULT_FLAG : Flag.parse(raw);
      this.cached = { flag, readAt: now };
      return flag;
    } catch {
      // KV unavailable or flag corrupt: keep routing on what we knew, else blue. Retry next window.
      this.readErrors++;
      const flag = this.cached?.flag ?? DEFAULT_FLAG;
      this.cached = { flag, readAt: now };
      return flag;
    }
  }
}

export const flagCache = new FlagCache();
