import { bucketOf, emptyHistogram } from "../../shared/latency";
import type { Color, ColorCounters, CounterFlush, MirrorCounters } from "../../shared/schemas";
import { mergeColor } from "./merge";

const FLUSH_INTERVAL_MS = 1000;
/** The path key for every request outside the configured CANARY paths (keeps the set bounded). */
export const OTHER_PATH = "other";
/**
 * Bounds of what an isolate keeps between flushes. Only a flag change opens a new epoch (at most a few a
 * second); past MAX_EPOCHS the oldest epoch's counts are dropped (late traffic of a superseded flag, which
 * the controller no longer judges). Path keys are the CANARY paths and `other`; past MAX_PATHS per color
 * (a CANARY list that long), a path counts as `other`.
 */
export const MAX_EPOCHS = 4;
export const MAX_PATHS = 16;

/** The key `path` is counted under in `paths`: itself, or OTHER_PATH once `paths` is full. */
export function pathKey(paths: Record<string, unknown>, path: string): string {
  if (path === OTHER_PATH || Object.hasOwn(paths, path)) return path;
  return Object.keys(paths).length < MAX_PATHS - 1 ? path : OTHER_PATH;
}

type Window = CounterFlush["colors"];

const empty = (): ColorCounters => ({
  requests: 0,
  errors5xx: 0,
  failovers: 0,
  latency: emptyHistogram(),
  timeouts: 0,
  ejections: 0,
  paths: {},
});

const requestsOf = (b: CounterFlush) => b.colors.blue.requests + b.colors.green.requests;

/**
 * Outcomes per color, aggregated in this isolate and handed to the controller at most once a second.
 * Counts are kept apart per flag epoch, so a late flush of the traffic before a switch is never taken
 * for the traffic after it. Each batch handed on has its own id; one whose call failed is sent again as it
 * is (its first copy may have landed: the receiver drops a repeat, see report-ids.ts).
 */
export class Counters {
  private id: string | null = null;
  private windows = new Map<number, Window>();
  /** batches whose call failed, to send again unchanged (same id and content), never merged with newer counts. */
  private unsent: CounterFlush[] = [];
  private windowStart = 0;
  private lastFlush = 0;
  /**
   * Totals since this isolate started, for /healthz. `dropped`: requests whose counts were given up (an
   * epoch pushed out past MAX_EPOCHS, or a failed batch past the bound of unsent ones, while flushes
   * failed), so a loss of evidence is never silent.
   */
  readonly totals = { timeouts: 0, ejections: 0, dropped: 0 };

  /**
   * `maxEpochs`: an isolate keeps MAX_EPOCHS; a location tier, which merges isolates that learn a new flag
   * at different moments (and late counts of quiet ones), keeps more. `flushIntervalMs`: the least time
   * between two takes (a tier keeps its own schedule: 0).
   */
  constructor(
    private readonly maxEpochs = MAX_EPOCHS,
    private readonly flushIntervalMs = FLUSH_INTERVAL_MS,
  ) {}

  /** Random id of this isolate (created lazily: no randomness allowed at global scope). */
  get isolate(): string {
    this.id ??= crypto.randomUUID();
    return this.id;
  }

  private window(epoch: number, from = Date.now()): Window {
    if (this.windows.size === 0 || from < this.windowStart) this.windowStart = from;
    let w = this.windows.get(epoch);
    if (!w) {
      if (this.windows.size >= this.maxEpochs) {
        const oldest = Math.min(...this.windows.keys());
        const gone = this.windows.get(oldest);
        this.totals.dropped += (gone?.blue.requests ?? 0) + (gone?.green.requests ?? 0);
        this.windows.delete(oldest);
      }
      w = { blue: empty(), green: empty() };
      this.windows.set(epoch, w);
    }
    return w;
  }

  private counters(epoch: number, color: Color): ColorCounters {
    return this.window(epoch)[color];
  }

  /**
   * Merges batches into the counts (a location tier's isolates' batches, already rid of repeats). Bounded
   * like recording: per epoch, per color, per path key.
   */
  add(batches: readonly CounterFlush[]): void {
    for (const b of batches) {
      if (
        this.windows.size >= this.maxEpochs &&
        !this.windows.has(b.epoch) &&
        b.epoch < Math.min(...this.windows.keys())
      ) {
        this.totals.dropped += requestsOf(b);
        continue;
      }
      const w = this.window(b.epoch, b.from);
      mergeColor(w.blue, b.colors.blue, pathKey);
      mergeColor(w.green, b.colors.green, pathKey);
    }
  }

