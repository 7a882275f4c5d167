import type { Color } from "../../shared/schemas";
import { errorBody } from "../http/errors";
import { SPOOLED_HEADER } from "../spool/message";

/** Seconds a shipper is asked to wait before retrying an answer the router gave itself. */
export const RETRY_AFTER_SECONDS = 1;

export const errorJson = (status: number, code: string, message: string) =>
  Response.json(errorBody(code, message), { status });

/**
 * The router's own answer when no color took the request: 503 with Retry-After, which every shipper
 * retries (OTLP retries 429/502/503/504 only; Fluent Bit and Vector retry 5xx), never a 500.
 */
export function unavailable(code: string, message: string, epoch: number | null, failedOverFrom: Color | null = null) {
  const headers = new Headers({ "content-type": "application/json", "retry-after": String(RETRY_AFTER_SECONDS) });
  if (epoch !== null) headers.set("x-route-epoch", String(epoch));
  if (failedOverFrom) headers.set("x-failover-from", failedOverFrom);
  return new Response(JSON.stringify(errorBody(code, message)), { status: 503, headers });
}

/**
 * The origin's answer, streamed through, with where it was served from. `new Response(body, response)` copies
 * status, status text and headers natively (one copy; a `new Headers` first cost a second one).
 */
export function passThrough(response: Response, served: Color, epoch: number, failedOverFrom: Color | null): Response {
  const out = new Response(response.body, response);
  out.headers.set("x-served-by", served);
  out.headers.set("x-route-epoch", String(epoch));
  if (failedOverFrom) out.headers.set("x-failover-from", failedOverFrom);
  return out;
}

/**
 * The batch no color took is durably spooled (R2 and Queue): 202. The body is an empty export response in
 * the request's encoding (OTLP exporters parse it: empty protobuf, or `{}`).
 */
export function spooledAnswer(request: Headers, epoch: number, failedOverFrom: Color | null): Response {
  const protobuf = request.get("content-type")?.includes("protobuf") ?? false;
  const headers = new Headers({
    "content-type": protobuf ? "application/x-protobuf" : "application/json",
    [SPOOLED_HEADER]: "1",
    "x-route-epoch": String(epoch),
  });
  if (failedOverFrom) headers.set("x-failover-from", failedOverFrom);
  return new Response(protobuf ? null : "{}", { status: 202, headers });
}
