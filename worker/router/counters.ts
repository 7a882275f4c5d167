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

/**
 * Outcomes per color, aggregated in this isolate and handed to the controller at most once a second.
 * Counts are kept apart per flag epoch, so a late flush of the traffic before a switch is never taken
 * for the traffic after it.
 */
export class Counters {
  private id: string | null = null;
  private windows = new Map<number, Window>();
  private windowStart = 0;
  private lastFlush = 0;
  /**
   * Totals since this isolate started, for /healthz. `dropped`: requests whose counts were given up (an
   * epoch pushed out past MAX_EPOCHS while flushes failed), so a loss of evidence is never silent.
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
   * Adds flushed batches back in: a flush that failed (sent again with the next one), or, in a location
   * tier, its isolates' batches merged. Bounded like recording: per epoch, per color, per path key.
   */
  add(batches: readonly CounterFlush[]): void {
    for (const b of batches) {
      if (
        this.windows.size >= this.maxEpochs &&
        !this.windows.has(b.epoch) &&
        b.epoch < Math.min(...this.windows.keys())
      ) {
        this.totals.dropped += b.colors.blue.requests + b.colors.green.requests;
        continue;
      }
      const w = this.window(b.epoch, b.from);
      mergeColor(w.blue, b.colors.blue, pathKey);
      mergeColor(w.green, b.colors.green, pathKey);
    }
  }

  /** Whether anything is counted and not yet taken. */
  get waiting(): boolean {
    return this.windows.size > 0;
  }

  /** Requests counted and not yet taken (what a failed flush kept, say). */
  pending(): number {
    let n = 0;
    for (const w of this.windows.values()) n += w.blue.requests + w.green.requests;
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

  /** The batches to send now (one per epoch seen), or none when nothing new or flushed less than a second ago. */
  take(now = Date.now()): CounterFlush[] {
    if (this.windows.size === 0 || now - this.lastFlush < this.flushIntervalMs) return [];
    const batches = [...this.windows].map(([epoch, colors]) => ({
      isolate: this.isolate,
      epoch,
      from: this.windowStart,
      to: now,
      colors,
    }));
    this.windows = new Map();
    this.windowStart = now;
    this.lastFlush = now;
    return batches;
  }
}

export const counters = new Counters();
