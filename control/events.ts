import { setTimeout as sleep } from "node:timers/promises";
import { type Deployment, isTerminal, State } from "../shared";
import { ControlApiError, type ControlClient } from "./client";
import type { Log } from "./log";
import { errorText } from "./outcome";

/** The Worker sends a comment every 15 s: this much silence means the stream is dead. */
const STREAM_IDLE_MS = 45_000;
const POLL_FIRST_MS = 500;
const POLL_MAX_MS = 5_000;

export interface FollowOptions {
  /** unix ms; following stops here even if the deployment is still running. */
  deadline: number;
  /** called for every change seen (new status, step or probe). */
  onUpdate(d: Deployment): void;
  /** where a fallback to polling is reported. */
  log: Log;
}

/** The last deployment seen, and whether it reached a terminal status before the deadline. */
export interface Followed {
  deployment: Deployment;
  done: boolean;
}

interface SseEvent {
  event: string;
  data: string;
}

/**
 * Splits a server-sent-event stream into events (comments and `id:`/`retry:` fields ignored). Ends
 * when `signal` aborts, even if the connection under the stream does not notice.
 */
export async function* readSse(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const stop = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener("abort", stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
        const event = parseEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event) yield event;
      }
    }
  } finally {
    signal?.removeEventListener("abort", stop);
    await reader.cancel().catch(() => undefined);
  }
}

function parseEvent(block: string): SseEvent | null {
  let event = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return data.length ? { event, data: data.join("\n") } : null;
}

const changeKey = (d: Deployment) => `${d.status}|${d.steps.length}|${d.probes.length}|${d.updatedAt}`;

/**
 * Follows a deployment until it reaches a terminal status: live from GET /api/events, and by polling
 * GET /api/deployments/:id with backoff when the stream is unavailable or drops.
 */
export async function followDeployment(
  client: ControlClient,
  initial: Deployment,
  opts: FollowOptions,
): Promise<Followed> {
  let last = initial;
  let lastKey = changeKey(initial);
  const see = (d: Deployment) => {
    const key = changeKey(d);
    if (key === lastKey) return;
    last = d;
    lastKey = key;
    opts.onUpdate(d);
  };
  if (isTerminal(last.status)) return { deployment: last, done: true };

  try {
    if (await stream(client, initial.id, opts, see)) return { deployment: last, done: true };
  } catch (e) {
    if (e instanceof ControlApiError && e.status === 401) throw e;
    opts.log.info(`Live events unavailable (${errorText(e)}); polling instead.`);
  }

  let delay = POLL_FIRST_MS;
  while (!isTerminal(last.status) && Date.now() < opts.deadline) {
    await sleep(Math.min(delay, Math.max(0, opts.deadline - Date.now())));
    try {
      const before = lastKey;
      see(await client.deployment(initial.id));
      delay = lastKey === before ? Math.min(delay * 2, POLL_MAX_MS) : POLL_FIRST_MS;
    } catch (e) {
      // The Worker may be restarting or the network flaky: keep trying until the deadline.
      if (e instanceof ControlApiError && (e.status === 401 || e.status === 404)) throw e;
      opts.log.info(`Polling the deployment failed (${errorText(e)}); retrying.`);
      delay = Math.min(delay * 2, POLL_MAX_MS);
    }
  }
  return { deployment: last, done: isTerminal(last.status) };
}

/** Reads state events until the deployment is terminal (true) or the stream ends early (false). */
async function stream(
  client: ControlClient,
  id: string,
  { deadline, log }: FollowOptions,
  see: (d: Deployment) => void,
): Promise<boolean> {
  const abort = new AbortController();
  let idle: ReturnType<typeof setTimeout> | undefined;
  let quiet = false;
  const resetIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(
      () => {
        quiet = true;
        abort.abort();
      },
      Math.min(STREAM_IDLE_MS, Math.max(0, deadline - Date.now())),
    );
  };
  resetIdle();
  try {
    const body = await client.events(abort.signal);
    // Comments (keep-alives) never reach readSse's consumer, so watch the raw bytes for liveness.
    const watched = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, ctl) {
          resetIdle();
          ctl.enqueue(chunk);
        },
      }),
    );
    for await (const ev of readSse(watched, abort.signal)) {
      if (ev.event !== "state") continue;
      const state = State.parse(JSON.parse(ev.data));
      // Another deployment replaced ours in the state: ours is finished, fetch its final form.
      const d = state.deployment?.id === id ? state.deployment : await client.deployment(id);
      see(d);
      if (isTerminal(d.status)) return true;
    }
  } catch (e) {
    if (!abort.signal.aborted) throw e;
  } finally {
    clearTimeout(idle);
    abort.abort();
  }
  if (Date.now() < deadline) log.info(`The event stream ${quiet ? "went quiet" : "ended early"}; polling instead.`);
  return false;
}
