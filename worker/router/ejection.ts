import { type Color, otherColor } from "../../shared/schemas";

interface ColorState {
  /** consecutive failures; reset by a success. */
  failures: number;
  /** ejected until (unix ms); 0 when never ejected or healed. */
  until: number;
  /** a half-open trial request is on its way to this color. */
  trial: boolean;
}

/**
 * Per-isolate outlier ejection (bounded state: two colors). After `after` consecutive failures a color
 * is ejected for `periodMs`: new requests go straight to the other color. Then it is half-open: one
 * request tries it; a success heals it, a failure ejects it again.
 */
export class Ejection {
  private state: Record<Color, ColorState> = {
    blue: { failures: 0, until: 0, trial: false },
    green: { failures: 0, until: 0, trial: false },
  };

  /**
   * Whether a new request may go to `color` now. Claims the half-open trial when the period is over,
   * so call it only for a request that will then be sent there.
   */
  admit(color: Color, now = Date.now()): boolean {
    const s = this.state[color];
    if (s.until === 0) return true;
    if (now < s.until || s.trial) return false;
    s.trial = true;
    return true;
  }

  /** The color a new request goes to first: `active`, unless it is ejected and the other one is not. */
  pick(active: Color, now = Date.now()): Color {
    if (this.admit(active, now)) return active;
    const other = otherColor(active);
    // Both ejected: the flag's color is still the best guess.
    return this.admit(other, now) ? other : active;
  }

  /**
   * An attempt's verdict on `color` (`null`: none, e.g. the client went away). Returns true when this
   * failure ejected the color.
   */
  report(color: Color, failure: boolean | null, after: number, periodMs: number, now = Date.now()): boolean {
    const s = this.state[color];
    if (failure === null) {
      s.trial = false;
      return false;
    }
    if (!failure) {
      this.state[color] = { failures: 0, until: 0, trial: false };
      return false;
    }
    s.failures++;
    const wasTrial = s.trial;
    s.trial = false;
    if (after <= 0 || s.failures < after || (now < s.until && !wasTrial)) return false;
    s.until = now + periodMs;
    return true;
  }

  /** Colors ejected right now (for /healthz). */
  ejected(now = Date.now()): Color[] {
    return (Object.keys(this.state) as Color[]).filter((c) => now < this.state[c].until);
  }
}

export const ejection = new Ejection();
