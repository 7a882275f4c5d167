import type { Color } from "../../shared/schemas";
import { attempt } from "./attempt";
import type { Body } from "./body";
import { type Counters, OTHER_PATH } from "./counters";

/**
 * Copies in flight per isolate, and the body bytes they hold: a slow candidate cannot pile up work (and
 * memory) in the router. Beyond either bound a copy is skipped and counted (`skipped`), which is itself
 * evidence that the candidate cannot keep up. The bytes are a budget of their own beside the replay buffer's
 * (body.ts): copies never take buffer space a live request needs for its failover.
 */
export const MAX_MIRRORS_IN_FLIGHT = 16;
export const MIRROR_BUDGET_BYTES = 8 * 1024 * 1024;
export const MIRROR_HEADER = "x-bluegreen-mirror";

let inFlight = 0;
let inFlightBytes = 0;
/** Copies in flight in this isolate now (for /healthz and tests). */
export const mirrorsInFlight = () => inFlight;

type Ctx = Pick<ExecutionContext, "waitUntil">;

/** What the router knows of a request it answered (`from`), and where its copy goes (`to`). */
export interface Answered {
  ctx: Ctx;
  counters: Counters;
  /** hands the isolate's counters on as the request's own flush does (route.ts: to its location tier, if any). */
  flush: () => void;
  to: { color: Color; percent: number; epoch: number; url: string };
  from: {
    method: string;
    headers: Headers;
    body: Body;
    /** the counted path: a CANARY path, or OTHER_PATH. */
    path: string;
    preview: Color | null;
    served: Color;
    status: number;
  };
  timeoutMs: number;
}

/**
 * Whether a request is live ingest traffic worth copying: a POST to an ingest (CANARY) path, not a preview,
 * that the serving color accepted (2xx). A copy of a request the platform did not take could store what the
 * client will send again, under another key when the client's retry is not byte-identical.
 */
const mirrorable = ({ from, to }: Answered) =>
  from.method === "POST" &&
  from.path !== OTHER_PATH &&
  from.preview === null &&
  from.status >= 200 &&
  from.status < 300 &&
  from.served !== to.color &&
  from.body.replayable;

/**
 * Mirrors one answered live ingest request to `flag.mirror.color` when the percent draw says so. The copy
 * starts inside this request's own `waitUntil` (nothing is shared with another request: workerd forbids
 * I/O on another request's objects), after the client's answer is produced, and never touches that answer.
 * Only buffered bodies are copied (a streamed body was consumed by the client's own attempt).
 */
export function mirror(a: Answered): void {
  const { to, from, counters } = a;
  if (!mirrorable(a) || Math.random() * 100 >= to.percent) return;
  const bytes = from.body.replayable ? (from.body.bytes?.byteLength ?? 0) : 0;
  if (inFlight >= MAX_MIRRORS_IN_FLIGHT || inFlightBytes + bytes > MIRROR_BUDGET_BYTES) {
    counters.mirrorSkipped(to.epoch, to.color);
    return;
  }
  inFlight++;
  inFlightBytes += bytes;
  const release = () => {
    inFlight--;
    inFlightBytes -= bytes;
  };
  try {
    a.ctx.waitUntil(copy(a, release));
  } catch {
    // No waitUntil (the request context is gone): no copy, nothing counted.
    release();
  }
}

async function copy(a: Answered, release: () => void): Promise<void> {
  const { to, from, counters } = a;
  try {
    const headers = new Headers(from.headers);
    headers.set(MIRROR_HEADER, "1");
    // The client's signal is not the copy's: the client has its answer and may well be gone.
    const o = await attempt(to.url, from.method, headers, from.body, a.timeoutMs, new AbortController().signal);
    await o.response?.body?.cancel().catch(() => undefined);
    counters.mirrored(to.epoch, to.color, o.status, o.latencyMs, o.kind === "timeout");
  } finally {
    release();
  }
  // A copy often ends after the request's own flush: its count is handed on now, not with a later request,
  // and the same way (through the location's tier, which keeps the controller's load per location).
  a.flush();
}
