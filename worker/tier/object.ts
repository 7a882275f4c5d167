import { DurableObject } from "cloudflare:workers";
import type { CounterFlush } from "../../shared/schemas";
import { controller } from "../controller/stub";
import type { Env } from "../env";
import { FAST_PATH_TTL_MS } from "../flag/fast";
import { Counters } from "../router/counters";
import type { TierAnswer } from "./link";

/** The most often a tier talks to the controller: one exchange (counts out, flag back) per second. */
export const EXCHANGE_MS = 1000;

/**
 * The tier of one edge location (DESIGN.md: the controller's load must not grow with the isolates). Its
 * isolates report their counts here and read the flag from here, at most once a second each; it merges
 * the counts per epoch and makes one exchange with the controller a second at most, which carries them
 * and brings the flag back. So the controller sees about one request per location per second, however
 * many isolates run there. A failed exchange keeps its counts for the next one (bounded like an
 * isolate's); it is held in memory only (a tier that restarts loses at most one second of counts).
 */
export class LocationTier extends DurableObject<Env> {
  private readonly counts = new Counters();
  private answer: TierAnswer = { flag: null, readAt: 0 };
  private location = "";
  private lastExchange = 0;
  private exchanging: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** isolates' reports taken, and exchanges with the controller made and failed (for tests and the sim). */
  readonly stats = { syncs: 0, exchanges: 0, failures: 0 };

  /** An isolate's counts in, the flag out. Waits for the controller only when the flag is older than its TTL. */
  async sync(batches: CounterFlush[], location: string): Promise<TierAnswer> {
    this.stats.syncs++;
    this.location = location;
    this.counts.add(batches);
    if (Date.now() - this.answer.readAt >= FAST_PATH_TTL_MS) await this.exchange();
    else this.later();
    return this.answer;
  }

  /** What this tier holds for tests and the simulation: counts not yet delivered, and what it gave up. */
  held(): { pending: number; dropped: number } & LocationTier["stats"] {
    return { pending: this.counts.pending(), dropped: this.counts.totals.dropped, ...this.stats };
  }

  /** One exchange at a time, and never two within EXCHANGE_MS: a caller joins the one under way. */
  private exchange(): Promise<void> {
    this.exchanging ??= this.run().finally(() => {
      this.exchanging = null;
      if (this.counts.waiting) this.later();
    });
    return this.exchanging;
  }

  private async run(): Promise<void> {
    const wait = this.lastExchange + EXCHANGE_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const started = Date.now();
    this.lastExchange = started;
    const batches = this.counts.take(started);
    this.stats.exchanges++;
    try {
      const flag = await controller(this.env).exchange(batches, this.location);
      this.answer = { flag, readAt: started };
    } catch {
      // The controller is away: its counts wait for the next exchange; isolates keep the last flag.
      this.stats.failures++;
      this.counts.add(batches);
    }
  }

  /** Counts that came in after an exchange leave with the next one, even if no isolate asks meanwhile. */
  private later(): void {
    if (this.timer || this.exchanging) return;
    const wait = Math.max(0, this.lastExchange + EXCHANGE_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.exchange();
    }, wait);
  }
}
