// Follows GET /api/state during a simulation: the controller's convergence per epoch and every drain it declared.
import type { Color, Convergence, State } from "../../shared";
import type { Sim } from "./harness";

export interface DrainSeen {
  /** the epoch current when the color was declared drained, and when. */
  epoch: number;
  color: Color;
  drainedAt: number;
}

export class StateObserver {
  /** the latest convergence seen for each epoch while it was current. */
  readonly convergence = new Map<number, Convergence>();
  readonly drains: DrainSeen[] = [];
  latest: State | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private busy = false;

  constructor(
    private readonly sim: Sim,
    private readonly everyMs = 100,
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.poll(), this.everyMs);
    return this;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.poll();
  }

  async poll(): Promise<State> {
    if (this.busy && this.latest) return this.latest;
    this.busy = true;
    try {
      const s = await this.sim.control.state();
      this.latest = s;
      if (s.convergence) this.convergence.set(s.convergence.epoch, s.convergence);
      const since = Date.parse(s.flag.updatedAt);
      for (const color of [s.standby]) {
        const at = s.colors[color].drainedAt;
        const drainedAt = at ? Date.parse(at) : null;
        if (
          drainedAt !== null &&
          drainedAt >= since &&
          !this.drains.some((d) => d.epoch === s.epoch && d.color === color)
        ) {
          this.drains.push({ epoch: s.epoch, color, drainedAt });
        }
      }
      return s;
    } finally {
      this.busy = false;
    }
  }

  /** Polls until `ok(state)` holds. */
  async until(ok: (s: State) => boolean, timeoutMs = 30_000, what = "a condition"): Promise<State> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.poll();
      if (ok(s)) return s;
      if (Date.now() > deadline)
        throw new Error(`waited ${timeoutMs} ms for ${what}; state: ${JSON.stringify(s).slice(0, 800)}`);
      await new Promise((r) => setTimeout(r, this.everyMs));
    }
  }
}
