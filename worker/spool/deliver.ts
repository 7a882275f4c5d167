import { targetUrl } from "../http/paths";
import { SPOOLED_HEADER, type SpoolMessage } from "./message";

/**
 * What one delivery attempt of a spooled batch gave:
 * - `delivered`: the active color answered 2xx;
 * - `gone`: no body in R2 any more, so an earlier message of the same batch delivered it (a shipper's retry
 *   spooled it twice) and this one is done;
 * - `backpressure`: 429, the platform's own "slow down" (`after`: its Retry-After in seconds, when given);
 * - `retry`: no answer, a timeout, a 5xx or anything else that may pass;
 * - `refused`: any other 4xx, the platform's final word on these bytes (dead-lettered at once: retrying cannot
 *   change it, and the dead-letter store keeps the batch to replay once the cause is fixed).
 */
export type Delivery =
  | { kind: "delivered" | "gone" }
  | { kind: "backpressure"; after: number | null }
  | { kind: "retry" | "refused"; reason: string };

export interface Target {
  origin: string;
  timeoutMs: number;
}

/** Retry-After in seconds (a number; an HTTP date is read as a wait until then), or null. */
function retryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, (at - now) / 1000);
}

/** Sends one spooled batch to `to` with its original idempotency-key and `x-bluegreen-spooled: 1`. */
export async function deliver(bucket: R2Bucket, m: SpoolMessage, to: Target): Promise<Delivery> {
  const object = await bucket.get(m.key);
  if (object === null) return { kind: "gone" };
  const headers = new Headers(m.headers);
  headers.set("idempotency-key", m.idempotencyKey);
  headers.set(SPOOLED_HEADER, "1");
  // Only POST and PUT are spooled (write.ts): there is always a body to send.
  const body = await object.arrayBuffer();
  let res: Response;
  try {
    res = await fetch(targetUrl(to.origin, m.target), {
      method: m.method,
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(to.timeoutMs),
    });
  } catch (e) {
    return { kind: "retry", reason: (e as Error).name === "TimeoutError" ? "timeout" : "network error" };
  }
  await res.body?.cancel().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return { kind: "delivered" };
  if (res.status === 429) return { kind: "backpressure", after: retryAfter(res.headers.get("retry-after")) };
  if (res.status >= 400 && res.status < 500 && res.status !== 408) {
    return { kind: "refused", reason: `answered ${res.status}` };
  }
  return { kind: "retry", reason: `answered ${res.status}` };
}

/** Delay before attempt `attempts + 1`: 1, 2, 4, … seconds, at most `max`. */
export const backoffSeconds = (attempts: number, max: number): number =>
  Math.min(max, 2 ** Math.max(0, Math.min(attempts - 1, 20)));
