import { encodeLogsRequest } from "./otlp-proto";
import { canaryId } from "./readback";

export const CANARY_FORMATS = ["ndjson", "otlp-json", "otlp-proto"] as const;
export type CanaryFormat = (typeof CANARY_FORMATS)[number];
/** One entry of the `CANARY` var (parsed in env.ts): a batch in `format` is posted to `path` every probe round. */
export interface CanaryTarget {
  path: string;
  format: CanaryFormat;
}

/**
 * `CANARY` (and the CLI's `check-origin --canary`): comma-separated `path:format`; unknown formats are
 * skipped rather than crashing every request.
 */
export function parseCanary(value: string | undefined): CanaryTarget[] {
  const targets: CanaryTarget[] = [];
  for (const item of (value || "/ingest:ndjson,/v1/logs:otlp-json,/v1/logs:otlp-proto").split(",")) {
    const at = item.lastIndexOf(":");
    const path = item.slice(0, at).trim();
    const format = item.slice(at + 1).trim() as CanaryFormat;
    if (path.startsWith("/") && CANARY_FORMATS.includes(format)) targets.push({ path, format });
  }
  return targets;
}

/** Marks canary records so they are told apart from real logs (the platform may filter them out). */
export const CANARY_SOURCE = "bluegreen-canary";
const MESSAGE = "blue/green validation canary";

/** How a canary is named in probes and reasons: `/v1/logs otlp-proto`. */
export const canaryName = (c: CanaryTarget) => `${c.path} ${c.format}`;

/** One batch's unique id (its idempotency key, and what READBACK_PATH looks for): the round's id plus the canary. */
export const batchId = (deploymentId: string, seq: number, c: CanaryTarget) =>
  `${canaryId(deploymentId, seq)}-${c.format}${c.path.replaceAll("/", "-")}`;

/** What each canary record carries as attributes. */
export interface CanaryTags {
  deploymentId: string;
  seq: number;
  canaryId: string;
}

interface CanaryBody {
  contentType: string;
  body: string | Uint8Array<ArrayBuffer>;
}

/** One small log batch in `format`, carrying the deployment, sequence number and batch id as attributes. */
export function canaryBody(format: CanaryFormat, tags: CanaryTags, now = Date.now()): CanaryBody {
  const attributes = { source: CANARY_SOURCE, ...tags };
  if (format === "ndjson") {
    const entry = { ts: new Date(now).toISOString(), ...attributes, message: MESSAGE };
    return { contentType: "application/x-ndjson", body: `${JSON.stringify(entry)}\n` };
  }
  const timeUnixNano = BigInt(now) * 1_000_000n;
  if (format === "otlp-proto") {
    const record = { timeUnixNano, severityNumber: 9, severityText: "INFO", body: MESSAGE, attributes };
    return { contentType: "application/x-protobuf", body: encodeLogsRequest(CANARY_SOURCE, CANARY_SOURCE, [record]) };
  }
  // OTLP/JSON: int64 values are strings, as the protobuf JSON mapping has them.
  const kv = (key: string, value: string | number) => ({
    key,
    value: typeof value === "string" ? { stringValue: value } : { intValue: String(value) },
  });
  const doc = {
    resourceLogs: [
      {
        resource: { attributes: [kv("service.name", CANARY_SOURCE)] },
        scopeLogs: [
          {
            scope: { name: CANARY_SOURCE },
            logRecords: [
              {
                timeUnixNano: String(timeUnixNano),
                severityNumber: 9,
                severityText: "INFO",
                body: { stringValue: MESSAGE },
                attributes: Object.entries(attributes).map(([k, v]) => kv(k, v)),
              },
            ],
          },
        ],
      },
    ],
  };
  return { contentType: "application/json", body: JSON.stringify(doc) };
}
