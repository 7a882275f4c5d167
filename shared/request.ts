// What POST /api/deployments and POST /api/rollback take: thresholds and their defaults, the traffic plan.
import * as z from "zod";
import { Color } from "./flag";

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
    /** mirrored requests the candidate must have answered before validation judges it on them (docs/deployments.md, "Mirroring"). */
    minMirrorRequests: z.number().int().positive().max(1_000_000).default(20),
    /** share of the copies routers meant to send (sent + skipped at the bound) the candidate must accept (2xx), 0..1. */
    minMirrorAcceptRate: z.number().min(0).max(1).default(0.99),
    /** how long validation waits, once the probes pass, for `minMirrorRequests` before it falls back to the probes alone, s. */
    mirrorWaitSeconds: z.number().int().nonnegative().max(3600).default(30),
    /** how long `awaiting_decision` waits for promote or abort before the deployment is aborted, s (default: DECISION_TIMEOUT_SECONDS). */
    decisionTimeoutSeconds: z.number().int().min(1).max(604_800).optional(),
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
 * [5, 25, 100]; whole numbers 1..100, strictly increasing, the last 100 (docs/deployments.md, "Traffic steps").
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
