// What really happened in a simulation run, from the responses the senders saw (x-route-epoch,
// x-served-by, x-failover-from), to hold the controller's reports against. A request was routed at some
// time between when it was sent and when its answer came back, so times come as [earliest, latest].
import type { Color } from "../../shared";
import type { Sent } from "./traffic";

export type Span = [number, number];

/** ms after the switch to `epoch`: when shares of the locations had moved to it for good. */
export interface Moved {
  /** per location: between its last request routed by an older epoch and its first one routed by `epoch` after that. */
  perLocation: Array<Span | null>;
  p50: Span | null;
  p99: Span | null;
  p100: Span | null;
  /** the last request any location routed by an older epoch after the switch ([0, 0] when none did). */
  lastOlder: Span;
}

const rank = (sorted: number[], p: number) => sorted[Math.ceil((p / 100) * sorted.length) - 1] ?? 0;

function share(spans: Span[], locations: number, p: number): Span | null {
  if (spans.length < Math.ceil((p / 100) * locations)) return null;
  const pad = (xs: number[]) => [...xs, ...Array(locations - xs.length).fill(Number.POSITIVE_INFINITY)];
  const lo = rank(
    pad(spans.map((s) => s[0])).sort((a, b) => a - b),
    p,
  );
  const hi = rank(
    pad(spans.map((s) => s[1])).sort((a, b) => a - b),
    p,
  );
  return [lo, hi];
}

/** How the locations moved to `epoch`, switched to at `since` (unix ms), judged by the requests sent after it. */
export function moved(sent: Sent[], epoch: number, since: number, locations: number): Moved {
  const after = sent.filter((s) => s.epoch !== null && s.doneAt >= since);
  const older = (s: Sent) => (s.epoch ?? 0) < epoch;
  const perLocation = Array.from({ length: locations }, (_, i): Span | null => {
    const mine = after.filter((s) => s.location === i).sort((a, b) => a.sentAt - b.sentAt);
    const lastOld = mine.findLastIndex(older);
    const first = mine.slice(lastOld + 1).find((s) => !older(s));
    if (!first) return null;
    const from = lastOld === -1 ? since : (mine[lastOld] as Sent).sentAt;
    return [Math.max(from - since, 0), first.doneAt - since];
  });
  const spans = perLocation.filter((s): s is Span => s !== null);
  const stale = after.filter(older);
  return {
    perLocation,
    p50: share(spans, locations, 50),
    p99: share(spans, locations, 99),
    p100: share(spans, locations, 100),
    lastOlder: stale.length
      ? [Math.max(...stale.map((s) => s.sentAt - since)), Math.max(...stale.map((s) => s.doneAt - since))]
      : [0, 0],
  };
}

/** Requests a location sent to `color` by a flag older than `epoch` (it tried that color first), started at or after `from`. */
export function staleTo(sent: Sent[], color: Color, epoch: number, from: number): Sent[] {
  return sent.filter((s) => s.epoch !== null && s.epoch < epoch && s.firstColor === color && s.sentAt >= from);
}
