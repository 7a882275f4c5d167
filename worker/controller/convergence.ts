import type { Color, Convergence, CounterFlush, Flag } from "../../shared";
import { iso, isoOrNull } from "./time";

/**
 * Traffic is placed in time by when routers routed it (each batch's window, spread evenly), in slices of
 * SLICE_MS. A slice is judged once SETTLE_MS have passed: a router flushes at most once a second, and
 * only on a request, so by then every router with steady traffic has reported it.
 */
const SLICE_MS = 250;
export const SETTLE_MS = 1500;
/** The live share is taken over this much settled traffic. */
export const WINDOW_MS = 2000;
/** 100 % needs this much settled time without older traffic after the first all-current slice. */
const CONFIRM_MS = 1000;
const KEEP_MS = 10_000;
const MILESTONES = [50, 99] as const;

interface Slice {
  t: number;
  current: number;
  older: number;
}

/** Convergence to the current epoch (unix ms); persisted with the state. */
export interface ConvergenceRecord {
  epoch: number;
  color: Color;
  /** the flag's split (traffic steps); absent in records from before them. */
  split?: Flag["split"];
  since: number;
  /** by routing time, ascending, the last KEEP_MS. */
  slices: Slice[];
  current: number;
  older: number;
  reached: Convergence["reached"];
  /** receipt time of the last report of older-epoch traffic. */
  lastOlderAt: number | null;
  /** start of the settled all-current run of slices that follows the last slice with older traffic. */
  allCurrentFrom: number | null;
  /** slices before this time have been judged. */
  judgedTo: number;
}

export function startConvergence(flag: Flag, since: number): ConvergenceRecord {
  return {
    epoch: flag.epoch,
    color: flag.color,
    ...(flag.split && { split: flag.split }),
    since,
    slices: [],
    current: 0,
    older: 0,
    reached: { "50": null, "99": null, "100": null },
    lastOlderAt: null,
    allCurrentFrom: null,
    judgedTo: since - (since % SLICE_MS),
  };
}

/** The part of a batch's window routed after the switch, or null (late reports of earlier traffic count for nothing). */
export function afterSwitch(r: ConvergenceRecord, batch: CounterFlush): { from: number; to: number } | null {
  return batch.to < r.since ? null : { from: Math.max(batch.from, r.since), to: batch.to };
}

/** Takes one router batch into account; true when a milestone changed (worth telling subscribers). */
export function observe(r: ConvergenceRecord, batch: CounterFlush, now: number): boolean {
  const span = afterSwitch(r, batch);
  if (!span || batch.epoch > r.epoch) return false;
  const total = batch.colors.blue.requests + batch.colors.green.requests;
  // Only the share of the window after the switch counts.
  const n = batch.to > batch.from ? (total * (span.to - span.from)) / (batch.to - batch.from) : total;
  if (n > 0) {
    const current = batch.epoch === r.epoch;
    if (current) r.current += n;
    else {
      r.older += n;
      r.lastOlderAt = now;
    }
    spread(r, span.from, span.to, n, current);
  }
  return advance(r, now);
}

/** Adds `n` requests routed evenly over [from, to] to the slices they fall in. */
function spread(r: ConvergenceRecord, from: number, to: number, n: number, current: boolean): void {
  const first = Math.max(from, to - KEEP_MS);
  const length = Math.max(to - first, 1);
  for (let t = first - (first % SLICE_MS); t <= to; t += SLICE_MS) {
    const overlap = to === first ? 1 : Math.max(0, Math.min(to, t + SLICE_MS) - Math.max(first, t)) / length;
    if (overlap === 0) continue;
    const s = slice(r, t);
    if (current) s.current += n * overlap;
    else s.older += n * overlap;
    // Older traffic inside the run taken for 100 %: not there after all (a router that lagged further).
    if (!current && r.allCurrentFrom !== null && t >= r.allCurrentFrom) {
      r.allCurrentFrom = null;
      r.reached["100"] = null;
    }
  }
}

function slice(r: ConvergenceRecord, t: number): Slice {
  let i = r.slices.findIndex((s) => s.t >= t);
  if (i === -1) i = r.slices.length;
  const found = r.slices[i];
  if (found?.t === t) return found;
  const s = { t, current: 0, older: 0 };
  r.slices.splice(i, 0, s);
  return s;
}

/**
 * Epoch 0 is the flag before any switch (its time is 1970): there is no switch to time, so its milestones
 * stay null (they read as ms since 1970 before).
 */
const timed = (r: ConvergenceRecord) => r.epoch > 0;

/** Judges the slices that have settled since last time; true when a milestone changed. */
export function advance(r: ConvergenceRecord, now: number): boolean {
  const before = JSON.stringify(r.reached);
  const settled = now - SETTLE_MS;
  for (const s of r.slices) {
    if (s.t < r.judgedTo) continue;
    if (s.t + SLICE_MS > settled) break;
    r.judgedTo = s.t + SLICE_MS;
    if (s.current + s.older === 0) continue;
    const share = s.current / (s.current + s.older);
    for (const p of MILESTONES) {
      if (timed(r) && r.reached[p] === null && share >= p / 100) r.reached[p] = Math.max(s.t - r.since, 0);
    }
    if (s.older > 0) r.allCurrentFrom = null;
    else r.allCurrentFrom ??= s.t;
  }
  // Time without any report counts as settled too (nothing older was routed in it, or it would show).
  r.judgedTo = Math.max(r.judgedTo, settled - (settled % SLICE_MS));
  if (
    timed(r) &&
    r.reached["100"] === null &&
    r.allCurrentFrom !== null &&
    r.judgedTo - r.allCurrentFrom >= CONFIRM_MS
  ) {
    const at = Math.max(r.allCurrentFrom - r.since, 0);
    r.reached["100"] = at;
    for (const p of MILESTONES) r.reached[p] ??= at;
  }
  while ((r.slices[0]?.t ?? now) < now - KEEP_MS) r.slices.shift();
  return JSON.stringify(r.reached) !== before;
}

/** Share of the settled traffic of the last WINDOW_MS routed under the current epoch. */
function share(r: ConvergenceRecord, now: number): number | null {
  const settled = now - SETTLE_MS;
  let current = 0;
  let older = 0;
  for (const s of r.slices) {
    if (s.t + SLICE_MS > settled || s.t < settled - WINDOW_MS) continue;
    current += s.current;
    older += s.older;
  }
  return current + older === 0 ? null : current / (current + older);
}

export function convergenceView(r: ConvergenceRecord, now = Date.now()): Convergence {
  return {
    epoch: r.epoch,
    color: r.color,
    ...(r.split && { split: r.split }),
    since: iso(r.since),
    share: share(r, now),
    requests: { current: Math.round(r.current), older: Math.round(r.older) },
    reached: { ...r.reached },
    lastOlderAt: isoOrNull(r.lastOlderAt),
  };
}

/** A deployment's convergences (one per flag change it made) with `view` in place of its epoch's. */
export const withConvergence = (list: Convergence[] | undefined, view: Convergence): Convergence[] => [
  ...(list ?? []).filter((c) => c.epoch !== view.epoch),
  view,
];
