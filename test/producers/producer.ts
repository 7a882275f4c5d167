/** What every load producer reports; `sent` entries carry seq 1..sent, so loss is checked against the store. */
export interface ProducerStats {
  producer: string;
  /** entries created (seq 1..sent). */
  sent: number;
  /** entries the endpoint acknowledged with a 2xx. */
  acked: number;
  /** entries the producer gave up on (permanent error, attempts exhausted, or stop timed out). */
  dropped: number;
  /** every failure the producer saw, by HTTP status or error kind ("network", "timeout", …). */
  errors: Record<string, number>;
}

export interface Producer {
  readonly producer: string;
  start(): void;
  /** Stops creating entries, then waits (at most `timeoutMs`) until everything created is acked or given up. */
  stop(timeoutMs?: number): Promise<ProducerStats>;
  stats(): ProducerStats;
}

const TICK_MS = 20;

/**
 * Calls `emit` once per `chunk` items so that `perSecond` items are produced on average. The schedule is
 * computed from elapsed time, so a late timer (busy machine) catches up instead of lowering the rate.
 * Returns the function that stops it.
 */
export function pace(perSecond: number, chunk: number, emit: () => void): () => void {
  const started = performance.now();
  let produced = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * perSecond);
    while (due - produced >= chunk) {
      produced += chunk;
      emit();
    }
  }, TICK_MS);
  return () => clearInterval(timer);
}

export const countInto = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** Sum of the counts whose key is a 5xx status. */
export const count5xx = (errors: Record<string, number>): number =>
  Object.entries(errors).reduce((n, [k, v]) => (/^5\d\d$/.test(k) ? n + v : n), 0);
