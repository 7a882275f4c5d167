// The contract between the Worker, the action and the dashboard (../shared/DESIGN.md).
// One definition each: the Worker validates with these, the action parses responses with them.
import { z } from "zod";

export const COLORS = ["blue", "green"] as const;
export const Color = z.enum(COLORS);
export type Color = z.infer<typeof Color>;

export const otherColor = (c: Color): Color => (c === "blue" ? "green" : "blue");

/** KV key `active` in the ROUTING namespace. */
export const Flag = z.object({
  color: Color,
  epoch: z.number().int().nonnegative(),
  deploymentId: z.string().nullable(),
  updatedAt: z.string(),
});
export type Flag = z.infer<typeof Flag>;
export const FLAG_KEY = "active";

export const Thresholds = z
  .object({
    /** p95 latency of probe requests, milliseconds. */
    maxP95Ms: z.number().positive(),
    /** share of failed probes (pre) or of router 5xx (post), 0..1. */
    maxErrorRate: z.number().min(0).max(1),
    /** probes needed before validation may pass. */
    minSamples: z.number().int().positive().max(10_000),
    /** time between probe rounds (Durable Object alarm), milliseconds. */
    probeIntervalMs: z.number().int().min(50).max(60_000),
    /** router requests under the new flag a watch needs before it may pass (0: no traffic needed). */
    minRouterRequests: z.number().int().nonnegative(),
    /** router 5xx that make a failure conclusive below `minRouterRequests` (the rate must exceed maxErrorRate too). */
    minFailures: z.number().int().positive().max(10_000).default(3),
    /** how long a watch without enough router traffic goes on before `onInconclusive` applies, seconds. */
    maxWatchSeconds: z.number().int().nonnegative().max(86_400).default(300),
    /** a watch that never saw `minRouterRequests`: succeed with a low-traffic warning, roll back, or wait for a decision. */
    onInconclusive: z.enum(["succeed", "rollback", "wait"]).default("wait"),
    /** with READBACK_PATH: how long a canary batch may take to become readable after it was accepted, ms. */
    readbackTimeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  })
  .strict();
export type Thresholds = z.infer<typeof Thresholds>;

export const DEFAULT_THRESHOLDS: Thresholds = {
  maxP95Ms: 1000,
  maxErrorRate: 0.01,
  minSamples: 10,
  probeIntervalMs: 1000,
  minRouterRequests: 20,
  minFailures: 3,
  maxWatchSeconds: 300,
  onInconclusive: "wait",
  readbackTimeoutMs: 10_000,
};
export const DEFAULT_WATCH_SECONDS = 30;

export const DeploymentRequest = z
  .object({
    version: z.string().trim().min(1, "version is required").max(128),
    color: Color.optional(),
    sha: z.string().max(64).optional(),
    actor: z.string().max(128).optional(),
    autoPromote: z.boolean().optional(),
    thresholds: Thresholds.partial().optional(),
    watchSeconds: z.number().int().min(0).max(3600).optional(),
  })
  .strict();
export type DeploymentRequest = z.infer<typeof DeploymentRequest>;

export const RollbackRequest = z
  .object({
    reason: z.string().max(500).optional(),
    /** roll back even onto the version the last deployment rejected (failed, rolled back or aborted). */
    force: z.boolean().optional(),
  })
  .strict();
export type RollbackRequest = z.infer<typeof RollbackRequest>;

export const DEPLOYMENT_STATUSES = [
  "validating",
  "awaiting_promotion",
  "promoted",
  "watching",
  "awaiting_decision",
  "succeeded",
  "rolled_back",
  "failed",
  "aborted",
] as const;
export const DeploymentStatus = z.enum(DEPLOYMENT_STATUSES);
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;
export const TERMINAL_STATUSES: readonly DeploymentStatus[] = ["succeeded", "rolled_back", "failed", "aborted"];
export const isTerminal = (s: DeploymentStatus): boolean => TERMINAL_STATUSES.includes(s);
/** Statuses in which the deployment's color serves traffic and is still being judged. */
export const LIVE_STATUSES: readonly DeploymentStatus[] = ["promoted", "watching", "awaiting_decision"];
export const isLive = (s: DeploymentStatus): boolean => LIVE_STATUSES.includes(s);

export const Step = z.object({
  status: DeploymentStatus,
  at: z.string(),
  detail: z.string().optional(),
});
export type Step = z.infer<typeof Step>;

/** `error_rate` is what older records named any probe failure; health and canary failures now name their own check. */
export const ProbeCheck = z.enum([
  "health",
  "canary",
  "latency",
  "error_rate",
  "router_5xx",
  "router_timeouts",
  "router_traffic",
  "readback",
]);
export type ProbeCheck = z.infer<typeof ProbeCheck>;

export const Probe = z.object({
  phase: z.enum(["pre", "post"]),
  check: ProbeCheck,
  ok: z.boolean(),
  at: z.string(),
  latencyMs: z.number().optional(),
  detail: z.string(),
});
export type Probe = z.infer<typeof Probe>;

export const Deployment = z.object({
  id: z.string(),
  version: z.string(),
  /** the color being deployed to (the idle one). */
  color: Color,
  /** the color that was active when the deployment started. */
  previousColor: Color,
  sha: z.string().nullable(),
  actor: z.string().nullable(),
  autoPromote: z.boolean(),
  thresholds: Thresholds,
  watchSeconds: z.number(),
  status: DeploymentStatus,
  reason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  promotedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  steps: z.array(Step),
  probes: z.array(Probe),
  /** aggregate of the pre-promotion probes, for the report. */
  summary: z.object({ samples: z.number(), errors: z.number(), p95Ms: z.number().nullable() }).optional(),
});
export type Deployment = z.infer<typeof Deployment>;

