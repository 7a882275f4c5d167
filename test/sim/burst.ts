// The scale simulation's traffic: every isolate gets `rps` log batches a second, spread evenly, sent to
// the simulation's Worker in bursts (POST /sim/burst, one HTTP request for all isolates due in a tick).
import type { Sim } from "./harness";

const TICK_MS = 100;
/**
 * Isolates per burst request. Small: a Worker request has at most 6 connections open at once, and the
 * background work of a request (the isolates' reports) ends 30 s after it; a burst of 100 isolates queued
 * their reports behind each other until some were cut off (counts lost in the simulation, not the design).
 */
const PER_BURST = 10;
/** bursts under way at once at most (a slow machine skips ticks rather than piling requests up). */
const MAX_IN_FLIGHT = 8;

export class BurstTraffic {
  sent = 0;
  ok = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private inFlight = new Set<Promise<void>>();
  private tick = 0;

  constructor(
    private readonly sim: Sim,
    private readonly rps = 1,
  ) {}

  start(): this {
    const ticksPerRound = Math.max(1, Math.round(1000 / this.rps / TICK_MS));
    this.timer = setInterval(() => {
      const slot = this.tick++ % ticksPerRound;
      // Isolate i sends in slot i mod ticksPerRound: each once a round, the rounds spread over the ticks.
      const due = Array.from({ length: this.sim.isolates }, (_, i) => i).filter((i) => i % ticksPerRound === slot);
      for (let i = 0; i < due.length && this.inFlight.size < MAX_IN_FLIGHT; i += PER_BURST) {
        const p = this.send(due.slice(i, i + PER_BURST)).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }
    }, TICK_MS);
    return this;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all(this.inFlight);
  }

  private async send(isolates: number[]): Promise<void> {
    try {
      const res = await fetch(`${this.sim.worker.url}/sim/burst`, { method: "POST", body: JSON.stringify(isolates) });
      const r = (await res.json()) as { ok: number; sent: number };
      this.sent += r.sent;
      this.ok += r.ok;
    } catch {
      // a burst lost on the way counts nothing: the figures come from what the isolates recorded
    }
  }
}
