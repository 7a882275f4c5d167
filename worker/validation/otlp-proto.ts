// A minimal protobuf encoder for the one message the canary sends: an OTLP ExportLogsServiceRequest
// (opentelemetry-proto, logs/v1 and collector/logs/v1). Hand-written so the Worker needs no protobuf
// library: varints, fixed64 and length-delimited fields are all it takes.

const utf8 = new TextEncoder();

function varint(n: bigint): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

const tag = (field: number, wire: 0 | 1 | 2) => varint(BigInt((field << 3) | wire));

/** A field: tag and value bytes. */
type Field = number[];

const join = (fields: Field[]): number[] => fields.flat();
/** A nested message, or a string's or bytes' length-delimited field. */
const nested = (field: number, bytes: number[]): Field => [...tag(field, 2), ...varint(BigInt(bytes.length)), ...bytes];
const string = (field: number, s: string): Field => nested(field, [...utf8.encode(s)]);
const uint = (field: number, n: number | bigint): Field => [...tag(field, 0), ...varint(BigInt(n))];
function fixed64(field: number, n: bigint): Field {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, n, true);
  return [...tag(field, 1), ...bytes];
}

export type AttributeValue = string | number;

/** A KeyValue { key = 1; AnyValue value = 2 } as field `field`; AnyValue { string_value = 1; int_value = 3 }. */
const keyValue = (field: number, key: string, value: AttributeValue): Field =>
  nested(field, join([string(1, key), nested(2, typeof value === "string" ? string(1, value) : uint(3, value))]));

export interface ProtoLogRecord {
  timeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: string;
  attributes: Record<string, AttributeValue>;
}

/**
 * ExportLogsServiceRequest { ResourceLogs resource_logs = 1 } with one resource (service.name), one scope
 * and the given records. LogRecord fields: time_unix_nano = 1 (fixed64), severity_number = 2,
 * severity_text = 3, body = 5, attributes = 6 (each a KeyValue, field 6 repeated).
 */
export function encodeLogsRequest(service: string, scope: string, records: ProtoLogRecord[]): Uint8Array<ArrayBuffer> {
  const logRecord = (r: ProtoLogRecord) =>
    nested(
      2,
      join([
        fixed64(1, r.timeUnixNano),
        uint(2, r.severityNumber),
        string(3, r.severityText),
        nested(5, string(1, r.body)),
        ...Object.entries(r.attributes).map(([k, v]) => keyValue(6, k, v)),
      ]),
    );
  // Resource { attributes = 1 }; ScopeLogs { scope = 1 (InstrumentationScope { name = 1 }); log_records = 2 }.
  const resource = nested(1, keyValue(1, "service.name", service));
  const scopeLogs = nested(2, join([nested(1, string(1, scope)), ...records.map(logRecord)]));
  return new Uint8Array(nested(1, join([resource, scopeLogs])));
}
