import { COLORS, type Color, type CounterFlush } from "../../shared";
import { addCounts, type Evidence, emptyEvidence } from "./evidence";

/** How far back the active color's router counts are judged outside deployments. */
export const RECENT_WINDOW_MS = 60_000;

interface Slot {
  t: number;
  evidence: Evidence;
}

/**
 * What the routers reported per color over the last minute (per-second slots, in memory), for judging
 * the active color outside deployments. Only batches routed under the current flag epoch are added.
 */
export class RecentCounts {
  private slots: Record<Color, Slot[]> = { blue: [], green: [] };

  add(batch: CounterFlush, now = Date.now()): void {
    const t = Math.floor(now / 1000) * 1000;
    for (const color of COLORS) {
      const c = batch.colors[color];
      if (c.requests === 0) continue;
      const list = this.slots[color];
      let slot = list.at(-1);
      if (slot?.t !== t) {
        slot = { t, evidence: emptyEvidence() };
        list.push(slot);
      }
      addCounts(slot.evidence, c);
      this.prune(color, now);
    }
  }

  /** The sum over the window. */
  sum(color: Color, now = Date.now()): Evidence {
    this.prune(color, now);
    const total = emptyEvidence();
    for (const { evidence } of this.slots[color]) addCounts(total, evidence);
    return total;
  }

  /** Forgets a color's counts (it stopped serving, or its incident was dealt with). */
  clear(color: Color): void {
    this.slots[color] = [];
  }

  private prune(color: Color, now: number): void {
    const list = this.slots[color];
    while (list.length && (list[0] as Slot).t <= now - RECENT_WINDOW_MS) list.shift();
  }
}

/** What the controller knows of the colors between health rounds (memory: a restart starts afresh). */
export class ActiveWatch {
  /** failed health checks in a row, per color. */
  readonly healthFailures: Record<Color, number> = { blue: 0, green: 0 };
  readonly recent = new RecentCounts();
  /** when the next health round is due (memory: after a restart it is due at once). */
  nextAt = 0;
}
