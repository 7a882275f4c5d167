import type { CounterFlush } from "../../../shared/schemas";
import type { TierAnswer } from "../../../worker/tier/link";
import { LocationTier } from "../../../worker/tier/object";
import { PerSecond } from "./meter";

/** Production's location tier, with the requests it takes counted per second (the scale simulation's figures). */
export class SimLocationTier extends LocationTier {
  private readonly requests = new PerSecond();

  override sync(batches: CounterFlush[], location: string): Promise<TierAnswer> {
    this.requests.hit();
    return super.sync(batches, location);
  }

  simMeter() {
    return { requests: this.requests.entries(), ...this.held() };
  }
}
