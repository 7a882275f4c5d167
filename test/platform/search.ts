import type { ServerResponse } from "node:http";
import type { Faults } from "./faults";
import type { LogStore } from "./store";

type Send = (res: ServerResponse, status: number, body: unknown) => void;

/** `GET /search?canary=<id>`: the stored entries carrying that id, what a READBACK_PATH reads. */
export function search(res: ServerResponse, url: URL, store: LogStore, send: Send): void {
  const id = url.searchParams.get("canary");
  if (!id) {
    send(res, 400, { error: "search needs ?canary=<id>" });
    return;
  }
  const hits = store.search(id).map((e) => JSON.parse(e.body) as unknown);
  send(res, 200, { canary: id, hits: hits.length, entries: hits });
}

/**
 * The `acknowledgeButDrop` and `storeDelayMs` faults: the batch is acked at once, then dropped, or stored
 * only after the delay (nothing is stored twice: a retry with the same idempotency key is still dropped).
 */
export function acknowledgeOnly(res: ServerResponse, faults: Faults, store: () => void, n: number, send: Send): void {
  if (!faults.acknowledgeButDrop) {
    setTimeout(() => {
      try {
        store();
      } catch (e) {
        // The test that set the delay may have closed the store meanwhile.
        console.error("delayed store failed:", (e as Error).message);
      }
    }, faults.storeDelayMs);
  }
  send(res, 200, { accepted: n, duplicate: false });
}
