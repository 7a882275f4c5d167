import { FLAG_KEY, Flag } from "../shared/schemas";

/** What the router uses before it has ever read KV, and when KV has no flag yet. */
export const DEFAULT_FLAG: Flag = { color: "blue", epoch: 0, deploymentId: null, updatedAt: new Date(0).toISOString() };

interface Cached {
  flag: Flag;
  readAt: number;
}

/** Per-isolate flag cache: one KV read per window however many requests arrive in it. */
export class FlagCache {
  private cached: Cached | null = null;
  private inflight: Promise<Flag> | null = null;
  /** KV reads made by this isolate; exposed on /healthz so tests and benchmarks can count them. */
  reads = 0;
  readErrors = 0;

  async get(kv: KVNamespace, maxAgeMs: number, now = Date.now()): Promise<Flag> {
    if (this.cached && now - this.cached.readAt < maxAgeMs) return this.cached.flag;
    // Concurrent misses share one read.
    this.inflight ??= this.read(kv).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async read(kv: KVNamespace): Promise<Flag> {
    this.reads++;
    try {
      const raw = await kv.get(FLAG_KEY, "json");
      const flag = raw === null ? DEFAULT_FLAG : Flag.parse(raw);
      this.cached = { flag, readAt: Date.now() };
      return flag;
    } catch {
      // KV unavailable or flag corrupt: keep routing on what we knew, else blue. Retry next window.
      this.readErrors++;
      const flag = this.cached?.flag ?? DEFAULT_FLAG;
      this.cached = { flag, readAt: Date.now() };
      return flag;
    }
  }
}

export const flagCache = new FlagCache();
