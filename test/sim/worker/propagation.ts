import { FLAG_KEY } from "../../../shared/schemas";

/** How often the simulation looks at the real KV for a new write (the lag is added on top). */
const POLL_MS = 20;

/** A 32-bit hash of a few integers (FNV-1a over their bytes): the same seed gives the same lags. */
function hash(...xs: number[]): number {
  let h = 0x811c9dc5;
  for (const x of xs) {
    for (let i = 0; i < 4; i++) {
      h ^= (x >>> (i * 8)) & 0xff;
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

/**
 * KV's propagation to the edge, simulated: every value the controller writes is seen here (the real
 * local KV, polled), and becomes visible at location i only `lag(i, n)` ms later, a random 0..maxLagMs
 * for each location and each write. A location always sees the newest value visible to it.
 */
export class Propagation {
  private versions: { raw: string | null; seenAt: number }[] = [];
  private lastPoll = 0;
  private polling: Promise<void> | null = null;

  constructor(
    private readonly kv: KVNamespace,
    readonly maxLagMs: number,
    private readonly seed: number,
  ) {}

  /** The lag of write `n` at location `i` (the value found at the start counts as everywhere already). */
  lag(i: number, n: number): number {
    return n === 0 ? 0 : Math.floor((hash(this.seed, i, n) / 0x1_0000_0000) * (this.maxLagMs + 1));
  }

  /** The raw KV value location `i` sees now. */
  async read(i: number): Promise<string | null> {
    await this.poll();
    const now = Date.now();
    for (let n = this.versions.length - 1; n >= 0; n--) {
      const v = this.versions[n];
      if (v && v.seenAt + this.lag(i, n) <= now) return v.raw;
    }
    return null;
  }

  /** Every write seen so far, with when it reached each location. */
  writes(locations: number) {
    return this.versions.map((v, n) => ({
      raw: v.raw,
      seenAt: v.seenAt,
      visibleAt: Array.from({ length: locations }, (_, i) => v.seenAt + this.lag(i, n)),
    }));
  }

  private poll(): Promise<void> {
    if (Date.now() - this.lastPoll < POLL_MS) return Promise.resolve();
    this.polling ??= this.kv
      .get(FLAG_KEY)
      .then((raw) => {
        this.lastPoll = Date.now();
        if (this.versions.length === 0 || this.versions.at(-1)?.raw !== raw) {
          this.versions.push({ raw, seenAt: this.lastPoll });
        }
      })
      .finally(() => {
        this.polling = null;
      });
    return this.polling;
  }

  /** A KV binding as location `i` sees it (only what the router's flag cache uses). */
  view(i: number): KVNamespace {
    const get = async (_key: string, type?: unknown) => {
      const raw = await this.read(i);
      return raw === null || type !== "json" ? raw : JSON.parse(raw);
    };
    return { get } as unknown as KVNamespace;
  }
}
