import { failoverOn } from "./router/failover-on";
import type { SpoolMessage } from "./spool/message";
import { parseCanary } from "./validation/canary";

/** Bindings and variables, as declared in wrangler.toml (plus the CONTROL_TOKEN and VIEW_TOKEN secrets). */
export interface Env {
  ROUTING: KVNamespace;
  /** typed where it is used: controller/stub.ts (so this module imports no controller code). */
  CONTROLLER: DurableObjectNamespace;
  BLUE_ORIGIN: string;
  GREEN_ORIGIN: string;
  HEALTH_PATH?: string;
  CANARY?: string;
  FLAG_CACHE_MS?: string;
  MAX_BODY_BYTES?: string;
  REPLAY_BUFFER_BYTES?: string;
  FAILOVER_ON?: string;
  IDEMPOTENCY?: string;
  EJECT_AFTER?: string;
  EJECT_SECONDS?: string;
  DRAIN_SECONDS?: string;
  DRAIN_QUIET_SECONDS?: string;
  PROMOTION_TIMEOUT_SECONDS?: string;
  VALIDATION_TIMEOUT_SECONDS?: string;
  DECISION_TIMEOUT_SECONDS?: string;
  ORIGIN_TIMEOUT_MS?: string;
  HEALTH_INTERVAL_MS?: string;
  /** DESIGN.md's name: outside deployments, send traffic back to a known-good standby when the active color breaches. */
  autoRevertActive?: string;
  CONTROLLER_NAME?: string;
  CONTROL_TOKEN?: string;
  OIDC_AUDIENCE?: string;
  OIDC_REPOSITORIES?: string;
  OIDC_JWKS_URL?: string;
  OIDC_ISSUER?: string;
  NOTIFY_URLS?: string;
  NOTIFY_SECRET?: string;
  VIEW_TOKEN?: string;
  OIDC_REFS?: string;
  OIDC_ENVIRONMENTS?: string;
  OIDC_EVENTS?: string;
  OIDC_WORKFLOWS?: string;
  OIDC_OPERATOR_WORKFLOWS?: string;
  OIDC_JWKS_COOLDOWN_SECONDS?: string;
  AUDIT_ENTRIES?: string;
  READBACK_PATH?: string;
  DRAIN_PATH?: string;
  FLAG_FAST_PATH?: string;
  /** the edge spool (both optional; docs/spool.md): a batch no color took is stored here and delivered later. */
  SPOOL?: Queue<SpoolMessage>;
  SPOOL_BUCKET?: R2Bucket;
  SPOOL_DELIVERY_CONCURRENCY?: string;
  SPOOL_RETRY_MAX_SECONDS?: string;
  SPOOL_DEAD_LETTER_QUEUE?: string;
  KV_FALLBACK_MS?: string;
  /** `on` (default) or `off`: isolates report counts and read the flag through their location's tier. */
  LOCATION_TIER?: string;
  /** the per-location tier (class LocationTier); typed where it is used: tier/stub.ts. */
  LOCATIONS?: DurableObjectNamespace;
}

export function num(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** FLAG_FAST_PATH: on unless set to `off` (read per request by the router's flag source). */
export const fastPathOn = (env: Env): boolean => env.FLAG_FAST_PATH?.trim().toLowerCase() !== "off";

function parse(env: Env) {
  const canaryTargets = parseCanary(env.CANARY);
  return {
    origins: { blue: env.BLUE_ORIGIN, green: env.GREEN_ORIGIN },
    healthPath: env.HEALTH_PATH || "/health",
    canary: canaryTargets,
    /** the distinct canary paths: router counters keep one entry each, plus `other`. */
    canaryPaths: new Set(canaryTargets.map((t) => t.path)),
    flagCacheMs: num(env.FLAG_CACHE_MS, 1000),
    /** how often KV is read while the fast path answers (never more often than FLAG_CACHE_MS). */
    kvFallbackMs: num(env.KV_FALLBACK_MS, 30_000),
    /** reports and flag reads go through the location's tier (needs the LOCATIONS binding). */
    locationTier: env.LOCATION_TIER?.trim().toLowerCase() !== "off" && env.LOCATIONS !== undefined,
    maxBodyBytes: num(env.MAX_BODY_BYTES, 20_971_520),
    replayBufferBytes: num(env.REPLAY_BUFFER_BYTES, 4_194_304),
    failoverOn: failoverOn(env.FAILOVER_ON),
    idempotency: env.IDEMPOTENCY?.trim().toLowerCase() === "random" ? ("random" as const) : ("content" as const),
    ejectAfter: num(env.EJECT_AFTER, 5),
    ejectMs: num(env.EJECT_SECONDS, 10) * 1000,
    drainSeconds: num(env.DRAIN_SECONDS, 60),
    drainQuietSeconds: num(env.DRAIN_QUIET_SECONDS, 10),
    promotionTimeoutSeconds: num(env.PROMOTION_TIMEOUT_SECONDS, 3600),
    validationTimeoutSeconds: num(env.VALIDATION_TIMEOUT_SECONDS, 600),
    /** default `decisionTimeoutSeconds`: how long `awaiting_decision` waits before the deployment is aborted. */
    decisionTimeoutSeconds: Math.max(1, num(env.DECISION_TIMEOUT_SECONDS, 3600)),
    originTimeoutMs: num(env.ORIGIN_TIMEOUT_MS, 4000),
    /** how often the alarm checks both colors' health and judges the active one, deployment or not. */
    healthIntervalMs: Math.max(50, num(env.HEALTH_INTERVAL_MS, 5000)),
    autoRevertActive: ["true", "1", "on", "yes"].includes((env.autoRevertActive ?? "").trim().toLowerCase()),
    controllerName: env.CONTROLLER_NAME || "production",
    /** template of the path that reads a canary batch back, e.g. `/search?canary={id}`; null: no readback. */
    readbackPath: env.READBACK_PATH || null,
    /** the platform's in-flight report (e.g. `/drain` → `{inflight: N}`); null: drains by routers and time only. */
    drainPath: env.DRAIN_PATH || null,
    notifyUrls: (env.NOTIFY_URLS ?? "")
      .split(",")
      .map((u) => u.trim())
      .filter(Boolean),
    /** audit entries kept (the newest); never fewer than 1,000. */
    auditEntries: Math.max(1000, Math.floor(num(env.AUDIT_ENTRIES, 2000))),
    /** deliveries in flight per consumer invocation (the queue's max_concurrency bounds the invocations). */
    spoolDeliveryConcurrency: Math.max(1, Math.floor(num(env.SPOOL_DELIVERY_CONCURRENCY, 4))),
    /** the longest delay between two delivery attempts of a spooled batch (they grow 1, 2, 4, … s up to it). */
    spoolRetryMaxSeconds: Math.max(1, num(env.SPOOL_RETRY_MAX_SECONDS, 10)),
    spoolDeadLetterQueue: env.SPOOL_DEAD_LETTER_QUEUE || "edge-bluegreen-spool-dlq",
  };
}

export type Config = ReturnType<typeof parse>;

// Parsed once per env object (workerd hands an isolate the same one), not per request.
const parsed = new WeakMap<Env, Config>();

/** Parsed configuration with the defaults DESIGN.md names. */
export function config(env: Env): Config {
  let cfg = parsed.get(env);
  if (!cfg) {
    cfg = parse(env);
    parsed.set(env, cfg);
  }
  return cfg;
}
