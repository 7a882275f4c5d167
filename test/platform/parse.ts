// What the stand-in platform reads out of an ingest body: one entry per log line or OTLP log record.

import { isProtobuf, parseOtlpProto } from "./otlp-proto";
import type { StoredEntry } from "./store";

const num = (v: unknown): number | null =>
  typeof v === "number" && Number.isFinite(v)
    ? v
    : v != null && v !== "" && Number.isFinite(Number(v))
      ? Number(v)
      : null;

/** JSON array, `{entries:[…]}`, one JSON object, or NDJSON. */
export function parseBatch(text: string, contentType: string): Record<string, unknown>[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  if (!contentType.includes("ndjson") && (trimmed.startsWith("[") || trimmed.startsWith("{"))) {
    try {
      const v: unknown = JSON.parse(trimmed);
      if (Array.isArray(v)) return v as Record<string, unknown>[];
      const o = v as { entries?: unknown };
      if (Array.isArray(o.entries)) return o.entries as Record<string, unknown>[];
      return [v as Record<string, unknown>];
    } catch {
      // fall through to NDJSON (several objects, one a line)
    }
  }
  return trimmed
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

type OtlpValue = { stringValue?: string; intValue?: string | number; doubleValue?: number };
interface OtlpRecord {
  attributes?: Array<{ key: string; value: OtlpValue }>;
  body?: OtlpValue;
}
interface OtlpLogs {
  resourceLogs?: Array<{ scopeLogs?: Array<{ logRecords?: OtlpRecord[] }> }>;
}

/** OTLP/HTTP JSON logs: each log record is an entry; `producer` and `seq` come from its attributes. */
export function parseOtlp(text: string): Record<string, unknown>[] {
  const doc = JSON.parse(text) as OtlpLogs;
  const out: Record<string, unknown>[] = [];
  for (const rl of doc.resourceLogs ?? []) {
    for (const sl of rl.scopeLogs ?? []) {
      for (const rec of sl.logRecords ?? []) {
        const attrs: Record<string, unknown> = {};
        for (const a of rec.attributes ?? [])
          attrs[a.key] = a.value.stringValue ?? a.value.intValue ?? a.value.doubleValue;
        out.push({ ...attrs, message: rec.body?.stringValue ?? null });
      }
    }
  }
  return out;
}

/**
 * The entries of one ingest body (`/v1/logs` is OTLP, JSON or protobuf by content type; anything else a
 * batch); throws when unparseable.
 */
export function readEntries(
  path: string,
  body: Buffer,
  contentType: string,
  at: { color: string; version: string },
): StoredEntry[] {
  const text = () => body.toString("utf8");
  const records =
    path !== "/v1/logs"
      ? parseBatch(text(), contentType)
      : isProtobuf(contentType)
        ? parseOtlpProto(body)
        : parseOtlp(text());
  return records.map((r) => ({
    producer: typeof r.producer === "string" ? r.producer : null,
    seq: num(r.seq),
    color: at.color,
    version: at.version,
    body: JSON.stringify(r),
  }));
}
