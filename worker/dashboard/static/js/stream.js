// Follows the controller's server-sent-event stream and reconnects by itself.
// fetch() rather than EventSource: EventSource hides the server's keep-alive comments, so a connection
// that silently died (laptop sleep, network change) could not be told apart from a quiet one.

/** The server writes a comment every 15 s (worker/events.ts); twice that without a byte means it is gone. */
const SILENCE_MS = 35_000;
const MAX_BACKOFF_MS = 10_000;

/** @typedef {"connecting" | "live" | "reconnecting"} StreamStatus */

/**
 * Turns complete SSE blocks in `buffer` into events; returns what is left over.
 * @param {string} buffer
 * @param {(name: string, data: string) => void} emit
 */
function parseEvents(buffer, emit) {
  const blocks = buffer.replace(/\r\n?/g, "\n").split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    let name = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") name = value;
      else if (field === "data") data.push(value);
    }
    if (data.length) emit(name, data.join("\n"));
  }
  return rest;
}

/**
 * Follows `url` with the bearer `token` until `signal` aborts or the server answers 401 (`onUnauthorized`
 * gets the API's error, and following stops: a new token means a new call).
 * @param {string} url
 * @param {{ token: string, signal: AbortSignal, onEvent: (name: string, data: unknown) => void,
 *   onStatus: (status: StreamStatus) => void, onUnauthorized: (text: string) => void }} handlers
 */
export async function follow(url, { token, signal, onEvent, onStatus, onUnauthorized }) {
  let failures = 0;
  while (!signal.aborted) {
    const abort = new AbortController();
    const stop = () => abort.abort();
    signal.addEventListener("abort", stop);
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let watchdog;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => abort.abort(), SILENCE_MS);
    };
    try {
      arm();
      const res = await fetch(url, {
        headers: { accept: "text/event-stream", authorization: `Bearer ${token}` },
        cache: "no-store",
        signal: abort.signal,
      });
      if (res.status === 401) {
        const err = (await res.json().catch(() => null))?.error;
        onUnauthorized(err ? `401 ${err.code}: ${err.message}` : "401 unauthorized");
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        arm();
        buffer = parseEvents(buffer + value, (name, data) => {
          failures = 0;
          onStatus("live");
          onEvent(name, JSON.parse(data));
        });
      }
    } catch (e) {
      console.warn("dashboard stream:", e);
    } finally {
      clearTimeout(watchdog);
      signal.removeEventListener("abort", stop);
      abort.abort();
    }
    if (signal.aborted) return;
    onStatus("reconnecting");
    // Quick first retry, then back off (with jitter, so many open dashboards do not reconnect in step).
    const wait = Math.min(MAX_BACKOFF_MS, 250 * 2 ** failures++) * (0.75 + Math.random() * 0.5);
    await new Promise((r) => setTimeout(r, wait));
  }
}
