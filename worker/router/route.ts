import { type Color, type Flag, otherColor } from "../../shared/schemas";
import { controller } from "../controller/stub";
import { type Config, config, type Env } from "../env";
import { HttpError } from "../http/errors";
import { pathAndQuery, targetUrl } from "../http/paths";
import { spoolable, spoolWrite } from "../spool/write";
import { attempt, type Outcome } from "./attempt";
import { type Body, readBody, releaseBody, uploadAllowanceMs } from "./body";
import { OTHER_PATH } from "./counters";
import { ejectable, failed } from "./failover";
import { idempotencyKey } from "./idempotency";
import { isolate, type RouterIsolate } from "./isolate";
import { mirror } from "./mirror";
import { previewColor } from "./preview";
import { errorJson, passThrough, spooledAnswer, unavailable } from "./respond";
import { splitPick } from "./split";

type Ctx = Pick<ExecutionContext, "waitUntil">;

/**
 * The edge router: proxies to the active color, fails over once to the standby. Never throws: an
 * unforeseen error becomes a retryable 503 (Cloudflare would turn a throw into a 500, which OTLP
 * exporters drop).
 */
export async function route(request: Request, env: Env, ctx: Ctx, at: RouterIsolate = isolate): Promise<Response> {
  try {
    const cfg = config(env);
    at.locate?.(request);
    const flag = await at.flag(env, cfg.flagCacheMs, ctx);
    const preview = await previewColor(request, env);
    const body = await readBody(request, cfg.maxBodyBytes, cfg.replayBufferBytes);
    try {
      return await forward(request, env, ctx, at, cfg, flag, preview, body);
    } finally {
      releaseBody(body);
    }
  } catch (e) {
    if (e instanceof HttpError) return errorJson(e.status, e.code, e.message);
    return unavailable("router_error", "the router could not handle this request", null);
  }
}

const describe = (color: Color, o: Outcome) => `${color} ${o.kind === "response" ? o.status : o.kind}`;

/** Counts an attempt, and gives ejection its verdict when the request may fail over (module-level: no closure per request). */
function note(
  at: RouterIsolate,
  cfg: Config,
  epoch: number,
  path: string,
  mayFailover: boolean,
  color: Color,
  o: Outcome,
  failedOver: boolean,
) {
  if (o.kind !== "aborted")
    at.counters.record(epoch, color, path, o.status, o.latencyMs, failedOver, o.kind === "timeout");
  if (!mayFailover) return;
  const verdict = o.kind === "aborted" ? null : ejectable(o, cfg.failoverOn);
  if (at.ejection.report(color, verdict, cfg.ejectAfter, cfg.ejectMs)) at.counters.ejected(epoch, color);
}

