import type { Body } from "./body";

/**
 * What one try against one origin gave. `aborted`: the client went away or its body was cut off
 * (no verdict on the origin).
 */
export type Outcome =
  | { kind: "response"; response: Response; status: number; latencyMs: number }
  | { kind: "network" | "timeout" | "aborted"; response: null; status: number; latencyMs: number };

/** Status an attempt without a response is counted as: 502 for a network error, 504 for a timeout. */
const NO_RESPONSE_STATUS = { network: 502, timeout: 504, aborted: 499 } as const;

/** The abort reason of an attempt that ran out of time. */
const TIMED_OUT = new Error("origin timeout");
const expire = (abort: AbortController) => abort.abort(TIMED_OUT);

/**
 * One fetch to an origin, bounded by `timeoutMs` until its response headers arrive (the caller adds
 * an upload allowance for a streamed body). Once headers are in, the answer is committed and its body
 * streams through unbounded. The client's disconnect (`client` signal) aborts it.
 */
export async function attempt(
  url: string,
  method: string,
  headers: Headers,
  body: Body,
  timeoutMs: number,
  client: AbortSignal,
): Promise<Outcome> {
  const started = Date.now();
  const abort = new AbortController();
  // Module-level callback and a native signal combination: no closure or JS listener per attempt.
  const timer = setTimeout(expire, timeoutMs, abort);
  if (!body.replayable) body.abortUpload = () => abort.abort();
  try {
    const response = await fetch(url, {
      method,
      headers,
      body: body.replayable ? body.bytes : body.stream,
      redirect: "manual",
      signal: AbortSignal.any([client, abort.signal]),
    });
    return { kind: "response", response, status: response.status, latencyMs: Date.now() - started };
  } catch {
    const clientSide = client.aborted || (!body.replayable && body.cut !== null);
    const kind = clientSide ? "aborted" : abort.signal.reason === TIMED_OUT ? "timeout" : "network";
    return { kind, response: null, status: NO_RESPONSE_STATUS[kind], latencyMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
    if (!body.replayable) body.abortUpload = () => {};
  }
}
