// A deployment's record: status and steps, probes, the watch, traffic steps, the mirror verdict, convergence.
import * as z from "zod";
import { Color, Flag } from "./flag";
import { Thresholds } from "./request";

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
  "idempotency",
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

/** Validation on mirrored live traffic (docs/deployments.md, "Mirroring"): what the candidate did with the copies. */
export const MirrorReport = z.object({
  /** % of live ingest requests copied (0: mirroring off for this deployment). */
  percent: z.number(),
  /** the first flag epoch that carried this deployment's mirror: copies under older epochs are not its own. */
  fromEpoch: z.number().int().nonnegative().nullable(),
  /**
   * `collecting` until `minMirrorRequests`; `passed`/`failed` by the mirror verdict; `no-traffic` when too few
   * copies came within `mirrorWaitSeconds` of the probes passing (validation judged by the probes alone); `off`;
   * `unsupported`: no copies, the candidate did not declare `"idempotency": "key"` in its health JSON.
   */
  status: z.enum(["collecting", "passed", "failed", "no-traffic", "off", "unsupported"]),
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
