// A log shipper's HTTP sink: NDJSON batches at a steady rate, each resent byte for byte on retry. With
// `idempotencyKeys` each batch carries its own key so the platform can drop a copy it already stored; standard
// shippers send none (see shippers.ts for Vector's and Fluent Bit's defaults), and the router derives one.
import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { countInto, type Producer, type ProducerStats, pace } from "./producer";

/** When and how often a failed batch is sent again. */
export interface RetryPolicy {
  /** attempts per batch, the first included (Infinity: no limit). */
  maxAttempts: number;
  /** wait after failed attempt `attempt` (1-based) before the next one, ms. */
  delayMs(attempt: number): number;
  /** whether a non-2xx status is retried (network errors and timeouts always are). */
  retries(status: number): boolean;
}

/** Exponential backoff with "equal jitter" (half the step fixed, half random); retries 429 and 5xx. */
export function exponentialRetry({ maxAttempts = 12, baseMs = 100, maxMs = 2000 } = {}): RetryPolicy {
  return {
    maxAttempts,
    delayMs: (attempt) => {
      const step = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
      return step / 2 + Math.random() * (step / 2);
    },
    retries: (status) => status === 429 || status >= 500,
  };
}

export interface ShipperOptions {
  /** base URL of the Worker (or any endpoint); batches go to `url + path`. */
  url: string;
  producer: string;
  path?: string;
  entriesPerSecond?: number;
  batchSize?: number;
  /** batches on the wire at once; the rest wait in the in-memory buffer (like a sink's concurrency limit). */
  maxInFlight?: number;
  /** by default 12 attempts with exponential backoff from 100 ms: they cover an outage of about 15 s. */
  retry?: RetryPolicy;
  /** a fresh `idempotency-key` per batch, reused by its retries (default true). */
  idempotencyKeys?: boolean;
  /** `content-encoding: gzip` bodies. */
  gzip?: boolean;
  /** per request; Infinity for none. */
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
  key: string | null;
  body: string | Uint8Array<ArrayBuffer>;
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
      retry: exponentialRetry(),
      idempotencyKeys: true,
      gzip: false,
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

  /**
   * Ships one extra batch of about `bytes` (entries padded to size, still numbered in sequence), as a shipper
   * with a large batch setting does after a burst.
   */
  sendLarge(bytes: number, entries = 16): void {
    this.enqueue(entries, Math.max(0, Math.floor(bytes / entries) - 200));
  }

  private enqueue(entries = this.opts.batchSize, padBytes = 0): void {
    const lines: string[] = [];
    for (let i = 0; i < entries; i++) {
      const seq = ++this.seq;
      const entry = {
        producer: this.producer,
        seq,
        ts: new Date().toISOString(),
        level: seq % 10 === 0 ? "warn" : "info",
        message: `${this.producer} entry ${seq}`,
        ...(padBytes ? { pad: "x".repeat(padBytes) } : {}),
      };
      lines.push(JSON.stringify(entry));
    }
    this.s.sent += lines.length;
    const text = `${lines.join("\n")}\n`;
    this.queue.push({
      key: this.opts.idempotencyKeys ? randomUUID() : null,
      body: this.opts.gzip ? new Uint8Array(gzipSync(text)) : text,
      size: lines.length,
    });
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
      if (outcome === "give_up" || attempt >= this.opts.retry.maxAttempts || this.halt.signal.aborted) {
        this.s.dropped += batch.size;
        return;
      }
      this.s.retries++;
      await sleep(this.opts.retry.delayMs(attempt), this.halt.signal);
    }
  }

  private async post(batch: Batch): Promise<Outcome> {
    const headers: Record<string, string> = { "content-type": "application/x-ndjson" };
    if (batch.key) headers["idempotency-key"] = batch.key;
    if (this.opts.gzip) headers["content-encoding"] = "gzip";
    const timeout = this.opts.requestTimeoutMs;
    let res: Response;
    try {
      res = await fetch(`${this.opts.url.replace(/\/$/, "")}${this.opts.path}`, {
        method: "POST",
        headers,
        body: batch.body,
        signal: Number.isFinite(timeout)
          ? AbortSignal.any([this.halt.signal, AbortSignal.timeout(timeout)])
          : this.halt.signal,
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
    return this.opts.retry.retries(res.status) ? "retry" : "give_up";
  }
}
