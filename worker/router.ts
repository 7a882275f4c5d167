import { Color, type Flag, otherColor } from "../shared/schemas";
import { authorize } from "./auth";
import type { Counters } from "./counters";
import { config, controller, type Env } from "./env";
import { errorBody } from "./errors";
import { isolate, type RouterIsolate } from "./isolate";

const FAILOVER_STATUSES = new Set([502, 503, 504]);
// Hop-by-hop headers and the preview header are not forwarded; the Worker re-adds host itself.
const DROP_HEADERS = ["host", "connection", "keep-alive", "transfer-encoding", "upgrade", "x-deploy-color"];

const json = (status: number, code: string, message: string) => Response.json(errorBody(code, message), { status });

class TooLarge extends Error {}

/** Reads the body into memory (needed to replay it on failover), refusing more than `max` bytes. */
async function bufferBody(request: Request, max: number): Promise<ArrayBuffer | null> {
  if (request.body === null) return null;
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > max) throw new TooLarge();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new TooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    body.set(c, offset);
    offset += c.byteLength;
  }
  return body.buffer;
}

export function targetUrl(origin: string, incoming: URL): string {
  const base = new URL(origin);
  const prefix = base.pathname.replace(/\/$/, "");
  return `${base.origin}${prefix}${incoming.pathname}${incoming.search}`;
}

interface Attempt {
  response: Response | null;
  error: string | null;
  latencyMs: number;
}

async function attempt(url: string, method: string, headers: Headers, body: ArrayBuffer | null): Promise<Attempt> {
  const started = Date.now();
  try {
    const response = await fetch(url, { method, headers, body, redirect: "manual" });
    return { response, error: null, latencyMs: Date.now() - started };
  } catch (e) {
    return { response: null, error: (e as Error).message, latencyMs: Date.now() - started };
  }
}

const retryable = (a: Attempt) => a.response === null || FAILOVER_STATUSES.has(a.response.status);

/** Picks the color for this request: the flag's, or an authorised preview header's. */
async function chooseColor(request: Request, env: Env, flag: Flag): Promise<Color | Response> {
  const preview = request.headers.get("x-deploy-color");
  if (preview === null) return flag.color;
  const refused = await authorize(request.headers.get("authorization"), env, "deployer", "x-deploy-color");
  if (refused)
    return json(refused.status, refused.code, `x-deploy-color needs deployer credentials: ${refused.message}`);
  const parsed = Color.safeParse(preview.trim().toLowerCase());
  if (!parsed.success) return json(400, "invalid_color", `x-deploy-color must be blue or green, got "${preview}"`);
  return parsed.data;
}

/** The edge router: proxies to the active color, fails over once to the standby. */
export async function route(
  request: Request,
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  { flag: readFlag, counters }: RouterIsolate = isolate,
): Promise<Response> {
  const cfg = config(env);
  const flag = await readFlag(env, cfg.flagCacheMs, ctx);
  const chosen = await chooseColor(request, env, flag);
  if (chosen instanceof Response) return chosen;
  const isPreview = request.headers.has("x-deploy-color");

  let body: ArrayBuffer | null;
  try {
    body = await bufferBody(request, cfg.maxBodyBytes);
  } catch (e) {
    if (e instanceof TooLarge) return json(413, "payload_too_large", `body exceeds ${cfg.maxBodyBytes} bytes`);
    return json(400, "bad_request", "could not read the request body");
  }

  const headers = new Headers(request.headers);
  for (const h of DROP_HEADERS) headers.delete(h);
  // Control credentials used for preview must never reach the platform.
  if (isPreview) headers.delete("authorization");
  if (!headers.has("idempotency-key")) headers.set("idempotency-key", crypto.randomUUID());

  const incoming = new URL(request.url);
  const first = await attempt(targetUrl(cfg.origins[chosen], incoming), request.method, headers, body);
  let served = chosen;
  let result = first;
  let failedOver = false;
  // Preview requests test one color on purpose: no failover to hide its faults.
  if (retryable(first) && !isPreview) {
    counters.record(flag.epoch, chosen, first.response?.status ?? 502, first.latencyMs, false);
    await first.response?.body?.cancel();
    const standby = otherColor(chosen);
    result = await attempt(targetUrl(cfg.origins[standby], incoming), request.method, headers, body);
    served = standby;
    failedOver = true;
  }
  const status = result.response?.status ?? 502;
  counters.record(flag.epoch, served, status, result.latencyMs, failedOver);
  flush(env, ctx, counters);

  const outHeaders = new Headers(result.response?.headers);
  outHeaders.set("x-served-by", served);
  outHeaders.set("x-route-epoch", String(flag.epoch));
  if (failedOver) outHeaders.set("x-failover-from", chosen);
  if (!result.response) {
    outHeaders.set("content-type", "application/json");
    return new Response(JSON.stringify(errorBody("origin_unreachable", `no origin answered: ${result.error}`)), {
      status: 502,
      headers: outHeaders,
    });
  }
  return new Response(result.response.body, {
    status: result.response.status,
    statusText: result.response.statusText,
    headers: outHeaders,
  });
}

/** Hands the isolate's counters to the controller after the response, at most once a second. */
function flush(env: Env, ctx: Pick<ExecutionContext, "waitUntil">, counters: Counters): void {
  const batches = counters.take();
  if (batches.length === 0) return;
  ctx.waitUntil(
    controller(env)
      .report(batches)
      .catch(() => undefined),
  );
}
