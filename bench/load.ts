import autocannon from "autocannon";

export const BATCH_ENTRIES = 20;

/** A 20-entry NDJSON log batch, as a shipper's HTTP sink would POST it. */
export function ndjsonBatch(entries = BATCH_ENTRIES): string {
  const ts = new Date().toISOString();
  const lines = Array.from({ length: entries }, (_, i) =>
    JSON.stringify({ ts, level: "info", service: "checkout", seq: i + 1, message: `request handled in ${i} ms` }),
  );
  return `${lines.join("\n")}\n`;
}

export interface LoadResult {
  requests: number;
  /** mean requests per second over the run. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** non-2xx answers plus connection errors: must be 0 for the figures to count. */
  failures: number;
}

export interface LoadOptions {
  connections: number;
  seconds: number;
}

/**
 * Open-loop load at a fixed rate (`rate` requests/s over 4 connections). Several at once against several Workers
 * put each under the same background in the same window: CPU per request then compares across them even on a
 * busy machine, where one-after-the-other closed-loop rounds see different backgrounds.
 */
export async function atRate(url: string, body: string, rate: number, seconds: number): Promise<LoadResult> {
  const r = await autocannon({
    url: `${url}/ingest`,
    method: "POST",
    headers: { "content-type": "application/x-ndjson" },
    body,
    connections: 4,
    overallRate: rate,
    duration: seconds,
  });
  return result(r);
}

const result = (r: autocannon.Result): LoadResult => ({
  requests: r.requests.total,
  rps: r.requests.total / r.duration,
  p50Ms: r.latency.p50,
  p99Ms: r.latency.p99,
  failures: r.non2xx + r.errors,
});

/** Closed-loop load: `connections` keep-alive connections each POSTing a batch as soon as the last was answered. */
export async function cannon(url: string, body: string, opts: LoadOptions): Promise<LoadResult> {
  const r = await autocannon({
    url: `${url}/ingest`,
    method: "POST",
    headers: { "content-type": "application/x-ndjson" },
    body,
    connections: opts.connections,
    duration: opts.seconds,
  });
  return result(r);
}