async function forward(
  request: Request,
  env: Env,
  ctx: Ctx,
  at: RouterIsolate,
  cfg: Config,
  flag: Flag,
  preview: Color | null,
  body: Body,
): Promise<Response> {
  const target = pathAndQuery(request.url);
  const query = target.indexOf("?");
  const pathname = query < 0 ? target : target.slice(0, query);
  // Hop-by-hop headers (host, connection, keep-alive, transfer-encoding, te, upgrade) are workerd's: its
  // HTTP client sets its own and never forwards a client's (hop-headers.test.ts), so no deletes here.
  const headers = new Headers(request.headers);
  // The preview header, and the control credentials used with it, must never reach the platform.
  if (preview) {
    headers.delete("x-deploy-color");
    headers.delete("authorization");
  }
  if (!headers.has("idempotency-key"))
    headers.set(
      "idempotency-key",
      await idempotencyKey(cfg.idempotency, request.method, target, body.replayable ? body.bytes : undefined),
    );
  const path = cfg.canaryPaths.has(pathname) ? pathname : OTHER_PATH;
  // Preview tests one color on purpose; `failover: false` says the standby must not take traffic.
  const mayFailover = preview === null && flag.failover !== false;
  const signal = request.signal;
  const timeoutMs = cfg.originTimeoutMs + uploadAllowanceMs(body, cfg.maxBodyBytes);

  // Traffic steps: one property check when the flag has no split.
  const primary = flag.split ? splitPick(flag.color, flag.split) : flag.color;
  const first = preview ?? (mayFailover ? at.ejection.pick(primary) : primary);
  const standby = otherColor(first);
  const firstOutcome = await attempt(
    targetUrl(cfg.origins[first], target),
    request.method,
    headers,
    body,
    timeoutMs,
    signal,
  );
  note(at, cfg, flag.epoch, path, mayFailover, first, firstOutcome, false);
  let outcome = firstOutcome;
  let served = first;
  // A streamed body was consumed by the first attempt; a gone client must not cause more work.
  if (
    failed(outcome, cfg.failoverOn) &&
    mayFailover &&
    body.replayable &&
    !signal.aborted &&
    at.ejection.admit(standby)
  ) {
    outcome.response?.body?.cancel().catch(() => undefined);
    served = standby;
    outcome = await attempt(targetUrl(cfg.origins[standby], target), request.method, headers, body, timeoutMs, signal);
    note(at, cfg, flag.epoch, path, mayFailover, standby, outcome, true);
  }
  flush(env, ctx, at);

  const failedOverFrom = served === first ? null : first;
  if (!body.replayable && body.cut === "too_large")
    return errorJson(413, "payload_too_large", `body exceeds ${cfg.maxBodyBytes} bytes`);
  if (outcome.kind === "response" && (preview || !failed(outcome, cfg.failoverOn))) {
    // A validating color gets copies (docs/deployments.md, "Mirroring"); without a mirror in the flag, this one check.
    if (flag.mirror) {
      const to = { ...flag.mirror, epoch: flag.epoch, url: targetUrl(cfg.origins[flag.mirror.color], target) };
      const from = { method: request.method, headers, body, path, preview, served, status: outcome.status };
      mirror({ ctx, counters: at.counters, flush: () => flush(env, ctx, at), to, from, timeoutMs });
    }
    return passThrough(outcome.response, served, flag.epoch, failedOverFrom);
  }
  outcome.response?.body?.cancel().catch(() => undefined);
  // No color it may try took a buffered batch: with the spool bound it is stored for later delivery, and
  // acknowledged only once both the R2 and the Queue write succeeded (else the 503 below). The attempts above
  // are already counted as the colors' failures: spooling hides nothing from the watch.
  if (body.replayable && preview === null && !signal.aborted && spoolable(env, request.method)) {
    const spool = { method: request.method, target, headers, bytes: body.bytes, color: first, epoch: flag.epoch };
    if (await spoolWrite(env, spool)) return spooledAnswer(request.headers, flag.epoch, failedOverFrom);
  }
  // The failure's story, built only on this path.
  const trail = failedOverFrom
    ? `${describe(first, firstOutcome)}, ${describe(served, outcome)}`
    : describe(first, outcome);
  const why = body.replayable ? "" : " (streamed body above REPLAY_BUFFER_BYTES: not replayed)";
  return unavailable("origin_unavailable", `no color took the request: ${trail}${why}`, flag.epoch, failedOverFrom);
}

/**
 * Hands the isolate's counters on after the response (and after a mirrored copy, mirror.ts), at most once a
 * second: to the location tier when the isolate has one (`at.flush`), else to the controller. A failed report
 * is put back for the next flush, to go again as it was (bounded: Counters keeps per epoch and color, and
 * counts what it must give up); the controller drops a copy of one it already took.
 */
function flush(env: Env, ctx: Ctx, at: RouterIsolate): void {
  try {
    if (at.flush?.(env, ctx)) return;
    const batches = at.counters.take();
    if (batches.length === 0) return;
    ctx.waitUntil(
      controller(env)
        .report(batches)
        .catch(() => at.counters.putBack(batches)),
    );
  } catch {
    // Counting must never fail the request it counts.
  }
}
