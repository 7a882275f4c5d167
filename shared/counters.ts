// What routers count per color and flush to the controller at most once a second.
import * as z from "zod";
import { LATENCY_BUCKETS_MS } from "./latency";

export const PathCounters = z.object({
  requests: z.number().int().nonnegative(),
  errors5xx: z.number().int().nonnegative(),
});
export type PathCounters = z.infer<typeof PathCounters>;

/** Outcomes of mirrored copies (docs/deployments.md, "Mirroring"), apart from served traffic. */
export const MirrorCounters = z.object({
  /** copies sent that ended (answered, failed or timed out). */
  requests: z.number().int().nonnegative(),
  /** of those, answered 2xx. */
  accepted: z.number().int().nonnegative(),
  /** answered 5xx, or no answer (network error 502, timeout 504). */
  errors5xx: z.number().int().nonnegative(),
  timeouts: z.number().int().nonnegative(),
  /** copies not sent: the isolate already had its bound of copies in flight. */
  skipped: z.number().int().nonnegative(),
  /** counts per LATENCY_BUCKETS_MS bucket, plus one overflow bucket. */
  latency: z.array(z.number().int().nonnegative()).length(LATENCY_BUCKETS_MS.length + 1),
});
export type MirrorCounters = z.infer<typeof MirrorCounters>;

/** One isolate's counters for one color, flushed to the controller. */
export const ColorCounters = z.object({
  requests: z.number().int().nonnegative(),
  errors5xx: z.number().int().nonnegative(),
  failovers: z.number().int().nonnegative(),
  /** counts per LATENCY_BUCKETS_MS bucket, plus one overflow bucket. */
  latency: z.array(z.number().int().nonnegative()).length(LATENCY_BUCKETS_MS.length + 1),
  /** attempts on this color that got no response headers within ORIGIN_TIMEOUT_MS. */
  timeouts: z.number().int().nonnegative().optional(),
  /** times an isolate ejected this color (outlier ejection). */
  ejections: z.number().int().nonnegative().optional(),
  /** outcomes per ingest path: the distinct CANARY paths plus `other`. */
  paths: z.record(z.string(), PathCounters).optional(),
  /** copies of live requests mirrored to this color (not served traffic: never in the counts above). */
  mirrored: MirrorCounters.optional(),
});
export type ColorCounters = z.infer<typeof ColorCounters>;

export const CounterFlush = z.object({
  /**
   * random per batch: a batch whose call failed is sent again as it is, under the same id, and a receiver
   * (the location tier, the controller) drops one it has already taken (docs/scale.md). Absent from routers
   * that predate it: such a batch is taken as before.
   */
  id: z.string().optional(),
  isolate: z.string(),
  /** the flag epoch the counted requests were routed under: a watch judges only its own epoch's traffic. */
  epoch: z.number().int().nonnegative(),
  /** window start and end, unix ms. */
  from: z.number(),
  to: z.number(),
  colors: z.object({ blue: ColorCounters, green: ColorCounters }),
});
export type CounterFlush = z.infer<typeof CounterFlush>;
