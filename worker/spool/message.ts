import type { Color } from "../../shared/schemas";

/**
 * One spooled batch as a Queue message (at most 128 KB: the body itself is in R2 under `key`). It carries
 * what the delivery needs to repeat the request: method, path with query, and the request's headers.
 */
export interface SpoolMessage {
  v: 1;
  /** R2 object key of the body, derived from the idempotency key (a shipper's retry lands on the same object). */
  key: string;
  idempotencyKey: string;
  method: string;
  /** path and query, as the shipper sent them. */
  target: string;
  /** name-value pairs (plain arrays: they cross RPC as they are). */
  headers: string[][];
  /** body size, bytes. */
  bytes: number;
  /** the color that was tried first and could not take it, and the flag epoch (for people reading the DLQ). */
  color: Color;
  epoch: number;
  /** when the router spooled it (unix ms). */
  spooledAt: number;
}

/** The header a spooled answer and a delivered copy carry. */
export const SPOOLED_HEADER = "x-bluegreen-spooled";

/**
 * Headers not kept with a spooled batch: the hop's own (workerd sets them per connection), Cloudflare's
 * per-request ones, and the body's length (the delivery sends the stored body, whose length the runtime sets).
 */
const DROPPED = new Set([
  "host",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "te",
  "upgrade",
  "content-length",
  "cdn-loop",
  "x-real-ip",
  "x-forwarded-proto",
  "x-forwarded-for",
]);

export function keptHeaders(headers: Headers): [string, string][] {
  const kept: [string, string][] = [];
  for (const [name, value] of headers) {
    if (!DROPPED.has(name) && !name.startsWith("cf-")) kept.push([name, value]);
  }
  return kept;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** `batches/<sha-256 of the idempotency key>`: fixed length whatever key a producer sent, and the same for its retries. */
export async function objectKey(idempotencyKey: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(idempotencyKey)));
  let hex = "";
  for (const b of digest) hex += HEX[b];
  return `batches/${hex}`;
}