export const HealthState = z.enum(["healthy", "unhealthy", "unknown"]);
export const ColorInfo = z.object({
  origin: z.string(),
  version: z.string().nullable(),
  health: HealthState,
  checkedAt: z.string().nullable(),
  /** until when the color must stay warm after losing traffic (ISO), null when not draining. */
  drainingUntil: z.string().nullable(),
});
export type ColorInfo = z.infer<typeof ColorInfo>;

/** A manual rollback recorded in the history (no deployment was running). */
export const HistoryEntry = z.object({
  kind: z.enum(["deployment", "rollback"]),
  id: z.string(),
  version: z.string().nullable(),
  from: Color,
  to: Color,
  status: z.string(),
  reason: z.string().nullable(),
  actor: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** when traffic moved to `to` (deployments; the dashboard marks it on its chart). Absent in older records. */
  promotedAt: z.string().nullable().optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const TrafficPoint = z.object({
  /** second (unix ms, floored to 1000). */
  t: z.number(),
  requests: z.number(),
  errors5xx: z.number(),
  failovers: z.number(),
  p95Ms: z.number().nullable(),
});
export type TrafficPoint = z.infer<typeof TrafficPoint>;

/** The controller's Durable Object storage: all keys, deployment records among them, and the database size. */
export const StorageUse = z.object({ keys: z.number(), records: z.number(), bytes: z.number() });
export type StorageUse = z.infer<typeof StorageUse>;

/** One failed webhook delivery. Targets are named by host only: a webhook URL often carries its token. */
export const NotifyFailure = z.object({
  at: z.string(),
  target: z.string(),
  eventId: z.string(),
  type: z.string(),
  attempt: z.number(),
  error: z.string(),
  /** true when the event will not be sent to this target again (permanent error, attempts spent, outbox full). */
  gaveUp: z.boolean(),
  /** when the next attempt is due (ISO), null when given up. */
  retryAt: z.string().nullable(),
});
export type NotifyFailure = z.infer<typeof NotifyFailure>;

export const NotifyStatus = z.object({
  /** hosts of the configured webhooks. */
  targets: z.array(z.string()),
  /** whether bodies are signed (NOTIFY_SECRET set). */
  signed: z.boolean(),
  /** deliveries waiting in the outbox (one per event and target). */
  pending: z.number(),
  delivered: z.number(),
  /** deliveries given up. */
  failed: z.number(),
  lastDeliveredAt: z.string().nullable(),
  /** the latest failed attempts, newest first. */
  failures: z.array(NotifyFailure),
});
export type NotifyStatus = z.infer<typeof NotifyStatus>;

/** The JSON body POSTed to every NOTIFY_URLS webhook, signed in `x-bluegreen-signature`. */
export const NotifyPayload = z.object({
  /** the same for every attempt and every target: receivers deduplicate on it. */
  id: z.string(),
  /** increases with every event of this controller: receivers order on it. */
  seq: z.number(),
  type: z.string(),
  at: z.string(),
  platform: z.string(),
  /** one line for people; Slack-, Discord- (`/slack` URL) and Teams-style incoming webhooks render it as is. */
  text: z.string(),
  event: z.record(z.string(), z.unknown()),
});
export type NotifyPayload = z.infer<typeof NotifyPayload>;

export const State = z.object({
  active: Color,
  standby: Color,
  epoch: z.number(),
  flag: Flag,
  colors: z.object({ blue: ColorInfo, green: ColorInfo }),
  deployment: Deployment.nullable(),
  history: z.array(HistoryEntry),
  traffic: z.object({ blue: z.array(TrafficPoint), green: z.array(TrafficPoint) }),
  /** measured at most every 2 s when the state is read; null until first measured. */
  storage: StorageUse.nullable().optional(),
  /** webhook deliveries (NOTIFY_URLS): what waits, what got through, what failed. */
  notifications: NotifyStatus.optional(),
});
export type State = z.infer<typeof State>;

export const ApiError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ApiError = z.infer<typeof ApiError>;

/** Response of POST /api/rollback. */
export const RollbackResult = z.object({
  from: Color,
  to: Color,
  flag: Flag,
  deploymentId: z.string().nullable(),
});
export type RollbackResult = z.infer<typeof RollbackResult>;

/** Latency histogram bucket upper bounds (ms) shared by router counters and reports. */
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

export const PathCounters = z.object({
  requests: z.number().int().nonnegative(),
  errors5xx: z.number().int().nonnegative(),
});
export type PathCounters = z.infer<typeof PathCounters>;

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
});
export type ColorCounters = z.infer<typeof ColorCounters>;

export const CounterFlush = z.object({
  isolate: z.string(),
  /** the flag epoch the counted requests were routed under: a watch judges only its own epoch's traffic. */
  epoch: z.number().int().nonnegative(),
  /** window start and end, unix ms. */
  from: z.number(),
  to: z.number(),
  colors: z.object({ blue: ColorCounters, green: ColorCounters }),
});
export type CounterFlush = z.infer<typeof CounterFlush>;

/** Server-sent events on GET /api/events: `event: state` carries State; `event: traffic` a TrafficEvent. */
export const TrafficEvent = z.object({ blue: TrafficPoint.nullable(), green: TrafficPoint.nullable() });
export type TrafficEvent = z.infer<typeof TrafficEvent>;
