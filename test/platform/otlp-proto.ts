// OTLP/HTTP protobuf logs (content-type application/x-protobuf) for the stand-in platform: decodes an
// ExportLogsServiceRequest into the same entries parseOtlp gives for OTLP/JSON. Only the fields the
// platform stores are read (log record body and attributes); unknown fields are skipped, as protobuf wants.

interface Field {
  no: number;
  wire: number;
  int: bigint;
  bytes: Uint8Array;
}

const text = new TextDecoder("utf-8", { fatal: true });

/** The fields of one message, in order. Throws on truncated or malformed input. */
function* fields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = buf[pos++];
      if (b === undefined) throw new Error("truncated varint");
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new Error("varint too long");
  };
  const take = (n: number): Uint8Array => {
    if (pos + n > buf.length) throw new Error("truncated field");
    pos += n;
    return buf.subarray(pos - n, pos);
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { no, wire, int: varint(), bytes: new Uint8Array() };
    else if (wire === 1) yield { no, wire, int: 0n, bytes: take(8) };
    else if (wire === 5) yield { no, wire, int: 0n, bytes: take(4) };
    else if (wire === 2) yield { no, wire, int: 0n, bytes: take(Number(varint())) };
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

/** The nested messages in field `no`. */
const messages = (buf: Uint8Array, no: number) => [...fields(buf)].filter((f) => f.no === no && f.wire === 2);

/** AnyValue { string_value = 1; bool_value = 2; int_value = 3; double_value = 4 } (others: null). */
function anyValue(buf: Uint8Array): string | number | boolean | null {
  for (const f of fields(buf)) {
    if (f.no === 1 && f.wire === 2) return text.decode(f.bytes);
    if (f.no === 2 && f.wire === 0) return f.int !== 0n;
    if (f.no === 3 && f.wire === 0) return Number(BigInt.asIntN(64, f.int));
    if (f.no === 4 && f.wire === 1) return new DataView(f.bytes.buffer, f.bytes.byteOffset, 8).getFloat64(0, true);
  }
  return null;
}

export const isProtobuf = (contentType: string) => contentType.includes("protobuf");

/**
 * ExportLogsServiceRequest: resource_logs = 1 → scope_logs = 2 → log_records = 2; a record's body is
 * field 5, its attributes field 6 (KeyValue { key = 1; value = 2 }).
 */
export function parseOtlpProto(body: Uint8Array): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const rl of messages(body, 1)) {
    for (const sl of messages(rl.bytes, 2)) {
      for (const rec of messages(sl.bytes, 2)) {
        const attrs: Record<string, unknown> = {};
        let message: unknown = null;
        for (const f of fields(rec.bytes)) {
          if (f.no === 5 && f.wire === 2) message = anyValue(f.bytes);
          if (f.no !== 6 || f.wire !== 2) continue;
          const kv = [...fields(f.bytes)];
          const key = kv.find((x) => x.no === 1 && x.wire === 2);
          const value = kv.find((x) => x.no === 2 && x.wire === 2);
          if (key) attrs[text.decode(key.bytes)] = value ? anyValue(value.bytes) : null;
        }
        out.push({ ...attrs, message });
      }
    }
  }
  return out;
}
