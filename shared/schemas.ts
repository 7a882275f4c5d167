// The contract between the Worker, the action and the dashboard (../shared/DESIGN.md).
// One definition each: the Worker validates with these, the action parses responses with them.
import * as z from "zod";

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
  /** whether routers may fail over to (and eject towards) the standby; absent = true. Written by the controller. */
  failover: z.boolean().optional(),
  /**
   * Traffic steps: this share of requests (1..99 %) goes to `color`, the rest to the flag's color.
   * Absent: all of it to the flag's color. Written by the controller (README, "Traffic steps").
   */
  split: z.object({ color: Color, percent: z.number().int().min(1).max(99) }).optional(),
  /**
   * while a deployment validates: copy `percent` % of live ingest requests to `color` after the client's
   * answer (README, "Mirroring"). Written by the controller; absent = no copies.
   */
  mirror: z.object({ color: Color, percent: z.number().gt(0).max(100) }).optional(),
});
export type Flag = z.infer<typeof Flag>;
export type Split = NonNullable<Flag["split"]>;
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
    /** mirrored requests the candidate must have answered before validation judges it on them (README, "Mirroring"). */
    minMirrorRequests: z.number().int().positive().max(1_000_000).default(20),
    /** share of the copies routers meant to send (sent + skipped at the bound) the candidate must accept (2xx), 0..1. */
    minMirrorAcceptRate: z.number().min(0).max(1).default(0.99),
    /** how long validation waits, once the probes pass, for `minMirrorRequests` before it falls back to the probes alone, s. */
    mirrorWaitSeconds: z.number().int().nonnegative().max(3600).default(30),
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
  minMirrorRequests: 20,
  minMirrorAcceptRate: 0.99,
  mirrorWaitSeconds: 30,
};
/** Share of live ingest requests copied to the candidate while it validates, when the request names none. */
export const DEFAULT_MIRROR_PERCENT = 10;
export const DEFAULT_WATCH_SECONDS = 30;

/**
 * A traffic plan (`steps` of POST /api/deployments): percentages of requests on the new color, e.g.
 * [5, 25, 100]; whole numbers 1..100, strictly increasing, the last 100 (README, "Traffic steps").
 */
export const TrafficPlan = z
  .array(
    z
      .number()
      .int("each step must be a whole percentage")
      .min(1, "each step must be 1..100")
      .max(100, "each step must be 1..100"),
  )
  .min(1, "steps needs at least one step")
  .max(20, "steps takes at most 20 steps")
  .superRefine((steps, ctx) => {
    steps.forEach((p, i) => {
      if (i > 0 && p <= (steps[i - 1] as number)) {
        ctx.addIssue({
          code: "custom",
          path: [i],
          message: `steps must be strictly increasing (${steps[i - 1]} then ${p})`,
        });
      }
    });
    if (steps.at(-1) !== 100)
      ctx.addIssue({ code: "custom", message: `the last step must be 100, got ${steps.at(-1)}` });
  });

export const DeploymentRequest = z
  .object({
    version: z.string().trim().min(1, "version is required").max(128),
    color: Color.optional(),
    sha: z.string().max(64).optional(),
    actor: z.string().max(128).optional(),
    autoPromote: z.boolean().optional(),
    thresholds: Thresholds.partial().optional(),
    watchSeconds: z.number().int().min(0).max(3600).optional(),
    /** `awaiting_promotion` ends `aborted` after this long (default: the Worker's PROMOTION_TIMEOUT_SECONDS). */
    promotionTimeoutSeconds: z.number().int().min(1).max(604_800).optional(),
    /** validation without a verdict ends `failed` after this long (default: VALIDATION_TIMEOUT_SECONDS). */
    validationTimeoutSeconds: z.number().int().min(1).max(86_400).optional(),
    /** the configuration identity every node of the color must report on its health endpoint (validation fails `config` otherwise). */
    configHash: z.string().trim().min(1).max(128).optional(),
    /** traffic steps after validation, e.g. [5, 25, 100]; absent: all traffic at once. */
    steps: TrafficPlan.optional(),
    /** how long each step below 100 % is watched (default: watchSeconds); the 100 % step is watched for watchSeconds. */
    stepSeconds: z.number().int().min(1).max(3600).optional(),
    /** % of live ingest requests copied to the candidate while it validates (0: none; default DEFAULT_MIRROR_PERCENT). */
    mirrorPercent: z.number().min(0).max(100).optional(),
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
  "config",
  "router_ejections",
  "mirror",
  "mirror_errors",
  "mirror_latency",
  "mirror_throughput",
]);
export type ProbeCheck = z.infer<typeof ProbeCheck>;

export const Probe = z.object({
  phase: z.enum(["pre", "post"]),
  check: ProbeCheck,
  /** canary probes: which one (`/v1/logs otlp-proto`, path and format from CANARY). */
  target: z.string().optional(),
  ok: z.boolean(),
  at: z.string(),
  latencyMs: z.number().optional(),
  detail: z.string(),
});
export type Probe = z.infer<typeof Probe>;

