// The faults of the matrix: what the faulty color does from the moment the fault starts, how it heals, and the
// platform's own count that proves the fault really met traffic.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type Color, otherColor } from "../../shared";
import type { PlatformStats } from "../platform/platform";
import { sleep } from "./api";
import type { Stack } from "./stack";

export const FAULTS = ["crash", "reset", "hang", "slow", "500", "503", "429", "both-down", "20MiB", "gzip"] as const;
/** Outages of both colors longer than every shipper's retry budget: what only the edge spool survives. */
export const SPOOL_FAULTS = ["both-refuse-30s", "both-hang-30s"] as const;
export type FaultName = (typeof FAULTS)[number] | (typeof SPOOL_FAULTS)[number];

/** The Worker's default per-attempt origin timeout, read from wrangler.toml (the single source of vars). */
export function originTimeoutMs(): number {
  const toml = readFileSync(resolve(import.meta.dirname, "../../wrangler.toml"), "utf8");
  const m = /^ORIGIN_TIMEOUT_MS\s*=\s*"(\d+)"/m.exec(toml);
  return m ? Number(m[1]) : 4000;
}

/** How long a fault lasts when nothing reverts it (no deployment running), ms. */
export const FAULT_MS = 3000;
/**
 * 429/503 are transient by nature: a window. Fluent Bit's only retry comes 5-10 s after the failure, so a
 * window shorter than 5 s is one its default budget survives (longer ones lose chunks at any router).
 */
export const WINDOW_MS = 2000;
/** Both colors refuse connections this long (the "both colors down for 3 s"). */
export const BOTH_DOWN_MS = 3000;
/** The long outages of SPOOL_FAULTS: longer than the OTel exporter's 10 s deadline and Fluent Bit's one retry. */
export const LONG_OUTAGE_MS = 30_000;
/** A batch just under the 20 MiB that MAX_BODY_BYTES and the OTLP spec allow. */
export const LARGE_BATCH_BYTES = 20 * 1024 * 1024 - 64 * 1024;

export interface FaultSpec {
  /** producers send gzip bodies / one large batch each while the fault is on. */
  gzip?: boolean;
  large?: boolean;
  /** a fault of the origin (not a kind of body): a deployment onto it must be rolled back by the watch. */
  breaksRelease: boolean;
  /** turns the fault on; resolves when a fault that ends by itself (a window, an outage) is over. */
  start(stack: Stack, color: Color): Promise<void>;
  /** back to a working color once the cell's fault period is over. */
  heal(stack: Stack, color: Color): Promise<void>;
  /** the count that shows the fault met traffic (platform stats of the faulty color since the fault started). */
  evidence?: { label: string; of: (delta: PlatformStats) => number; min?: number };
}

const knob = (faults: Parameters<Stack["platforms"]["blue"]["setFaults"]>[0], evidence: FaultSpec["evidence"]) =>
  ({
    breaksRelease: true,
    start: async (s, c) => {
      s.platforms[c].setFaults(faults);
      if (faults.forMs) await sleep(faults.forMs);
    },
    heal: async (s, c) => s.platforms[c].setFaults({}),
    evidence,
  }) satisfies FaultSpec;

/** Both colors refuse connections for `ms` (outage() revives each by itself). */
const bothRefuse = (ms: number): FaultSpec => ({
  breaksRelease: true,
  start: async (s, c) => {
    await Promise.all([s.platforms[c].outage(ms), s.platforms[otherColor(c)].outage(ms)]);
  },
  heal: async () => undefined,
});

const none = { breaksRelease: false, start: async () => undefined, heal: async () => undefined };

export function faultSpec(name: FaultName): FaultSpec {
  const timeout = originTimeoutMs();
  switch (name) {
    case "crash":
      return { breaksRelease: true, start: (s, c) => s.platforms[c].kill(), heal: (s, c) => s.platforms[c].revive() };
    case "reset":
      return knob({ resetMidBody: true }, { label: "resets", of: (d) => d.resets });
    case "hang":
      return knob({ hang: true }, { label: "hung", of: (d) => d.hung });
    case "slow":
      // Stored when it finally answers (2x the router's timeout): the duplicate must be dropped by key.
      return knob({ slowIngestMs: 2 * timeout }, { label: "slow", of: (d) => d.slow });
    case "500":
      return knob({ errorRate: 1 }, { label: "500s", of: (d) => d.failed });
    case "503":
    case "429":
      return knob(
        { reject: { status: Number(name), retryAfterSeconds: 1 }, forMs: WINDOW_MS },
        { label: `${name}s`, of: (d) => d.rejected },
      );
    case "both-down":
      return bothRefuse(BOTH_DOWN_MS);
    case "both-refuse-30s":
      return bothRefuse(LONG_OUTAGE_MS);
    case "both-hang-30s":
      return {
        breaksRelease: true,
        start: async (s, c) => {
          for (const color of [c, otherColor(c)]) s.platforms[color].setFaults({ hang: true });
          await sleep(LONG_OUTAGE_MS);
        },
        heal: async (s, c) => {
          for (const color of [c, otherColor(c)]) s.platforms[color].setFaults({});
        },
        evidence: { label: "hung", of: (d) => d.hung },
      };
    case "20MiB":
      return {
        ...none,
        large: true,
        evidence: { label: "largest body", of: (d) => d.maxBodyBytes, min: 0.95 * LARGE_BATCH_BYTES },
      };
    case "gzip":
      return { ...none, gzip: true, evidence: { label: "gzip bodies", of: (d) => d.gzipBodies } };
  }
}

/** What changed in a platform's counters since `before` (maxBodyBytes: the new largest body, else 0). */
export function statsDelta(after: PlatformStats, before: PlatformStats): PlatformStats {
  const out = { ...after };
  for (const k of Object.keys(out) as (keyof PlatformStats)[]) out[k] = after[k] - before[k];
  out.maxBodyBytes = after.maxBodyBytes > before.maxBodyBytes ? after.maxBodyBytes : 0;
  out.inflight = after.inflight;
  return out;
}
