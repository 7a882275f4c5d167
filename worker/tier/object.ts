import { DurableObject } from "cloudflare:workers";
import type { CounterFlush } from "../../shared/schemas";
import { controller } from "../controller/stub";
import type { Env } from "../env";
import { FAST_PATH_TIMEOUT_MS, FAST_PATH_TTL_MS, type FastAnswer, REFRESH_STALL_MS, settleWithin } from "../flag/fast";
import { Counters } from "../router/counters";
import { SeenReports } from "../router/report-ids";
import type { TierAnswer } from "./link";

/** Epochs a tier keeps counts of at once (an isolate keeps MAX_EPOCHS): late counts of quiet isolates fit. */
export const TIER_EPOCHS = 16;

/** The most often a tier talks to the controller: one exchange (counts out, flag back) per second. */
export const EXCHANGE_MS = 1000;

/**
 * The second `t` (unix ms) falls in. A tier exchanges at most once in each: at its first call in a second
 * later than the one its previous exchange ended in. A busy tier so exchanges every second (with "1 s since
 * the last one" it drifted: it waited for the next call after each second and skipped seconds), and two of
 * its exchanges never reach the controller in one second. Slots per location with a phase each were tried
 * to spread the load over the second: a tier whose calls came late in one slot and early in the next then
 * made two exchanges in one second. Arrivals at the controller spread anyway, by each location's distance
 * to it; its queue takes the rest (docs/scale.md).
 */
export const slotOf = (t: number): number => Math.floor(t / EXCHANGE_MS);

/**
 * The tier of one edge location (DESIGN.md: the controller's load must not grow with the isolates). Its
 * isolates report their counts here and read the flag from here; it merges the counts per epoch and makes
 * one exchange with the controller a second at most, which carries them and brings the flag back. So the
 * controller sees about one request per location per second, however many isolates run there.
 *
 * No timers: an exchange happens inside an isolate's call when one is due, so between calls the object is
 * idle and may hibernate (Durable Objects bill wall time while a timer or a request keeps them awake).
 * Counts that arrive between exchanges are held, and the answer says so: the isolate calls again when
 * its counts are next due, so the last counts of a quiet location leave too. A failed exchange keeps its
 * batches to send again as they are (bounded like an isolate's): merged anew, they would bear new ids, and
 * the controller could not tell them from the copy it may already have taken. An isolate's batch seen
 * before (sent again after an answer it lost) is dropped. Held in memory only: a tier that restarts loses
 * at most the counts of one exchange.
 */
export class LocationTier extends DurableObject<Env> {
  private readonly counts = new Counters(TIER_EPOCHS, 0);
  /** ids of its isolates' batches lately taken. */
  private readonly seen = new SeenReports();
  private answer: FastAnswer = { flag: null, readAt: 0 };
  private location = "";
  private lastExchange = Number.NEGATIVE_INFINITY;
  private exchanging: Promise<void> | null = null;
  /** isolates' calls taken, and exchanges with the controller made and failed (for tests and the sim). */
  readonly stats = { syncs: 0, exchanges: 0, failures: 0 };

  /** An isolate's counts in, the flag out. Waits for the controller only when an exchange is due or under way. */
  async sync(batches: CounterFlush[], location: string): Promise<TierAnswer> {
    this.stats.syncs++;
    this.location = location;
    this.counts.add(this.seen.fresh(batches));
    if (slotOf(Date.now()) > slotOf(this.lastExchange)) this.exchanging ??= this.exchange();
    // A flag older than its TTL waits for the exchange under way, a fresh one is answered at once, and no
    // call waits longer than an isolate would (a slow controller must not keep isolates' calls open).
    if (this.exchanging && Date.now() - this.answer.readAt >= FAST_PATH_TTL_MS) {
      await Promise.race([this.exchanging, new Promise((r) => setTimeout(r, FAST_PATH_TIMEOUT_MS))]);
    }
    return { ...this.answer, held: this.counts.waiting };
  }

  /**
   * What this tier holds for tests and the simulation: counts not yet delivered, what it gave up, and its
   * isolates' batches it dropped as copies of ones already taken.
   */
  held(): { pending: number; dropped: number; duplicateReports: number } & LocationTier["stats"] {
    const dropped = this.counts.totals.dropped;
    return { pending: this.counts.pending(), dropped, duplicateReports: this.seen.duplicates, ...this.stats };
  }

  private async exchange(): Promise<void> {
    const started = Date.now();
    const batches = this.counts.take(started);
    this.stats.exchanges++;
    // An exchange that never settles (a controller hung, or the call's I/O cancelled) is given up, or this
    // tier would wait on it for good: its batches go again with their ids (a late landing counts once).
    try {
      const exchanged = controller(this.env).exchange(batches, this.location);
      const flag = await settleWithin(exchanged, REFRESH_STALL_MS);
      this.answer = { flag, readAt: started };
    } catch {
      // The controller is away (or took them and its answer was lost, or never came): they go again with
      // the next exchange, unchanged; isolates keep the last flag.
      this.stats.failures++;
      this.counts.putBack(batches);
    } finally {
      // Counted from when it ended: the next one starts in a later second than this one reached the
      // controller, so two of a tier's exchanges never arrive in one second, even when this one was slow.
      this.lastExchange = Date.now();
      this.exchanging = null;
    }
  }
}
