// Standard shippers' HTTP sinks at their default retry settings, as the fault matrix needs them. Neither sends an
// idempotency key: a retry resends the same bytes, and the router derives the key from them.
import { HttpShipper, type RetryPolicy, type ShipperOptions } from "./http-shipper";

type Options = Omit<ShipperOptions, "retry" | "idempotencyKeys" | "requestTimeoutMs">;

const fibonacci = (n: number): number => {
  let [a, b] = [1, 1];
  for (let i = 1; i < n; i++) [a, b] = [b, a + b];
  return a;
};

/**
 * Vector's `http` sink (src/sinks/util/http.rs HttpRetryLogic, service.rs TowerRequestConfig defaults): retries
 * 429 and every 5xx except 501, and every transport error or timeout; `retry_attempts` unlimited; Fibonacci
 * backoff from `retry_initial_backoff_secs` 1 capped at `retry_max_duration_secs` 30, full jitter. Real timing.
 */
export const VECTOR_RETRY: RetryPolicy = {
  maxAttempts: Number.POSITIVE_INFINITY,
  delayMs: (attempt) => Math.random() * Math.min(30_000, 1000 * fibonacci(attempt)),
  retries: (status) => status === 429 || (status >= 500 && status !== 501),
};
/** Vector's `request.timeout_secs` default. */
export const VECTOR_TIMEOUT_MS = 60_000;

/**
 * Fluent Bit's `out_http` (plugins/out_http/http.c): a 4xx other than 408/429 drops the chunk, any other
 * failure (5xx, network) asks the engine to retry; `Retry_Limit` defaults to 1, so one retry after the
 * scheduler's first backoff, uniform in 5–10 s (base 5 s), then the chunk is dropped. Real timing.
 */
export const FLUENT_BIT_RETRY: RetryPolicy = {
  maxAttempts: 2,
  delayMs: () => 5000 + Math.random() * 5000,
  retries: (status) => !(status >= 400 && status < 500 && status !== 408 && status !== 429),
};

/** An NDJSON shipper with Vector's http sink semantics at its defaults. */
export const vectorShipper = (opts: Options) =>
  new HttpShipper({ ...opts, retry: VECTOR_RETRY, idempotencyKeys: false, requestTimeoutMs: VECTOR_TIMEOUT_MS });

/** An NDJSON (`format json_lines`) shipper with Fluent Bit's out_http retry budget; `net.io_timeout` off by default. */
export const fluentBitShipper = (opts: Options) =>
  new HttpShipper({
    ...opts,
    retry: FLUENT_BIT_RETRY,
    idempotencyKeys: false,
    requestTimeoutMs: Number.POSITIVE_INFINITY,
  });
