// Steady log traffic through every simulated location, like one shipper per location: NDJSON batches
// with a sequence number, each retried with the same idempotency key until acknowledged.
import { randomUUID } from "node:crypto";
import type { Color } from "../../shared";
import { LOCATION_HEADER, type Sim } from "./harness";

/** One attempt as the sender saw it: when, which location, and what the router said it did. */
export interface Sent {
  location: number;
  seq: number;
  sentAt: number;
  doneAt: number;
  /** HTTP status, or 0 for a network error. */
  status: number;
  /** the flag epoch the location routed by (x-route-epoch), the color that answered, and the one tried first. */
  epoch: number | null;
  servedBy: Color | null;
  firstColor: Color | null;
}

const RETRY_MS = 200;
const MAX_ATTEMPTS = 50;

export const producerOf = (location: number) => `sim-location-${location}`;

export class SteadyTraffic {
  readonly sent: Sent[] = [];
  /** per location, the highest seq acknowledged (all below it too: each location sends in order). */
  readonly acked: number[];
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly sim: Sim,
    private readonly perLocationRps = 5,
    private readonly path = "/ingest",
  ) {
    this.acked = Array.from({ length: sim.isolates }, () => 0);
  }

  start(): this {
    this.loops = this.acked.map((_, i) => this.run(i));
    return this;
  }

  /** Stops sending new batches; the ones under way are finished (retried until acknowledged). */
  async stop(): Promise<Sent[]> {
    this.stopped = true;
    await Promise.all(this.loops);
    return this.sent;
  }

  private async run(location: number): Promise<void> {
    const interval = 1000 / this.perLocationRps;
    // Spread the locations' first requests over one interval.
    await sleep((interval * location) / this.acked.length);
    for (let seq = 1; !this.stopped; seq++) {
      const started = Date.now();
      await this.deliver(location, seq);
      this.acked[location] = seq;
      await sleep(Math.max(0, interval - (Date.now() - started)));
    }
  }

  private async deliver(location: number, seq: number): Promise<void> {
    const body = `${JSON.stringify({ producer: producerOf(location), seq, message: `location ${location} entry ${seq}` })}\n`;
    const key = randomUUID();
    for (let attempt = 1; ; attempt++) {
      const sentAt = Date.now();
      let status = 0;
      let headers: Headers | null = null;
      try {
        const res = await fetch(`${this.sim.worker.url}${this.path}`, {
          method: "POST",
          headers: {
            "content-type": "application/x-ndjson",
            "idempotency-key": key,
            [LOCATION_HEADER]: String(location),
          },
          body,
        });
        await res.arrayBuffer();
        status = res.status;
        headers = res.headers;
      } catch {
        // network error: retried like any shipper does
      }
      const epoch = headers?.get("x-route-epoch");
      const servedBy = (headers?.get("x-served-by") as Color | null) ?? null;
      this.sent.push({
        location,
        seq,
        sentAt,
        doneAt: Date.now(),
        status,
        epoch: epoch ? Number(epoch) : null,
        servedBy,
        firstColor: (headers?.get("x-failover-from") as Color | null) ?? servedBy,
      });
      if (status >= 200 && status < 300) return;
      if (attempt >= MAX_ATTEMPTS)
        throw new Error(`location ${location} seq ${seq}: gave up after ${attempt} attempts`);
      await sleep(RETRY_MS);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
