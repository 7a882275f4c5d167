import type { Color } from "../../shared/schemas";
import type { Env } from "../env";
import { keptHeaders, objectKey, type SpoolMessage } from "./message";

/** Methods that carry a batch for the platform: a GET or DELETE no color took is not stored for later. */
const INGEST_METHODS = new Set(["POST", "PUT"]);

/** This isolate's spool writes since it started (GET /healthz). */
const totals = { spooled: 0, writeFailures: 0 };
export const spoolTotals = (): Readonly<typeof totals> => totals;

/** Whether the Worker has both spool bindings and this request is a batch the spool may take. */
export const spoolable = (env: Env, method: string): boolean =>
  env.SPOOL !== undefined && env.SPOOL_BUCKET !== undefined && INGEST_METHODS.has(method);

export interface Spooled {
  method: string;
  target: string;
  /** the headers as forwarded: the idempotency-key is set. */
  headers: Headers;
  bytes: ArrayBuffer | null;
  color: Color;
  epoch: number;
}

/**
 * Stores a batch no color took: the body in R2, then a message in the Queue. True only once both writes
 * succeeded; the caller answers 2xx only then. A failed Queue send leaves the object in place: it may be the
 * body of an earlier, successful spool of the same batch (same idempotency key), whose message still needs it.
 */
export async function spoolWrite(env: Env, s: Spooled): Promise<boolean> {
  const queue = env.SPOOL;
  const bucket = env.SPOOL_BUCKET;
  const idempotencyKey = s.headers.get("idempotency-key");
  if (!queue || !bucket || idempotencyKey === null) return false;
  try {
    const key = await objectKey(idempotencyKey);
    const body = s.bytes ?? new ArrayBuffer(0);
    await bucket.put(key, body);
    const message: SpoolMessage = {
      v: 1,
      key,
      idempotencyKey,
      method: s.method,
      target: s.target,
      headers: keptHeaders(s.headers),
      bytes: body.byteLength,
      color: s.color,
      epoch: s.epoch,
      spooledAt: Date.now(),
    };
    await queue.send(message, { contentType: "json" });
    totals.spooled++;
    return true;
  } catch (e) {
    totals.writeFailures++;
    console.error("spool write failed:", (e as Error).message);
    return false;
  }
}