/**
 * How far the routers have moved to a flag epoch, from the per-epoch counters every isolate reports
 * (as reported: a router flushes at most once a second, so figures trail routing by up to ~1 s).
 */
export const Convergence = z.object({
  epoch: z.number().int().nonnegative(),
  /** the color this epoch sends traffic to. */
  color: Color,
  /** the epoch's traffic split (traffic steps): `percent` of requests to `color` of the split. */
  split: Flag.shape.split,
  /** when the controller switched to this epoch (ISO). */
  since: z.string(),
  /** share of router requests routed under this epoch over the last few seconds (0..1); null without traffic. */
  share: z.number().min(0).max(1).nullable(),
  /** requests reported since the switch, routed under this epoch and under older ones. */
  requests: z.object({ current: z.number(), older: z.number() }),
  /**
   * ms after the switch when the share first reached 50 % and 99 %; for 100 %, when the last older-epoch
   * traffic was reported (set once a window without any has confirmed it, cleared if more turns up).
   */
  reached: z.object({ "50": z.number().nullable(), "99": z.number().nullable(), "100": z.number().nullable() }),
  /** last time a router reported traffic under an older epoch (ISO). */
  lastOlderAt: z.string().nullable(),
});
export type Convergence = z.infer<typeof Convergence>;

/** What the watch judges and when its period started counting. */
export const Watch = z.object({
  /** the flag epoch whose traffic is judged (the switch's). */
  epoch: z.number().int().nonnegative(),
  /**
   * when `watchSeconds` started counting (ISO): convergence first reached 99 %, or DRAIN_SECONDS after the
   * switch if it had not by then, whichever came first; null until one of them happens.
   */
  startedAt: z.string().nullable(),
  startedBy: z.enum(["convergence", "drain_seconds"]).nullable(),
  /** router outcomes on the new color routed under `epoch` (what the watch judges). */
  requests: z.number().int().nonnegative(),
  errors5xx: z.number().int().nonnegative(),
  timeouts: z.number().int().nonnegative(),
  paths: z.record(z.string(), z.object({ requests: z.number(), errors5xx: z.number() })),
  /** isolates that ejected a color (outlier ejection) under `epoch`, per color; absent before the first. */
  ejections: z.partialRecord(Color, z.number().int().nonnegative()).optional(),
});
export type Watch = z.infer<typeof Watch>;

/** One step of a deployment's traffic plan, with its progress and the evidence it was judged on. */
export const TrafficStep = z.object({
  /** share of requests sent to the deployment's color (100: the whole switch). */
  percent: z.number().int().min(1).max(100),
  /** how long it is watched (from when the routers converged to its epoch, as the watch). */
  seconds: z.number().int().nonnegative(),
  /** `reverted`: traffic went back during it (a breach, a manual rollback or abort: `detail` says which). */
  status: z.enum(["pending", "running", "passed", "reverted", "skipped"]),
  /** the flag epoch it wrote (its traffic is judged under it); null while pending. */
  epoch: z.number().int().nonnegative().nullable(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  /** router outcomes on the deployment's color under `epoch` (what the step was judged on). */
  requests: z.number().int().nonnegative(),
  errors5xx: z.number().int().nonnegative(),
  timeouts: z.number().int().nonnegative(),
  /** why it ended (the breach's reason, the watch's verdict, or who stopped it). */
  detail: z.string().nullable(),
});
export type TrafficStep = z.infer<typeof TrafficStep>;

/** What one health answer says a node of a color runs. */
export const Identity = z.object({
  version: z.string().nullable(),
  configHash: z.string().nullable(),
  /** node ids that reported it (bounded; empty when the platform names no nodes). */
  nodes: z.array(z.string()),
  /** health answers that reported it. */
  answers: z.number().int().nonnegative(),
});
export type Identity = z.infer<typeof Identity>;

/** Validation on mirrored live traffic (README, "Mirroring"): what the candidate did with the copies. */
export const MirrorReport = z.object({
  /** % of live ingest requests copied (0: mirroring off for this deployment). */
  percent: z.number(),
  /** the first flag epoch that carried this deployment's mirror: copies under older epochs are not its own. */
  fromEpoch: z.number().int().nonnegative().nullable(),
  /**
   * `collecting` until `minMirrorRequests`; `passed`/`failed` by the mirror verdict; `no-traffic` when too few
   * copies came within `mirrorWaitSeconds` of the probes passing (validation judged by the probes alone); `off`.
   */
  status: z.enum(["collecting", "passed", "failed", "no-traffic", "off"]),
  requests: z.number().int().nonnegative(),
  accepted: z.number().int().nonnegative(),
  errors5xx: z.number().int().nonnegative(),
  timeouts: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  /** histogram over LATENCY_BUCKETS_MS plus overflow. */
  latency: z.array(z.number().int().nonnegative()),
  /** upper bound of the latency bucket holding the 95th percentile; null without copies. */
  p95Ms: z.number().nullable(),
  /** accepted / (requests + skipped); null before any copy. */
  acceptRate: z.number().nullable(),
  /** router requests the active color served while this deployment mirrored (any flag epoch): the live traffic to copy. */
  live: z.number().int().nonnegative().optional(),
  /** when the probes passed and validation began to wait for `minMirrorRequests` (ISO); null before. */
  probesPassedAt: z.string().nullable().optional(),
  detail: z.string(),
});
export type MirrorReport = z.infer<typeof MirrorReport>;

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
  /** deadlines (absent in records from before they existed). */
  promotionTimeoutSeconds: z.number().optional(),
  validationTimeoutSeconds: z.number().optional(),
  /** the post-switch watch: its evidence and when its period started. */
  watch: Watch.optional(),
  /** the configHash the request named (absent: any, as long as every node reports the same). */
  configHash: z.string().nullable().optional(),
  /** each distinct (version, configHash) its color's health answers reported, with the nodes that said so. */
  identities: z.array(Identity).optional(),
  /** convergence of each flag change this deployment made: the switch, then a revert if any. */
  convergence: z.array(Convergence).optional(),
  /**
   * the traffic plan (request `steps`) with each step's progress; absent without steps. (`steps` above
   * is the list of status changes, older than the plan, hence the name.)
   */
  trafficSteps: z.array(TrafficStep).optional(),
  /** seconds each step below 100 % is watched. */
  stepSeconds: z.number().optional(),
  /** validation on mirrored live traffic (absent in records from before mirroring). */
  mirror: MirrorReport.optional(),
});
export type Deployment = z.infer<typeof Deployment>;

