import { HttpError } from "../http/errors";

/**
 * A request body as the router forwards it. Up to `REPLAY_BUFFER_BYTES` it is held in memory so a
 * failover can replay it; above that (or when the isolate's buffer budget is spent) it is streamed
 * to one origin only and cannot be replayed.
 */
export type Body = Buffered | Streamed;

export interface Buffered {
  replayable: true;
  bytes: ArrayBuffer | null;
  /** bytes held against the isolate budget; released once the request is done. */
  reserved: number;
}

export interface Streamed {
  replayable: false;
  stream: ReadableStream<Uint8Array>;
  /** declared content-length; null for a chunked body. */
  length: number | null;
  /**
   * Why a chunked upload was cut short on the client's side: it grew past MAX_BODY_BYTES, or the
   * client's body broke off. No verdict on the origin either way.
   */
  cut: "too_large" | "client_body" | null;
  /**
   * Set by the attempt: aborts the upload. A chunked body whose stream merely errored would be ended
   * cleanly by the runtime, and the origin would take the truncated batch for a whole one.
   */
  abortUpload: () => void;
  reserved: 0;
}

/**
 * Bodies buffered at once in this isolate, all requests together. Workers have 128 MB per isolate;
 * past this budget new bodies are streamed instead, so concurrency cannot multiply the buffers.
 */
export const ISOLATE_BUFFER_BUDGET = 32 * 1024 * 1024;
/** A streamed upload's attempt gets this much longer than ORIGIN_TIMEOUT_MS per byte (a slow client is not a slow origin). */
export const MIN_UPLOAD_BYTES_PER_SECOND = 1024 * 1024;
let buffered = 0;

/** Bytes currently buffered for replay in this isolate (for /healthz). */
export const bufferedBytes = () => buffered;

function reserve(n: number): boolean {
  if (buffered + n > ISOLATE_BUFFER_BUDGET) return false;
  buffered += n;
  return true;
}

export function releaseBody(body: Body): void {
  buffered -= body.reserved;
}

/** Extra time an attempt gets to upload a streamed body (at MIN_UPLOAD_BYTES_PER_SECOND, up to `max` bytes). */
export const uploadAllowanceMs = (body: Body, max: number): number =>
  body.replayable ? 0 : Math.ceil(((body.length ?? max) / MIN_UPLOAD_BYTES_PER_SECOND) * 1000);

const tooLarge = (max: number) => new HttpError(413, "payload_too_large", `body exceeds ${max} bytes`);
const unreadable = () => new HttpError(400, "bad_request", "could not read the request body");
const noop = () => {};

/** Reads or wraps the request body; throws HttpError 413 above `max`, 400 when the client's body breaks. */
export async function readBody(request: Request, max: number, replayMax: number): Promise<Body> {
  if (request.body === null) return { replayable: true, bytes: null, reserved: 0 };
  const header = request.headers.get("content-length");
  const declared = header === null ? Number.NaN : Number(header);
  if (!Number.isFinite(declared)) return readChunked(request.body, max, replayMax);
  if (declared > max) throw tooLarge(max);
  // HTTP framing makes a declared length exact: no counting needed.
  if (declared <= replayMax && reserve(declared)) {
    try {
      return { replayable: true, bytes: await request.arrayBuffer(), reserved: declared };
    } catch {
      buffered -= declared;
      throw unreadable();
    }
  }
  // Handed to fetch as it is: the runtime pumps it natively (no chunk passes through JS) and keeps the
  // length, so a body the client breaks off can never look complete to the origin.
  return { replayable: false, stream: request.body, length: declared, cut: null, abortUpload: noop, reserved: 0 };
}

/** No content-length: buffer while it fits, then stream what was read followed by the rest. */
async function readChunked(source: ReadableStream<Uint8Array>, max: number, replayMax: number): Promise<Body> {
  const reader = source.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      if (size + value.byteLength > max) throw tooLarge(max);
      if (size + value.byteLength > replayMax || !reserve(value.byteLength)) {
        // Too big to replay, or the budget is spent: what was read goes out first, then the rest.
        buffered -= size;
        return chunkedStream(chunks, size + value.byteLength, reader, max);
      }
      size += value.byteLength;
    }
  } catch (e) {
    buffered -= size;
    await reader.cancel().catch(noop);
    throw e instanceof HttpError ? e : unreadable();
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  return { replayable: true, bytes: bytes.buffer, reserved: size };
}

/** `head` (already read, `sent` bytes), then the rest of `reader`, counted against `max`. */
function chunkedStream(
  head: Uint8Array[],
  sent: number,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  max: number,
): Streamed {
  const body: Streamed = {
    replayable: false,
    stream: new ReadableStream<Uint8Array>({
      start(c) {
        for (const chunk of head) c.enqueue(chunk);
        head.length = 0;
      },
      async pull(c) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (e) {
          // The client's body broke off: the origin must not see an ending.
          body.cut = "client_body";
          body.abortUpload();
          throw e;
        }
        if (next.done) return c.close();
        sent += next.value.byteLength;
        if (sent > max) {
          body.cut = "too_large";
          body.abortUpload();
          throw tooLarge(max);
        }
        c.enqueue(next.value);
      },
      cancel: (reason) => reader.cancel(reason),
    }),
    length: null,
    cut: null,
    abortUpload: noop,
    reserved: 0,
  };
  return body;
}