  /**
   * Takes back the batches of a call that failed, to send again with the next take as they are: the call may
   * have reached the receiver before it failed (an answer lost, an object reset mid-call), and only the same
   * id lets the receiver tell the copy from new counts. Bounded: at most `maxEpochs` such batches (the
   * oldest epoch's are given up beyond, and counted).
   */
  putBack(batches: readonly CounterFlush[]): void {
    this.unsent.push(...batches);
    while (this.unsent.length > this.maxEpochs) {
      const oldest = this.unsent.reduce((o, b) => (b.epoch < o.epoch ? b : o));
      this.unsent.splice(this.unsent.indexOf(oldest), 1);
      this.totals.dropped += requestsOf(oldest);
    }
  }

  /** Whether anything is counted and not yet taken. */
  get waiting(): boolean {
    return this.windows.size > 0 || this.unsent.length > 0;
  }

  /** Requests counted and not yet taken (what a failed flush kept, say). */
  pending(): number {
    let n = 0;
    for (const w of this.windows.values()) n += w.blue.requests + w.green.requests;
    for (const b of this.unsent) n += requestsOf(b);
    return n;
  }

  /** One attempt's outcome; `path` is a CANARY path or OTHER_PATH (at most MAX_PATHS keys are kept). */
  record(
    epoch: number,
    color: Color,
    path: string,
    status: number,
    latencyMs: number,
    failedOver: boolean,
    timedOut: boolean,
  ): void {
    const c = this.counters(epoch, color);
    const error = status >= 500;
    c.requests++;
    if (error) c.errors5xx++;
    if (failedOver) c.failovers++;
    if (timedOut) {
      c.timeouts = (c.timeouts ?? 0) + 1;
      this.totals.timeouts++;
    }
    const b = bucketOf(latencyMs);
    c.latency[b] = (c.latency[b] ?? 0) + 1;
    c.paths ??= {};
    const key = pathKey(c.paths, path);
    let p = c.paths[key];
    if (!p) {
      p = { requests: 0, errors5xx: 0 };
      c.paths[key] = p;
    }
    p.requests++;
    if (error) p.errors5xx++;
  }

  private mirrorCounts(epoch: number, color: Color): MirrorCounters {
    const c = this.counters(epoch, color);
    c.mirrored ??= { requests: 0, accepted: 0, errors5xx: 0, timeouts: 0, skipped: 0, latency: emptyHistogram() };
    return c.mirrored;
  }

  /** One mirrored copy's outcome (docs/deployments.md, "Mirroring"): kept apart from the served traffic above. */
  mirrored(epoch: number, color: Color, status: number, latencyMs: number, timedOut: boolean): void {
    const m = this.mirrorCounts(epoch, color);
    m.requests++;
    if (status >= 200 && status < 300) m.accepted++;
    if (status >= 500) m.errors5xx++;
    if (timedOut) m.timeouts++;
    const b = bucketOf(latencyMs);
    m.latency[b] = (m.latency[b] ?? 0) + 1;
  }

  /** A copy not sent: this isolate already had its bound of copies in flight. */
  mirrorSkipped(epoch: number, color: Color): void {
    this.mirrorCounts(epoch, color).skipped++;
  }

  /** This isolate stopped sending new requests to `color` (outlier ejection). */
  ejected(epoch: number, color: Color): void {
    const c = this.counters(epoch, color);
    c.ejections = (c.ejections ?? 0) + 1;
    this.totals.ejections++;
  }

  /**
   * The batches to send now: those of failed calls, as they were, then the new counts (one batch per epoch
   * seen, each with a new id); none when nothing waits or the last take is less than a second old. New
   * counts are cut into batches only while they fit beside the unsent ones (`maxEpochs` in all): through a
   * long outage they keep adding up in their windows (bounded per epoch), not into ever more batches.
   */
  take(now = Date.now()): CounterFlush[] {
    if (!this.waiting || now - this.lastFlush < this.flushIntervalMs) return [];
    const batches = this.unsent;
    this.unsent = [];
    if (this.windows.size > 0 && batches.length + this.windows.size <= this.maxEpochs) {
      for (const [epoch, colors] of this.windows)
        batches.push({
          id: crypto.randomUUID(),
          isolate: this.isolate,
          epoch,
          from: this.windowStart,
          to: now,
          colors,
        });
      this.windows = new Map();
      this.windowStart = now;
    }
    this.lastFlush = now;
    return batches;
  }
}

export const counters = new Counters();
