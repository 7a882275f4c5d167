// The edge spool seen from a fault-matrix cell: what the router spooled, what the consumer delivered, and how
// long after the colors came back the spool was empty again.
import type { SpoolState } from "../../shared";
import { sleep } from "./api";
import type { Stack } from "./stack";

export interface SpoolFigures {
  /** requests the router answered 202 from the spool (its /healthz count; a shipper's retry counts again). */
  spooled: number;
  /** batches delivered and dead-lettered during the cell (by R2 key: a batch spooled twice counts once). */
  delivered: number;
  deadLettered: number;
  /** seconds from the colors' recovery to the last time the spool became empty; null when it never held anything. */
  drainedAfterS: number | null;
}

const POLL_MS = 250;
/** The consumer takes a message up to its max_batch_timeout (1 s) after the send: empty this long means empty. */
const QUIET_MS = 2500;

const spooledCount = async (stack: Stack) =>
  ((await (await fetch(`${stack.worker.url}/healthz`)).json()) as { spooled?: number }).spooled ?? 0;

/**
 * Follows the controller's spool view from a cell's start. `recovered()` marks the colors coming back;
 * `finish()` waits until the spool has been empty for QUIET_MS (null figures for a Worker without the spool).
 */
export async function watchSpool(stack: Stack) {
  const read = async () => (await stack.control.state()).spool as SpoolState | undefined;
  const first = await read();
  const spooledBefore = await spooledCount(stack);
  let recoveredAt: number | null = null;
  let lastNonEmpty: number | null = null;
  let drainedAt: number | null = null;
  let latest = first;
  let polling = first !== undefined;
  const poller = (async () => {
    while (polling) {
      latest = await read();
      const now = Date.now();
      if ((latest?.depth ?? 0) > 0) lastNonEmpty = now;
      else if (lastNonEmpty !== null && (drainedAt === null || drainedAt < lastNonEmpty)) drainedAt = now;
      await sleep(POLL_MS);
    }
  })();
  return {
    recovered: () => {
      recoveredAt = Date.now();
    },
    async finish(timeoutMs = 60_000): Promise<SpoolFigures | null> {
      if (!first) return null;
      const deadline = Date.now() + timeoutMs;
      while ((latest?.depth ?? 0) > 0 || Date.now() - (lastNonEmpty ?? 0) < QUIET_MS) {
        if (Date.now() > deadline) break;
        await sleep(POLL_MS);
      }
      polling = false;
      await poller;
      const last = latest ?? first;
      return {
        spooled: (await spooledCount(stack)) - spooledBefore,
        delivered: last.delivered - first.delivered,
        deadLettered: last.deadLettered - first.deadLettered,
        drainedAfterS:
          drainedAt === null || recoveredAt === null ? null : Math.max(0, (drainedAt - recoveredAt) / 1000),
      };
    },
  };
}