export const HealthState = z.enum(["healthy", "unhealthy", "unknown"]);
export const ColorInfo = z.object({
  origin: z.string(),
  version: z.string().nullable(),
  /** configHash of its last health answer (null when the platform reports none). */
  configHash: z.string().nullable().optional(),
  health: HealthState,
  checkedAt: z.string().nullable(),
  /**
   * while draining, the earliest time it can be drained by what is known now (ISO; later router reports
   * can push it back); null when not draining.
   */
  drainingUntil: z.string().nullable(),
  /** why it still drains: what it waits for, in words (null when not draining). */
  drain: z
    .object({
      /** when it lost traffic (ISO). */
      since: z.string(),
      /** last time a router reported sending it traffic under an older epoch (ISO). */
      lastOlderTrafficAt: z.string().nullable(),
      waitingFor: z.array(z.string()),
    })
    .nullable()
    .optional(),
  /** when it was last declared drained (ISO). */
  drainedAt: z.string().nullable().optional(),
  /**
   * with DRAIN_PATH: the platform's last in-flight report since this color lost traffic (`count` null when
   * the ask failed, with `error`); null when not asked.
   */
  inflight: z
    .object({ count: z.number().nullable(), at: z.string(), error: z.string().nullable() })
    .nullable()
    .optional(),
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
  /** router isolates that ejected this color in that second (absent in older snapshots). */
  ejections: z.number().optional(),
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

/** Whether KV holds the controller's flag (routers read KV, so until it does they route by the old one). */
export const FlagSync = z.object({
  /** since when KV has not held the controller's flag (ISO); null while it does. */
  outOfSyncSince: z.string().nullable(),
  /** when KV last came to hold it. */
  syncedAt: z.string().nullable(),
  /** when KV was last read to compare. */
  checkedAt: z.string().nullable(),
  /** failed writes since it was last in sync, the last one's error, and when the next try is due. */
  failures: z.number().int().nonnegative(),
  lastError: z.string().nullable(),
  retryAt: z.string().nullable(),
});
export type FlagSync = z.infer<typeof FlagSync>;

/**
 * A breach of the active color outside a deployment's watch (health failing, or the routers' timeouts
 * or 5xx). `action` says what the controller did: `reverted` (autoRevertActive sent traffic to the
 * known-good standby) or `none` (with `actionDetail` saying why not).
 */
export const Incident = z.object({
  id: z.string(),
  at: z.string(),
  color: Color,
  version: z.string().nullable(),
  check: ProbeCheck,
  detail: z.string(),
  action: z.enum(["none", "reverted"]),
  actionDetail: z.string(),
  /** when the breach cleared or the color stopped serving; null while open. */
  resolvedAt: z.string().nullable(),
});
export type Incident = z.infer<typeof Incident>;

export const State = z.object({
  active: Color,
  standby: Color,
  epoch: z.number(),
  flag: Flag,
  /** false while KV does not hold `flag` (a failed write being retried, or KV changed behind the controller). */
  flagInSync: z.boolean().optional(),
  flagSync: FlagSync.optional(),
  /** how far the routers have moved to the current epoch. */
  convergence: Convergence.optional(),
  colors: z.object({ blue: ColorInfo, green: ColorInfo }),
  deployment: Deployment.nullable(),
  history: z.array(HistoryEntry),
  /** the latest incidents of the active color, newest first (bounded); absent from older controllers. */
  incidents: z.array(Incident).optional(),
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

/** Outcomes of mirrored copies (README, "Mirroring"), apart from served traffic. */
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
export const TrafficEvent = z.object({
  blue: TrafficPoint.nullable(),
  green: TrafficPoint.nullable(),
  /** the live convergence to the current epoch. */
  convergence: Convergence.optional(),
});
export type TrafficEvent = z.infer<typeof TrafficEvent>;
