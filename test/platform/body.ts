import type { IncomingMessage } from "node:http";
import { gunzip } from "node:zlib";

/** Largest ingest body taken off the wire: above the 20 MiB OTLP recommendation, so the platform is never the limit. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Largest decoded (gunzipped) body: log batches compress about 10:1. */
export const MAX_DECODED_BYTES = 256 * 1024 * 1024;

export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The raw request body; rejects with 413 past `MAX_BODY_BYTES`. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) reject(new BodyError(413, `body over ${MAX_BODY_BYTES} bytes`));
      else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** The body's bytes, gunzipped when `content-encoding: gzip` (what shippers with compression on send). */
export async function decodeBody(raw: Buffer, contentEncoding: string | undefined): Promise<Buffer> {
  const encoding = (contentEncoding ?? "identity").trim().toLowerCase();
  if (encoding === "identity" || encoding === "") return raw;
  if (encoding !== "gzip" && encoding !== "x-gzip")
    throw new BodyError(415, `content-encoding ${encoding} not supported`);
  const text = await new Promise<Buffer>((resolve, reject) =>
    gunzip(raw, { maxOutputLength: MAX_DECODED_BYTES }, (e, out) => (e ? reject(e) : resolve(out))),
  ).catch((e: Error) => {
    throw new BodyError(400, `bad gzip body: ${e.message}`);
  });
  return text;
}
