// A log shipper like Vector's or Fluent Bit's HTTP sink: NDJSON batches at a steady rate, each with its own
// idempotency key that every retry reuses, so the platform can drop a batch it already stored.
import { randomUUID } from "node:crypto";
import { countInto, type Producer, type ProducerStats, pace } from "./producer";

export interface ShipperOptions {
  /** base URL of the Worker (or any endpoint); batches go to `url + path`. */
  url: string;
  producer: string;
  path?: string;
  entriesPerSecond?: number;
  batchSize?: number;
  /** batches on the wire at once; the rest wait in the in-memory buffer (like a sink's concurrency limit). */
  maxInFlight?: number;
  /** attempts per batch; with the default backoff, 12 attempts cover an outage of about 15 s. */
  maxAttempts?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  requestTimeoutMs?: number;
}

export interface ShipperStats extends ProducerStats {
  /** attempts after the first, summed over batches. */
  retries: number;
  /** responses per `x-served-by` color. */
  servedBy: Record<string, number>;
  /** responses that carried `x-failover-from` (the router replayed them on the standby). */
  failovers: number;
}

interface Batch {
  key: string;
  body: string;
  size: number;
}

type Outcome = "acked" | "retry" | "give_up";

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

export class HttpShipper implements Producer {
  readonly producer: string;
  private readonly opts: Required<ShipperOptions>;
  private readonly s: ShipperStats;
  private seq = 0;
  private queue: Batch[] = [];
  private inFlight = 0;
  private stopPacing: (() => void) | null = null;
  /** aborted when stop() gives up waiting: pending requests and backoffs end at once. */
  private readonly halt = new AbortController();
  private onIdle: (() => void) | null = null;

  constructor(options: ShipperOptions) {
    this.opts = {
      path: "/ingest",
      entriesPerSecond: 100,
      batchSize: 10,
      maxInFlight: 4,
      maxAttempts: 12,
      baseBackoffMs: 100,
      maxBackoffMs: 2000,
      requestTimeoutMs: 10_000,
      ...options,
    };
    this.producer = options.producer;
    this.s = {
      producer: this.producer,
      sent: 0,
      acked: 0,
      dropped: 0,
      errors: {},
      retries: 0,
      servedBy: {},
      failovers: 0,
    };
  }

  start(): void {
    this.stopPacing ??= pace(this.opts.entriesPerSecond, this.opts.batchSize, () => this.enqueue());
  }

  async stop(timeoutMs = 30_000): Promise<ShipperStats> {
    this.stopPacing?.();
    const drained = new Promise<void>((resolve) => {
      this.onIdle = resolve;
    });
    this.checkIdle();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    if (this.queue.length || this.inFlight) {
      // Whatever is still buffered or on the wire is lost from this producer's point of view.
      for (const b of this.queue.splice(0)) this.s.dropped += b.size;
      this.halt.abort();
      await drained;
    }
    return this.stats();
  }

  stats(): ShipperStats {
    return structuredClone(this.s);
  }

  private enqueue(): void {
    const lines: string[] = [];
    for (let i = 0; i < this.opts.batchSize; i++) {
      const seq = ++this.seq;
      const entry = {
        producer: this.producer,
        seq,
        ts: new Date().toISOString(),
        level: seq % 10 === 0 ? "warn" : "info",
        message: `${this.producer} entry ${seq}`,
      };
      lines.push(JSON.stringify(entry));
    }
    this.s.sent += lines.length;
    this.queue.push({ key: randomUUID(), body: `${lines.join("\n")}\n`, size: lines.length });
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.opts.maxInFlight) {
      const batch = this.queue.shift();
      if (!batch) break;
      this.inFlight++;
      void this.deliver(batch).finally(() => {
        this.inFlight--;
        this.pump();
        this.checkIdle();
      });
    }
  }

  private checkIdle(): void {
    if (this.onIdle && this.queue.length === 0 && this.inFlight === 0) this.onIdle();
  }

  /** Sends one batch until acked, a permanent error, or the attempts run out; holds its in-flight slot meanwhile. */
  private async deliver(batch: Batch): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.post(batch);
      if (outcome === "acked") {
        this.s.acked += batch.size;
        return;
      }
      if (outcome === "give_up" || attempt >= this.opts.maxAttempts || this.halt.signal.aborted) {
        this.s.dropped += batch.size;
        return;
      }
      this.s.retries++;
      await sleep(this.backoff(attempt), this.halt.signal);
    }
  }

  /** Exponential backoff with "equal jitter": half the step fixed, half random, so retries spread out. */
  private backoff(attempt: number): number {
    const step = Math.min(this.opts.maxBackoffMs, this.opts.baseBackoffMs * 2 ** (attempt - 1));
    return step / 2 + Math.random() * (step / 2);
  }

  private async post(batch: Batch): Promise<Outcome> {
    let res: Response;
    try {
      res = await fetch(`${this.opts.url.replace(/\/$/, "")}${this.opts.path}`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson", "idempotency-key": batch.key },
        body: batch.body,
        signal: AbortSignal.any([this.halt.signal, AbortSignal.timeout(this.opts.requestTimeoutMs)]),
      });
      await res.arrayBuffer();
    } catch (e) {
      if (this.halt.signal.aborted) return "give_up";
      countInto(this.s.errors, (e as Error).name === "TimeoutError" ? "timeout" : "network");
      return "retry";
    }
    const servedBy = res.headers.get("x-served-by");
    if (servedBy) countInto(this.s.servedBy, servedBy);
    if (res.headers.has("x-failover-from")) this.s.failovers++;
    if (res.ok) return "acked";
    countInto(this.s.errors, String(res.status));
    return res.status === 429 || res.status >= 500 ? "retry" : "give_up";
  }
}
