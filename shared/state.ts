// GET /api/state and the events stream: colors, history, live traffic, notifications, flag sync, incidents; API errors.
import * as z from "zod";
import { Convergence, Deployment, ProbeCheck } from "./deployment";
import { Color, Flag } from "./flag";

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

/**
 * A deployment, a rollback outside one, or (`standby`) the idle color becoming (`status: ready`) or ceasing
 * to be (`unavailable`) a failover target; `to` is then the idle color.
 */
export const HistoryEntry = z.object({
  kind: z.enum(["deployment", "rollback", "standby"]),
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

/** The edge spool (docs/spool.md): batches no color took, stored in R2 and queued for delivery. */
export const SpoolState = z.object({
  /** spooled batches not yet delivered (as far as the queue's consumer has seen them). */
  depth: z.number().int().nonnegative(),
  /** age of the oldest of those, seconds; null when the spool is empty. */
  oldestAgeSeconds: z.number().nonnegative().nullable(),
  /** batches delivered to the active color since the controller began counting. */
  delivered: z.number().int().nonnegative(),
  /** batches in the dead-letter store (retries spent or refused for good), replayable with POST /api/spool/replay. */
  deadLettered: z.number().int().nonnegative(),
});
export type SpoolState = z.infer<typeof SpoolState>;
/**
 * The controller's evidence coverage (docs/scale.md): which edge locations' tiers reported, and how lately. During a
 * watch it covers the locations that reported since the switch; outside one, every location heard from in the last
 * hour.
 */
export const CoverageState = z.object({
  /** when the running watch began (its switch, ISO); null outside a watch. */
  since: z.string().nullable(),
  /** locations that reported since `since` (outside a watch: within the last hour). */
  locations: z.number().int().nonnegative(),
  /** of those, the ones whose last report is at most `windowMs` old. */
  reporting: z.number().int().nonnegative(),
  /** age of the newest and of the oldest of those locations' last reports, ms (null: no location). */
  newestAgeMs: z.number().nonnegative().nullable(),
  oldestAgeMs: z.number().nonnegative().nullable(),
  /** how recent a report must be for its location to count as reporting. */
  windowMs: z.number().int().positive(),
  /** during a watch, more than half of its locations went silent: the watch cannot pass (false outside one). */
  collapsed: z.boolean(),
});
export type CoverageState = z.infer<typeof CoverageState>;

/** Probe rounds in a row, one per HEALTH_INTERVAL_MS, an idle color on the active release passes to become a failover target again. */
export const STANDBY_ROUNDS = 3;

/** Whether requests may fail over now, and to where (docs/router-and-failover.md, docs/protection.md). */
export const Protection = z.object({
  /** the idle color when the flag lets routers fail over to it; null: the active color runs unprotected. */
  failoverTarget: Color.nullable(),
  /** when it last changed (ISO; null: never since this controller started keeping it). */
  since: z.string().nullable(),
  /** why there is (or is not) a failover target, and, when there is none, what brings one back. */
  reason: z.string(),
});
export type Protection = z.infer<typeof Protection>;

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
  /** the failover target routers may use now (absent from older controllers). */
  protection: Protection.optional(),
  /** the latest incidents of the active color, newest first (bounded); absent from older controllers. */
  incidents: z.array(Incident).optional(),
  traffic: z.object({ blue: z.array(TrafficPoint), green: z.array(TrafficPoint) }),
  /** measured at most every 2 s when the state is read; null until first measured. */
  storage: StorageUse.nullable().optional(),
  /** webhook deliveries (NOTIFY_URLS): what waits, what got through, what failed. */
  notifications: NotifyStatus.optional(),
  /** the edge spool's backlog (present when the Worker has the SPOOL and SPOOL_BUCKET bindings). */
  spool: SpoolState.optional(),
  /** the evidence coverage (present when routers report through location tiers, LOCATION_TIER). */
  coverage: CoverageState.optional(),
  /**
   * counter batches the controller dropped since it started because it had already taken them (sent again
   * after their answer was lost; docs/scale.md); absent from older controllers.
   */
  duplicateReports: z.number().int().nonnegative().optional(),
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

/** Server-sent events on GET /api/events: `event: state` carries State; `event: traffic` a TrafficEvent. */
export const TrafficEvent = z.object({
  blue: TrafficPoint.nullable(),
  green: TrafficPoint.nullable(),
  /** the live convergence to the current epoch. */
  convergence: Convergence.optional(),
  /** the live evidence coverage (as the state's). */
  coverage: CoverageState.optional(),
});
export type TrafficEvent = z.infer<typeof TrafficEvent>;
