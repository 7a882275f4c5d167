/** How a release misbehaves: lets a "bad version" be deployed on purpose. */
export interface Faults {
  /** share of ingest requests answered 500 (0..1). */
  errorRate?: number;
  /** limit errorRate to these paths (e.g. only "/v1/logs"); all ingest paths when absent. */
  errorPaths?: string[];
  /** ingest requests answered with this status (e.g. 429 or 503), with `Retry-After` when given; nothing stored. */
  reject?: { status: number; retryAfterSeconds?: number };
  /** limit errorRate to requests whose content-type contains one of these (e.g. "protobuf"). */
  errorContentTypes?: string[];
  /** added latency on every request, ms. */
  latencyMs?: number;
  /** ingest: the body is read at once, the batch stored and answered only after this long (a slow, not dead, release). */
  slowIngestMs?: number;
  /**
   * ingest: a request that finds more than `above` other ingest requests in progress is answered `ms` late
   * (a release fast for single probes that cannot keep up with production load).
   */
  slowUnderLoad?: { above: number; ms: number };
  /** ingest: the connection is destroyed once the first chunk of the body arrived (a process dying mid-request). */
  resetMidBody?: boolean;
  /** ingest: the connection is accepted and the body read, but no answer ever comes (a wedged process). */
  hang?: boolean;
  /**
   * a half-rolled color: of its two nodes (`<color>-1`, `<color>-2`, answering in turn), the second still
   * runs this (old) version and/or configHash.
   */
  halfRolled?: { version?: string; configHash?: string };
  /** version the health endpoint reports instead of the real one. */
  reportVersion?: string;
  /** health answers 503. */
  unhealthy?: boolean;
  /** the process stops accepting connections after this many ingest requests. */
  crashAfter?: number;
  /** the faults last this long from when they were set, then the release behaves again (transient faults). */
  forMs?: number;
  /** ingest answers 200 as if the batch were stored, and stores nothing (what only a readback catches). */
  acknowledgeButDrop?: boolean;
  /**
   * ingest answers 200 at once and keeps the batch in an in-flight buffer (a processing pipeline), written
   * to the store when the platform is asked to drain (`GET /drain`, which reports `{inflight: N}`).
   */
  bufferIngest?: boolean;
  /** `GET /drain` does not flush the buffer yet (a pipeline still busy): it keeps reporting its work in flight. */
  holdBuffer?: boolean;
  /** ingest answers at once and stores the batch this much later, like an indexing pipeline's lag (ms). */
  storeDelayMs?: number;
  /**
   * the faults spare the controller's canary batches (idempotency-key `canary-…`): a release that passes
   * validation and breaks only under real traffic (what traffic steps limit).
   */
  spareCanary?: boolean;
  /** health still declares `"idempotency": "key"`, but ingest stores a batch again under a key it has stored (a broken promise). */
  ignoreIdempotencyKey?: boolean;
}

/** Fault knobs per version, e.g. `{"v3":{"errorRate":1}}` (env PLATFORM_FAULTS). */
export type FaultsByVersion = Record<string, Faults>;

export function parseFaults(json: string | undefined): FaultsByVersion {
  if (!json) return {};
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error("PLATFORM_FAULTS must be a JSON object of version → faults");
  }
  return parsed as FaultsByVersion;
}
