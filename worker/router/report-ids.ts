import type { CounterFlush } from "../../shared/schemas";

/**
 * How long a receiver (a location tier, the controller) remembers a batch's id. A sender sends a failed
 * call's batches again, as they are, with its next call: within COUNTS_MS (2 s) from an isolate to its tier,
 * the next second from a tier or from an isolate reporting straight to the controller. The first copy may
 * have landed (its answer was lost), so the copy that follows is caught while this window runs: the next
 * call, and a minute more of calls that all fail before they land (the receiver restarting, the way to it
 * down). A copy that lands later than that is taken again (docs/scale.md).
 */
export const REPORT_IDS_MS = 60_000;
/**
 * At most this many ids are remembered (the oldest are forgotten first): a Durable Object takes about 1,000
 * requests a second (docs/scale.md), each with one batch per epoch it saw (one, two around a switch), so
 * the window holds its full minute even then; at about 100 bytes an id, 12 MB at that load.
 */
export const REPORT_IDS_MAX = 120_000;

/**
 * The ids of the batches a receiver took lately, so a batch sent again after a call whose answer was lost
 * is counted once (at-least-once delivery made effectively exactly-once). In memory: a receiver that
 * restarts lost what it had not passed on or stored, so a copy sent again then is taken again, as it should.
 */
export class SeenReports {
  /** id → when first taken (unix ms), in the order taken. */
  private readonly seen = new Map<string, number>();
  /** batches left out because their id was already taken. */
  duplicates = 0;

  constructor(
    private readonly keepMs = REPORT_IDS_MS,
    private readonly max = REPORT_IDS_MAX,
  ) {}

  /** The batches not taken before, remembered from now on; a batch without an id (an older sender's) is new. */
  fresh(batches: readonly CounterFlush[], now = Date.now()): CounterFlush[] {
    for (const [id, at] of this.seen) {
      if (now - at < this.keepMs) break;
      this.seen.delete(id);
    }
    const out: CounterFlush[] = [];
    for (const b of batches) {
      if (b.id !== undefined) {
        if (this.seen.has(b.id)) {
          this.duplicates++;
          continue;
        }
        this.seen.set(b.id, now);
      }
      out.push(b);
    }
    for (const id of this.seen.keys()) {
      if (this.seen.size <= this.max) break;
      this.seen.delete(id);
    }
    return out;
  }

  /** Ids remembered now (for tests). */
  get size(): number {
    return this.seen.size;
  }
}
