import type { CounterFlush } from "../../../shared/schemas";

/** Seconds kept per meter: a simulation run is shorter than this. */
const KEEP_SECONDS = 3600;

/** Requests per whole second (unix s), bounded to the last KEEP_SECONDS. */
export class PerSecond {
  private readonly counts = new Map<number, number>();

  hit(now = Date.now()): void {
    const s = Math.floor(now / 1000);
    this.counts.set(s, (this.counts.get(s) ?? 0) + 1);
    if (this.counts.size > KEEP_SECONDS) this.counts.delete(Math.min(...this.counts.keys()));
  }

  /** [unix second, requests] for every second that had any. */
  entries(): Array<[number, number]> {
    return [...this.counts];
  }
}

/**
 * What reached the controller in a simulation: its requests per second (reports, tier exchanges, fast-path
 * reads), the requests counted in the reports, and how old each report's oldest count was on arrival.
 */
export class ControllerMeter {
  readonly requests = new PerSecond();
  counted = 0;
  readonly delaysMs: number[] = [];
  /** until when (unix ms) every router-facing call fails, as in an outage of the controller. */
  downUntil = 0;

  /** One router-facing request; throws during a simulated outage (nothing of it is taken). */
  arrive(batches: CounterFlush[] = [], now = Date.now()): void {
    this.requests.hit(now);
    if (now < this.downUntil) throw new Error("simulated controller outage");
    for (const b of batches) {
      this.counted += b.colors.blue.requests + b.colors.green.requests;
      this.delaysMs.push(now - b.from);
    }
  }
}
