import type { RefusalReason } from "../../shared/audit";

const FLUSH_INTERVAL_MS = 1000;
/** A flush that has not ended after this long was cut off with its request: allow a new one. */
const FLUSH_STUCK_MS = 10_000;

type Counts = Partial<Record<RefusalReason, number>>;

/**
 * Refused credentials, counted in this isolate and handed to the controller at most once a second, so a
 * flood of bad tokens costs the Durable Object one call per second per isolate, not one per request.
 */
export class RefusalCounter {
  private pending: Counts = {};
  private lastFlush = 0;
  private flushingSince: number | null = null;

  /** Counts one refusal; returns the flush to run after the response (or null when one is already due). */
  add(reason: RefusalReason, send: (counts: Counts) => Promise<void>): Promise<void> | null {
    this.pending[reason] = (this.pending[reason] ?? 0) + 1;
    const now = Date.now();
    if (this.flushingSince !== null && now - this.flushingSince < FLUSH_STUCK_MS) return null;
    this.flushingSince = now;
    return (async () => {
      const wait = this.lastFlush + FLUSH_INTERVAL_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const counts = this.pending;
      this.pending = {};
      this.lastFlush = Date.now();
      this.flushingSince = null;
      await send(counts).catch((e: Error) => {
        console.error("audit: refusal counts lost:", e.message);
      });
    })();
  }
}

export const refusals = new RefusalCounter();
